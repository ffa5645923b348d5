"""Migrating open cases (running, suspended, in error) of one version of a process to another.

The plan (dry run) lists which instances can move — every element each one is at exists in the target with the same
type, and its history still maps — and why the others cannot. Executing moves exactly the movable instances among
the ids the designer confirmed, each in its own command (lock → migrate the state to the target spec → save with
audit action "migrate"), so one case that changed meanwhile never holds back the others."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import db
from app.engine import spec_migration
from app.models import ProcessInstance, Task, User
from app.services import commands, people, settings
from app.services.designs import definition_of, require_designer
from app.services.errors import Invalid, NotFound

OPEN_STATUSES = ("running", "suspended", "error")


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
    """Move the listed instances that can move; the others are returned in `blocked` with the reason."""
    require_designer(actor)
    if not isinstance(reason, str) or not reason.strip():
        raise Invalid("请填写迁移原因 / a reason is required", fields={"reason": "此项为必填项 / required"})
    if not instance_ids:
        raise Invalid("请列出要迁移的案件（预演结果中可迁移的案件） / list the instances to migrate",
                      fields={"instance_ids": "此项为必填项 / required"})
    with db.transaction(write=False) as session:
        source, target = _versions(session, key, from_version, to_version)
        source_id, target_id = source.id, target.id
    result = {"movable": [], "blocked": [], "migrated": []}
    for instance_id in dict.fromkeys(instance_ids):
        with db.transaction() as session:
            settings.refresh_calendar(session)
            try:
                inst = commands.lock_instance(session, instance_id)
            except NotFound:
                inst = None
            if inst is None or inst.definition_id != source_id:
                result["blocked"].append({"id": instance_id, "business_key": inst.business_key if inst else None,
                                          "reason": f"案件不属于流程 {key} 的版本 {from_version} / not an instance of this version"})
                continue
            if inst.status not in OPEN_STATUSES:
                result["blocked"].append({"id": inst.id, "business_key": inst.business_key,
                                          "reason": f"案件已不在办理中（状态 {inst.status}） / instance is no longer open"})
                continue
            entry, reasons = _assess(session, inst, target_id)
            if reasons:
                result["blocked"].append({**entry, "reason": "；".join(reasons)})
                continue
            _migrate(session, inst, target_id, actor, reason.strip(), from_version, to_version)
            result["movable"].append(entry)
            result["migrated"].append(inst.id)
    return result


# ---- internals -----------------------------------------------------------------------------------------------------------
def _versions(session: Session, key: str, from_version: int, to_version: int):
    if from_version == to_version:
        raise Invalid("源版本与目标版本相同 / source and target versions are the same",
                      fields={"to_version": "应与源版本不同 / must differ from from_version"})
    return definition_of(session, key, from_version), definition_of(session, key, to_version)


def _assess(session: Session, inst: ProcessInstance, target_id: int) -> tuple[dict, list[str]]:
    entry = {"id": inst.id, "business_key": inst.business_key, "status": inst.status, "active_elements": []}
    try:
        rt = commands.restore(session, inst)
    except Exception as err:  # a state that cannot even be restored on its own version cannot move either
        return entry, [f"案件状态无法恢复：{type(err).__name__}: {err}"]
    assessment = spec_migration.assess(rt, commands.parsed_definition(session, target_id))
    entry["active_elements"] = assessment.active_elements
    return entry, assessment.reasons


def _migrate(session: Session, inst: ProcessInstance, target_id: int, actor: User, reason: str,
             from_version: int, to_version: int) -> None:
    source = commands.parsed_definition(session, inst.definition_id)
    rt = spec_migration.migrate(source, inst.state, commands.parsed_definition(session, target_id))
    inst.definition_id = target_id
    incident = rt.step() if inst.status == "running" else None
    _refresh_open_tasks(session, inst, rt)
    commands.save(session, inst, rt, actor.username, "migrate",
                  {"reason": reason, "from_version": from_version, "to_version": to_version}, incident)


def _refresh_open_tasks(session: Session, inst: ProcessInstance, rt) -> None:
    """Open task rows keep their id, assignee and draft, and take the target's name, lane, role and form."""
    views = {v.id: v for v in rt.ready_user_tasks()}
    for row in session.scalars(select(Task).where(Task.instance_id == inst.id, Task.status.in_(("open", "suspended")))):
        view = views.get(row.id)
        if view is None:
            continue
        row.element_id, row.name, row.lane = view.element_id, view.name, view.lane
        row.candidate_role = people.role_code_for_lane(session, view.lane)
        row.form_key = view.properties.get("formKey")
