"""Migrating open cases (running, suspended, in error) of one version of a process to another.

The plan (dry run) lists which instances can move — every element each one is at exists in the target with the same
type, and its history still maps — and why the others cannot. Executing moves exactly the movable instances among
the ids the designer confirmed, each in its own command (lock → migrate the state to the target spec → save with
audit action "migrate"), so one case that changed meanwhile never holds back the others."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import db
from app.engine import clock, spec_migration
from app.engine.errors import Incident
from app.i18n import N_
from app.models import ProcessInstance, Task, User
from app.services.people import access
from app.services.admin import settings
from app.services.design.drafts import definition_of
from app.services.design.permissions import require_designer
from app.services.runtime import commands, unit_of_work
from app.services.runtime.forms import input_components
from app.services.runtime.unit_of_work import UnitOfWork
from app.services.errors import Invalid, NotFound
from app.vocabulary import OPEN_STATUSES, PENDING_TASK_STATES, InstanceStatus, RoleCode

_REQUIRED = N_("此项为必填项")


def plan(session: Session, key: str, from_version: int, to_version: int) -> dict:
    source, target = _versions(session, key, from_version, to_version)
    settings.refresh_calendar(session)
    movable, blocked = [], []
    for inst in session.scalars(select(ProcessInstance).where(ProcessInstance.definition_id == source.id,
                                                              ProcessInstance.status.in_(OPEN_STATUSES))
                                .order_by(ProcessInstance.id)):
        entry, reasons = _assess(session, inst, target.id)
        (blocked if reasons else movable).append({**entry, "reason": "；".join(reasons)} if reasons else entry)
    return {"movable": movable, "blocked": blocked, "migrated": []}


def execute(key: str, from_version: int, to_version: int, instance_ids: list[int], reason: str, actor: User) -> dict:
    """Move the listed instances that can move; the others are returned in `blocked` with the reason. Each moves in
    its own unit of work; the designer's permission is checked once, before anything is read."""
    require_designer(actor)
    if not isinstance(reason, str) or not reason.strip():
        raise Invalid(N_("请填写迁移原因"), fields={"reason": _REQUIRED})
    if not instance_ids:
        raise Invalid(N_("请列出要迁移的案件（预演结果中可迁移的案件）"), fields={"instance_ids": _REQUIRED})
    with db.transaction(write=False) as session:
        source, target = _versions(session, key, from_version, to_version)
        source_id, target_id = source.id, target.id
    result = {"movable": [], "blocked": [], "migrated": []}

    def move(uow: UnitOfWork, instance_id: int) -> None:
        session = uow.session
        try:
            inst = commands.lock_instance(session, instance_id)
        except NotFound:
            inst = None
        if inst is None or inst.definition_id != source_id:
            result["blocked"].append({"id": instance_id, "business_key": inst.business_key if inst else None,
                                      "reason": N_("案件不属于流程 {key} 的版本 {version}").format(
                                          key=key, version=from_version)})
            return
        if inst.status not in OPEN_STATUSES:
            result["blocked"].append({"id": inst.id, "business_key": inst.business_key,
                                      "reason": N_("案件已不在办理中（状态 {status}）").format(status=inst.status)})
            return
        entry, reasons = _assess(session, inst, target_id)
        if reasons:
            result["blocked"].append({**entry, "reason": "；".join(reasons)})
            return
        _migrate(uow, inst, target_id, actor, reason.strip(), from_version, to_version)
        result["movable"].append(entry)
        result["migrated"].append(inst.id)

    for instance_id in dict.fromkeys(instance_ids):
        unit_of_work.run(lambda uow, instance_id=instance_id: move(uow, instance_id), calendar=True)
    return result


# ---- internals -----------------------------------------------------------------------------------------------------------
def _versions(session: Session, key: str, from_version: int, to_version: int):
    if from_version == to_version:
        raise Invalid(N_("源版本与目标版本相同"), fields={"to_version": N_("应与源版本不同")})
    return definition_of(session, key, from_version), definition_of(session, key, to_version)


def _assess(session: Session, inst: ProcessInstance, target_id: int) -> tuple[dict, list[str]]:
    entry = {"id": inst.id, "business_key": inst.business_key, "status": inst.status, "active_elements": []}
    try:
        rt = commands.restore(session, inst)
    except Exception as err:  # a state that cannot even be restored on its own version cannot move either
        return entry, [N_("案件状态无法恢复：{error_type}: {error}").format(error_type=type(err).__name__, error=err)]
    assessment = spec_migration.assess(rt, commands.parsed_definition(session, target_id))
    entry["active_elements"] = assessment.active_elements
    return entry, assessment.reasons


def _migrate(uow: UnitOfWork, inst: ProcessInstance, target_id: int, actor: User, reason: str,
             from_version: int, to_version: int) -> None:
    session = uow.session
    source = commands.parsed_definition(session, inst.definition_id)
    target = commands.parsed_definition(session, target_id)
    rt = spec_migration.migrate(source, inst.state, target)
    inst.definition_id = target_id
    incident = rt.step() if inst.status == InstanceStatus.RUNNING else None
    incident = incident or _refresh_open_tasks(session, inst, rt, target.forms)
    uow.save(rt, actor.username, "migrate", {"reason": reason, "from_version": from_version, "to_version": to_version},
             incident, inst=inst)


def _refresh_open_tasks(session: Session, inst: ProcessInstance, rt, forms: dict) -> Incident | None:
    """An open task keeps its row (id, history), and everything the target decides is decided again as if the task
    had just opened there: name, lane, role, organisation, due date, priority and form. Its assignee stays only if
    they still hold that role in that organisation; its saved draft keeps only the fields the target form still has
    (nothing if the task now uses another form). A property expression that fails is an incident, as on opening."""
    views = {v.id: v for v in rt.ready_user_tasks()}
    now, incident = clock.now(), None
    for row in session.scalars(select(Task).where(Task.instance_id == inst.id, Task.status.in_(PENDING_TASK_STATES))):
        view = views.get(row.id)
        if view is None:
            continue
        try:
            fresh = commands.new_task_row(session, inst, rt, view, now)  # the rules of a task opening
        except Exception as err:  # a dueDate/organisation/priority expression that fails in the sandbox
            incident = incident or Incident(message=N_("任务属性表达式出错：{error}").format(error=err),
                                            element_id=view.element_id, element_name=view.name, task_id=row.id)
            continue
        old_form = row.form_key
        row.element_id, row.name, row.lane, row.candidate_role = fresh.element_id, fresh.name, fresh.lane, fresh.candidate_role
        row.organisation_id, row.due_at, row.priority, row.form_key = (fresh.organisation_id, fresh.due_at,
                                                                       fresh.priority, fresh.form_key)
        if row.assignee_id is not None and not _may_keep(session, row):
            row.assignee_id = None
        row.draft = _kept_draft(row.draft, forms.get(row.form_key) if row.form_key == old_form else None)
    return incident


def _may_keep(session: Session, row: Task) -> bool:
    """Whether the task's assignee still holds its role in its organisation (an administrator always does)."""
    user = session.get(User, row.assignee_id)
    if user is None:
        return False
    if RoleCode.ADMIN in user.role_codes:
        return True
    return row.candidate_role is not None and row.organisation_id in access.visible_org_ids(session, user, row.candidate_role)


def _kept_draft(draft: dict | None, form: dict | None) -> dict | None:
    if not draft or form is None:
        return None
    keys = {comp["key"] for comp in input_components(form)}
    kept = {k: v for k, v in draft.items() if k in keys}
    return kept or None
