"""Starting cases and the commands on a whole instance: suspend, resume, cancel, retry, edit variables."""
from __future__ import annotations

import re
from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.engine import clock
from app.engine.errors import TaskNotOpen
from app.engine.flow_lint import PLATFORM_VARIABLES
from app.engine.runtime import Runtime
from app.i18n import N_, Text
from app.models import ProcessDefinition, ProcessInstance, Task, User
from app.services.admin import settings
from app.services.design import deployments
from app.services.runtime import commands, permissions
from app.services.runtime.unit_of_work import UnitOfWork, run
from app.services.errors import BadRequest, Conflict, ErrorCode, Invalid, NotFound
from app.services.runtime.forms import REQUIRED_MSG, validate_submission
from app.services.people.accounts import org_by_code
from app.vocabulary import OPEN_STATUSES, InstanceStatus, TaskState, status_label

RESERVED = PLATFORM_VARIABLES  # set by the platform at start, never by a form
DUPLICATE_KEY = N_("案号 {key} 已存在，不能重复立案")


def start(process_key: str, actor: User, variables=None, business_key: str | None = None,
          organisation_code: str | None = None) -> dict:
    """Start a case with the start form's fields, if `actor` may start this process. Returns the instance summary
    and its open tasks."""
    def act(uow: UnitOfWork) -> dict:
        session = uow.session
        definition = deployments.latest_definition(session, process_key)
        parsed = commands.parsed_definition(session, definition.id)
        permissions.require_can_start(session, actor, parsed)
        if variables is not None and not isinstance(variables, dict):
            raise BadRequest(N_("variables 必须是 JSON 对象"))
        form = definition.forms.get(parsed.start_form_key) if parsed.start_form_key else None
        values = _check_variables(variables or {}, form)
        org_code = organisation_code or actor.organisation.code
        inst = new_instance(session, definition, business_key, actor, org_code)
        data = {**values, "business_key": inst.business_key, "handling_organisation": org_code,
                "started_by": actor.username, "limits": settings.limits_for(session, process_key)}
        rt = Runtime.create(parsed, data)
        incident = rt.step()
        saved = uow.save(rt, actor.username, "start",
                         {"process_key": process_key, "version": definition.version, "variables": values},
                         incident, inst=inst)
        return instance_summary(session, inst, saved.open_tasks)
    return run(act, calendar=True)


def suspend(instance_id: int, actor: User, reason: str, expected_version: int | None = None, check=None) -> dict:
    def act(uow: UnitOfWork) -> dict:
        inst = _require_status(uow, {InstanceStatus.RUNNING, InstanceStatus.ERROR}, N_("案件当前状态为“{status}”，不能挂起"))
        rt = uow.restore()
        inst.status = InstanceStatus.SUSPENDED
        uow.save(rt, actor.username, "suspend", {"reason": require_reason(reason)})
        return instance_summary(uow.session, inst)
    return run(act, check=check, instance=instance_id, expected_version=expected_version)


def resume(instance_id: int, actor: User, reason: str, expected_version: int | None = None, check=None) -> dict:
    def act(uow: UnitOfWork) -> dict:
        inst = _require_status(uow, {InstanceStatus.SUSPENDED}, N_("案件当前状态为“{status}”，不能恢复"))
        rt = uow.restore()
        inst.status = InstanceStatus.ERROR if inst.error_message else InstanceStatus.RUNNING
        incident = rt.step() if inst.status == InstanceStatus.RUNNING else None
        saved = uow.save(rt, actor.username, "resume", {"reason": require_reason(reason)}, incident)
        return instance_summary(uow.session, inst, saved.open_tasks)
    return run(act, check=check, instance=instance_id, expected_version=expected_version)


def cancel(instance_id: int, actor: User, reason: str, expected_version: int | None = None, check=None) -> dict:
    def act(uow: UnitOfWork) -> dict:
        inst = _require_status(uow, OPEN_STATUSES, N_("案件当前状态为“{status}”，不能撤销"))
        rt = uow.restore()
        rt.cancel()
        inst.status, inst.ended_at = InstanceStatus.CANCELLED, clock.now()
        uow.save(rt, actor.username, "cancel", {"reason": require_reason(reason)})
        return instance_summary(uow.session, inst)
    return run(act, check=check, instance=instance_id, expected_version=expected_version)


