"""Commands on one user task: complete, claim, unclaim, assign, save a draft."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import db
from app.engine import clock
from app.engine.errors import TaskNotOpen
from app.models import ProcessInstance, Task, User
from app.services.runtime import commands
from app.services.runtime import messages
from app.services.admin import settings
from app.services.runtime import timers
from app.services.people.access import require_task_access, visible_org_ids
from app.services.errors import Conflict, Forbidden, Invalid, NotFound
from app.services.runtime.forms import validate_submission
from app.services.runtime.instances import instance_summary
from app.services.people.accounts import user_by_username

ASSIGNER_ROLES = {"agency_head", "supervisor", "admin"}


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
    with db.transaction() as session:
        settings.refresh_calendar(session)
        inst = _lock_instance_of(session, task_id, expected_version)
        task = _task(session, task_id)  # read after the lock: nobody can complete it meanwhile
        require_task_access(session, actor, task)
        if not timers_checked and inst.next_timer_due is not None and inst.next_timer_due <= clock.now():
            raise _TimerDue(inst.id)
        _require_open(task, inst)
        if task.assignee_id is not None and task.assignee_id != actor.id and "admin" not in actor.role_codes:
            raise Conflict("此任务已由他人签收 / claimed by someone else", code="claimed_by_other")
        form = _form(session, inst.definition_id, task.form_key)
        if isinstance(data, dict) and task.draft:
            data = {**task.draft, **data}  # what was saved as a draft counts unless the submission overrides it
        values = validate_submission(form, data) if form is not None else _plain(data)
        rt = commands.restore(session, inst)
        try:
            rt.complete(task_id, values)
        except TaskNotOpen:
            raise Conflict("任务已办理或已不在待办状态 / task is no longer open", code="task_not_open") from None
        task.data, task.draft, task.completed_by = values, None, actor.username
        incident = rt.step()
        saved = commands.save(session, inst, rt, actor.username, "complete",
                              {"task": task.element_id, "data": values}, incident, completed_task_id=task_id)
        summary = instance_summary(session, inst, saved.open_tasks)
    messages.deliver_outbox(saved.outbox)
    return summary


def claim(task_id: str, actor: User) -> Task:
    with db.transaction() as session:
        task = _task(session, task_id, lock=True)
        _require_open(task)
        require_task_access(session, actor, task)
        if task.assignee_id not in (None, actor.id):
            raise Conflict("此任务已由他人签收 / claimed by someone else", code="claimed_by_other")
        task.assignee_id = actor.id
        commands.audit(session, actor.username, "claim", task.instance_id, task.id, {})
        return task


def unclaim(task_id: str, actor: User) -> Task:
    with db.transaction() as session:
        task = _task(session, task_id, lock=True)
        _require_open(task)
        if task.assignee_id != actor.id and not (actor.role_codes & ASSIGNER_ROLES):
            raise Forbidden("只能退回自己签收的任务 / you can only release your own task")
        task.assignee_id = None
        commands.audit(session, actor.username, "unclaim", task.instance_id, task.id, {})
        return task


def assign(task_id: str, actor: User, username: str) -> Task:
    """Agency heads and supervisors hand a task to a user who holds its role in its organisation."""
    with db.transaction() as session:
        if not actor.role_codes & ASSIGNER_ROLES:
            raise Forbidden("只有机关负责人或督办领导可以指派任务 / only agency heads and supervisors may assign")
        task = _task(session, task_id, lock=True)
        _require_open(task)
        if task.organisation_id not in visible_org_ids(session, actor, next(iter(actor.role_codes & ASSIGNER_ROLES))) \
                and "admin" not in actor.role_codes:
            raise Forbidden("此任务不在您的管辖范围内 / task outside your organisation")
        target = user_by_username(session, username)
        if task.candidate_role and task.organisation_id not in visible_org_ids(session, target, task.candidate_role):
            raise Conflict(f"{target.display_name} 不具备此任务所需的角色或不在办理机构 / user cannot take this task",
                           code="assignee_not_eligible")
        before = task.assignee_id
        task.assignee_id = target.id
        commands.audit(session, actor.username, "assign", task.instance_id, task.id, {"before": before, "after": target.id})
        return task


def save_draft(task_id: str, actor: User, data) -> Task:
    with db.transaction() as session:
        task = _task(session, task_id, lock=True)
        _require_open(task)
        require_task_access(session, actor, task)
        definition_id = session.scalar(select(ProcessInstance.definition_id).where(ProcessInstance.id == task.instance_id))
        form = _form(session, definition_id, task.form_key)
        task.draft = validate_submission(form, data, partial=True) if form is not None else _plain(data)
        return task


# ---- helpers ---------------------------------------------------------------------------------------------------------
def _lock_instance_of(session: Session, task_id: str, expected_version: int | None):
    """Lock the task's instance first (one query), so the task row read next is current."""
    try:
        return commands.lock_instance(session, select(Task.instance_id).where(Task.id == str(task_id)).scalar_subquery(),
                                      expected_version)
    except NotFound:
        raise NotFound("任务不存在 / no such task") from None


def _task(session: Session, task_id: str, lock: bool = False) -> Task:
    query = select(Task).where(Task.id == str(task_id))
    if lock and db.is_postgres(session):
        query = query.with_for_update()
    task = session.scalar(query)
    if task is None:
        raise NotFound("任务不存在 / no such task")
    return task


def _require_open(task: Task, inst=None) -> None:
    if task.status == "suspended":
        raise Conflict("案件已挂起，暂不能办理 / the case is suspended", code="instance_not_running")
    if task.status != "open":
        raise Conflict("任务已办理或已不在待办状态 / task is no longer open", code="task_not_open")
    if inst is not None and inst.status != "running":
        raise Conflict(f"案件当前不可办理（状态：{inst.status}） / instance is not running", code="instance_not_running")


def _form(session: Session, definition_id: int, form_key: str | None) -> dict | None:
    """The form deployed with the task's definition version (cached with the parsed spec)."""
    return commands.parsed_definition(session, definition_id).forms.get(form_key) if form_key else None


def _plain(data) -> dict:
    if not isinstance(data, dict):
        raise Invalid("提交的数据应为 JSON 对象 / data must be a JSON object")
    bad = [k for k in data if not isinstance(k, str) or k.startswith("_")]
    if bad:
        raise Invalid("字段名不能以下划线开头 / keys may not start with '_'", fields={k: "不允许的字段名" for k in bad})
    return data
