"""Commands on one user task: complete, claim, unclaim, assign, save a draft."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import db
from app.engine import clock
from app.engine.errors import TaskNotOpen
from app.i18n import N_
from app.models import ProcessInstance, Task, User
from app.services.errors import Conflict, ErrorCode, Invalid, NotFound
from app.vocabulary import InstanceStatus, RoleCode, TaskState
from app.services.people.access import visible_org_ids
from app.services.people.accounts import user_by_username
from app.services.runtime import commands, forms, permissions, timers
from app.services.runtime.forms import validate_submission
from app.services.runtime.instances import instance_summary, status_text
from app.services.runtime.unit_of_work import UnitOfWork, run


NO_TASK = N_("任务不存在")
CLAIMED = N_("此任务已由他人签收")
NOT_OPEN = N_("任务已办理或已不在待办状态")


class _TimerDue(Exception):
    """Raised inside the transaction (which then rolls back, untouched) when the case has a timer already due."""

    def __init__(self, instance_id: int):
        super().__init__(instance_id)
        self.instance_id = instance_id


def complete(task_id: str, actor: User, data, expected_version: int | None = None) -> dict:
    """Submit a task's form. A script failing afterwards keeps the submission and puts the case in error.
    A timer already due on the case fires first, so a late submission cannot overtake what the deadline decided."""
    try:
        return _complete(task_id, actor, data, expected_version, timers_checked=False)
    except _TimerDue as due:
        timers.tick_if_due(due.instance_id)
        return _complete(task_id, actor, data, expected_version, timers_checked=True)


def _complete(task_id: str, actor: User, data, expected_version: int | None, timers_checked: bool) -> dict:
    def act(uow: UnitOfWork) -> dict:
        session, inst = uow.session, uow.instance
        task = _task(session, task_id)  # read after the lock: nobody can complete it meanwhile
        permissions.require_task_access(session, actor, task)
        if not timers_checked and inst.next_timer_due is not None and inst.next_timer_due <= clock.now():
            raise _TimerDue(inst.id)
        _require_open(task, inst)
        if task.assignee_id is not None and task.assignee_id != actor.id and RoleCode.ADMIN not in actor.role_codes:
            raise Conflict(CLAIMED, code=ErrorCode.CLAIMED_BY_OTHER)
        form = _form(session, inst.definition_id, task.form_key)
        submitted = {**task.draft, **data} if isinstance(data, dict) and task.draft else data
        # what was saved as a draft counts unless the submission overrides it
        values = validate_submission(form, submitted) if form is not None else _plain(submitted)
        rt = uow.restore()
        try:
            rt.complete(task_id, values)
        except TaskNotOpen:
            raise Conflict(NOT_OPEN, code=ErrorCode.TASK_NOT_OPEN) from None
        task.data, task.draft, task.completed_by = values, None, actor.username
        incident = rt.step()
        saved = uow.save(rt, actor.username, "complete", {"task": task.element_id, "data": values}, incident,
                         completed_task_id=task_id)
        return instance_summary(session, inst, saved.open_tasks)
    return run(act, instance=_instance_of(task_id), expected_version=expected_version, not_found=NO_TASK, calendar=True)


def claim(task_id: str, actor: User) -> Task:
    def act(uow: UnitOfWork) -> Task:
        task = _task(uow.session, task_id, lock=True)
        _require_open(task)
        permissions.require_task_access(uow.session, actor, task)
        if task.assignee_id not in (None, actor.id):
            raise Conflict(CLAIMED, code=ErrorCode.CLAIMED_BY_OTHER)
        task.assignee_id = actor.id
        uow.audit(actor.username, "claim", task.instance_id, task.id)
        return task
    return run(act)


def unclaim(task_id: str, actor: User) -> Task:
    def act(uow: UnitOfWork) -> Task:
        task = _task(uow.session, task_id, lock=True)
        _require_open(task)
        permissions.require_can_release(actor, task)
        task.assignee_id = None
        uow.audit(actor.username, "unclaim", task.instance_id, task.id)
        return task
    return run(act)


def assign(task_id: str, actor: User, username: str) -> Task:
    """Agency heads and supervisors hand a task to a user who holds its role in its organisation."""
    def act(uow: UnitOfWork) -> Task:
        session = uow.session
        task = _task(session, task_id, lock=True)
        _require_open(task)
        permissions.require_assign_scope(session, actor, task)
        target = user_by_username(session, username)
        if task.candidate_role and task.organisation_id not in visible_org_ids(session, target, task.candidate_role):
            raise Conflict(N_("{user} 不具备此任务所需的角色或不在办理机构"), code=ErrorCode.ASSIGNEE_NOT_ELIGIBLE,
                           user=target.display_name)
        before = task.assignee_id
        task.assignee_id = target.id
        uow.audit(actor.username, "assign", task.instance_id, task.id, {"before": before, "after": target.id})
        return task
    return run(act, check=lambda _session: permissions.require_assigner(actor))


def save_draft(task_id: str, actor: User, data) -> Task:
    def act(uow: UnitOfWork) -> Task:
        session = uow.session
        task = _task(session, task_id, lock=True)
        _require_open(task)
        permissions.require_task_access(session, actor, task)
        definition_id = session.scalar(select(ProcessInstance.definition_id).where(ProcessInstance.id == task.instance_id))
        form = _form(session, definition_id, task.form_key)
        task.draft = validate_submission(form, data, partial=True) if form is not None else _plain(data)
        return task
    return run(act)


# ---- helpers ---------------------------------------------------------------------------------------------------------
def _instance_of(task_id: str):
    """The task's instance as a subquery: locked first (one query), so the task row read next is current."""
    return select(Task.instance_id).where(Task.id == str(task_id)).scalar_subquery()


def _task(session: Session, task_id: str, lock: bool = False) -> Task:
    query = select(Task).where(Task.id == str(task_id))
    if lock and db.is_postgres(session):
        query = query.with_for_update()
    task = session.scalar(query)
    if task is None:
        raise NotFound(NO_TASK)
    return task


def _require_open(task: Task, inst=None) -> None:
    if task.status == TaskState.SUSPENDED:
        raise Conflict(N_("案件已挂起，暂不能办理"), code=ErrorCode.INSTANCE_NOT_RUNNING)
    if task.status != TaskState.OPEN:
        raise Conflict(NOT_OPEN, code=ErrorCode.TASK_NOT_OPEN)
    if inst is not None and inst.status != InstanceStatus.RUNNING:
        raise Conflict(N_("案件当前不可办理（状态：{status}）"), code=ErrorCode.INSTANCE_NOT_RUNNING,
                       status=status_text(inst.status))


def _form(session: Session, definition_id: int, form_key: str | None) -> dict | None:
    """The form deployed with the task's definition version (cached with the parsed spec)."""
    return commands.parsed_definition(session, definition_id).forms.get(form_key) if form_key else None


def _plain(data) -> dict:
    if not isinstance(data, dict):
        raise Invalid(forms.NOT_AN_OBJECT)
    bad = [k for k in data if not isinstance(k, str) or k.startswith("_")]
    if bad:
        raise Invalid(forms.UNDERSCORE_KEYS, fields={k: forms.KEY_NOT_ALLOWED for k in bad})
    return data