def retry(instance_id: int, actor: User, reason: str = "", expected_version: int | None = None, check=None) -> dict:
    """Re-run the failed task(s) of an instance in error, after its data or definition was fixed."""
    def act(uow: UnitOfWork) -> dict:
        inst = _require_status(uow, {InstanceStatus.ERROR}, N_("案件当前状态为“{status}”，不能重试"))
        rt = uow.restore()
        retried = rt.retry()
        previous = {"element": inst.error_element, "message": inst.error_message}
        inst.status = InstanceStatus.RUNNING
        _clear_error(inst)
        incident = rt.step()
        saved = uow.save(rt, actor.username, "retry",
                         {"reason": reason, "retried_tasks": retried, "previous_error": previous}, incident)
        return instance_summary(uow.session, inst, saved.open_tasks)
    return run(act, check=check, instance=instance_id, expected_version=expected_version, calendar=True)


def set_variables(instance_id: int, actor: User, changes, reason: str, expected_version: int | None = None,
                  check=None) -> dict:
    def checked(session: Session) -> None:  # the changes are checked after the permission, before the lock
        if check is not None:
            check(session)
        if not isinstance(changes, dict) or not changes:
            raise BadRequest(N_("请提供要修改的变量（JSON 对象）"))
        bad = [k for k in changes if not isinstance(k, str) or k.startswith("_") or not re.fullmatch(r"[A-Za-z]\w*", k)]
        if bad:
            raise Invalid(N_("变量名不合法"), fields={k: N_("变量名须为字母开头的英文标识符") for k in bad})

    def act(uow: UnitOfWork) -> dict:
        inst = _require_status(uow, OPEN_STATUSES,
                               N_("案件当前状态为“{status}”，不能修改变量"))
        rt = uow.restore()
        before = {k: rt.current_data().get(k) for k in changes}
        rt.set_variables(changes)
        uow.save(rt, actor.username, "set_variables",
                 {"reason": require_reason(reason), "before": before, "after": changes})
        return instance_summary(uow.session, inst)
    return run(act, check=checked, instance=instance_id, expected_version=expected_version)


def reset(instance_id: int, actor: User, element_id: str, reason: str, expected_version: int | None = None,
          check=None) -> dict:
    """Move the token back to an earlier user task (a wrong decision, a lost document): that task opens again with
    its previous submission as the draft, and everything done after it is withdrawn (kept in the audit trail)."""
    def checked(session: Session) -> None:
        if check is not None:
            check(session)
        require_reason(reason)

    def act(uow: UnitOfWork) -> dict:
        session = uow.session
        inst = _require_status(uow, {InstanceStatus.RUNNING, InstanceStatus.ERROR}, N_("案件当前状态为“{status}”，不能回退"))
        rt = uow.restore()
        try:
            task_id = rt.reset_to(element_id)
        except TaskNotOpen:
            raise Invalid(N_("环节 {element} 尚未办理过，不能回退到此"), fields={"element_id": N_("只能回退到已办理的环节")},
                          element=element_id) from None
        row = session.get(Task, task_id)
        if row is not None:  # the same task opens again: reopen its row, the old submission becomes the draft
            row.status, row.draft, row.completed_at, row.completed_by = TaskState.OPEN, row.data, None, None
            session.flush()
        previous = {"element": inst.error_element, "message": inst.error_message} if inst.error_message else None
        if not rt.failed_task_ids():  # the failure was after the reset point: it is gone with the rest
            inst.status = InstanceStatus.RUNNING
            _clear_error(inst)
        incident = rt.step() if inst.status == InstanceStatus.RUNNING else None
        saved = uow.save(rt, actor.username, "reset", {"reason": require_reason(reason), "element": element_id,
                                                       "task": task_id, "previous_error": previous}, incident)
        return instance_summary(session, inst, saved.open_tasks)
    return run(act, check=checked, instance=instance_id, expected_version=expected_version, calendar=True)


def get(session: Session, instance_id: int) -> ProcessInstance:
    inst = session.get(ProcessInstance, instance_id)
    if inst is None:
        raise NotFound(commands.NO_INSTANCE, id=instance_id)
    return inst


def instance_summary(session: Session, inst: ProcessInstance, open_tasks: list[Task] | None = None) -> dict:
    """The instance and its open tasks (pass the rows a save just returned to skip the query)."""
    if open_tasks is None:
        open_tasks = session.scalars(select(Task).where(Task.instance_id == inst.id, Task.status == TaskState.OPEN)
                                     .order_by(Task.created_at)).all()
    version = commands.parsed_definition(session, inst.definition_id).version
    return {
        "id": inst.id, "process_key": inst.process_key, "version": version, "business_key": inst.business_key,
        "status": inst.status, "row_version": inst.version,
        "error": {"element_id": inst.error_element, "line": inst.error_line, "message": inst.error_message}
        if inst.error_message else None,
        "open_tasks": [{"id": t.id, "element_id": t.element_id, "name": t.name, "candidate_role": t.candidate_role,
                        "organisation_id": t.organisation_id, "due_at": t.due_at.isoformat() if t.due_at else None}
                       for t in open_tasks],
    }


# ---- helpers ---------------------------------------------------------------------------------------------------------
def _check_variables(variables: dict, form: dict | None) -> dict:
    bad = [k for k in variables if not isinstance(k, str) or k.startswith("_") or k in RESERVED]
    if bad:
        raise Invalid(N_("这些字段名不允许使用"), fields={k: N_("保留字段或以下划线开头") for k in bad})
    return validate_submission(form, variables) if form is not None else dict(variables)


def new_instance(session: Session, definition: ProcessDefinition, business_key: str | None, actor: User | None,
                  org_code: str, started_by: str | None = None) -> ProcessInstance:
    if business_key is not None and (not isinstance(business_key, str) or not business_key.strip() or len(business_key) > 100):
        raise Invalid(N_("案号不能为空且不超过 100 个字符"), fields={"business_key": N_("案号格式不正确")})
    org = org_by_code(session, org_code)
    key = business_key.strip() if business_key else _next_business_key(session, definition)
    exists = session.scalar(select(ProcessInstance.id).where(ProcessInstance.process_key == definition.key,
                                                             ProcessInstance.business_key == key))
    if exists:
        raise Conflict(DUPLICATE_KEY, code=ErrorCode.DUPLICATE_BUSINESS_KEY, key=key)
    now = clock.now()
    inst = ProcessInstance(definition_id=definition.id, process_key=definition.key, business_key=key,
                           status=InstanceStatus.RUNNING,
                           organisation_id=org.id, started_by=started_by or actor.username, started_at=now,
                           updated_at=now, state="", version=1, awaited_messages=[], search_values={})
    session.add(inst)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(DUPLICATE_KEY, code=ErrorCode.DUPLICATE_BUSINESS_KEY, key=key) from None
    return inst


def _next_business_key(session: Session, definition: ProcessDefinition) -> str:
    """The next 案号 of the year, under the prefix the process declares (specs.BUSINESS_KEY_PREFIX)."""
    year = clock.today().year
    prefix = f"{commands.parsed_definition(session, definition.id).business_key_prefix}〔{year}〕"
    count = session.scalar(select(func.count()).select_from(ProcessInstance).where(
        ProcessInstance.process_key == definition.key, ProcessInstance.business_key.like(prefix + "%")))
    return f"{prefix}{count + 1:05d}号"


def _require_status(uow: UnitOfWork, allowed: Collection[str], refusal: str) -> ProcessInstance:
    """The locked instance if its status allows the command; `refusal` names the status as {status}."""
    inst = uow.instance
    if inst.status not in allowed:
        raise Conflict(refusal, code=ErrorCode.WRONG_STATUS, status=status_text(inst.status))
    return inst


def _clear_error(inst: ProcessInstance) -> None:
    inst.error_element = inst.error_line = inst.error_message = inst.error_task_id = inst.error_at = None
    inst.error_data = None


def status_text(status: str) -> Text:
    """An instance status as a message parameter: its label, rendered in the reader's language."""
    return Text(status_label(status))


def require_reason(reason) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise Invalid(N_("请填写操作原因"), fields={"reason": REQUIRED_MSG})
    return reason.strip()
