"""Reading tasks and cases for people: the inbox, a task's detail, a case's history. Only the rows a user may see by
role × organisation (or assignment) are ever selected, so nothing leaks into lists or counts. The inbox is an indexed
query over the task projection; it never restores a workflow."""
from __future__ import annotations

from sqlalchemy import and_, func, or_, select, union
from sqlalchemy.orm import Session

from app.engine import clock
from app.i18n import N_
from app.models import (Attachment, AuditEvent, Comment, InstanceVariable, ProcessDefinition,
                        ProcessInstance, Task, User)
from app.services.people import access
from app.services.runtime import commands
from app.services.people import accounts as people
from app.services.errors import BadRequest, NotFound
from app.services.runtime.forms import input_components
from app.services.runtime.labels import resolve_texts, value_labels
from app.vocabulary import SUPERVISORS, RoleCode, TaskState

SCOPES = {"mine", "candidate", "all"}
NO_CASE = N_("案件不存在或您无权查看")
LISTED_STATES = (TaskState.OPEN, TaskState.COMPLETED)  # the inbox lists open tasks or the ones done
_ORDER_ON = {  # the same orders on any selectable with these columns (the task table or the union of heads)
    "due_at": lambda t: (t.c.due_at.asc().nulls_last(), t.c.priority.desc(), t.c.created_at.asc(), t.c.id),
    "-due_at": lambda t: (t.c.due_at.desc().nulls_last(), t.c.created_at.desc(), t.c.id),
    "created_at": lambda t: (t.c.created_at.asc(), t.c.id),
    "-created_at": lambda t: (t.c.created_at.desc(), t.c.id),
    "priority": lambda t: (t.c.priority.desc(), t.c.due_at.asc().nulls_last(), t.c.id),
    "-completed_at": lambda t: (t.c.completed_at.desc(), t.c.id),
}
SORTS = {name: order(Task.__table__) for name, order in _ORDER_ON.items()}


def visibility_branches(session: Session, user: User) -> list:
    """SQL conditions, one per way a user may see a task: assigned to them (first), then one per role — its
    candidate role in a visible organisation. The role branches never overlap (one candidate role each; an
    administrator's single branch is its whole subtree), which lets `list_tasks` count them separately."""
    branches = [Task.assignee_id == user.id]
    if RoleCode.ADMIN in user.role_codes:
        return branches + [Task.organisation_id.in_(access.visible_org_ids(session, user, RoleCode.ADMIN))]
    for role in sorted(user.role_codes):
        orgs = access.visible_org_ids(session, user, role)
        if orgs:
            branches.append(and_(Task.candidate_role == role, Task.organisation_id.in_(orgs)))
    return branches


def visibility(session: Session, user: User):
    """The branches as one condition, for single-row checks."""
    return or_(*visibility_branches(session, user))


def list_tasks(session: Session, user: User, scope: str = "candidate", status: str = TaskState.OPEN,
               process_key: str | None = None, overdue: bool | None = None, q: str | None = None,
               sort: str = "due_at", page: int = 1, per_page: int = 20) -> dict:
    """One page of the inbox. Each visibility branch is its own index-ordered, limited query; the union of their
    heads is sorted once. A single OR across branches would make the database sort every visible row instead."""
    if scope not in SCOPES:
        raise BadRequest(N_("scope 只能是 {scopes}"), scopes="、".join(sorted(SCOPES)))
    if status not in LISTED_STATES:
        raise BadRequest(N_("status 只能是 open 或 completed"))
    if sort not in SORTS:
        raise BadRequest(N_("不支持的排序：{sort}"), sort=sort)
    if page < 1 or not 1 <= per_page <= 200:
        raise BadRequest(N_("页码从 1 开始，每页 1–200 条"))
    filters = [Task.status == status]
    if status == TaskState.COMPLETED and scope == "mine":
        branches = [Task.completed_by == user.username]
    elif scope == "mine":
        branches = [Task.assignee_id == user.id]
    else:
        branches = visibility_branches(session, user)
        if scope == "candidate" and status == TaskState.OPEN:
            branches = [branches[0]] + [and_(b, or_(Task.assignee_id.is_(None), Task.assignee_id == user.id))
                                        for b in branches[1:]]
    if process_key:
        filters.append(Task.process_key == process_key)
    if overdue is not None:
        now = clock.now()
        filters.append(Task.due_at < now if overdue else or_(Task.due_at.is_(None), Task.due_at >= now))
    if q:
        pattern = f"%{q.strip()}%"
        filters.append(Task.instance_id.in_(
            select(ProcessInstance.id).where(ProcessInstance.business_key.like(pattern)).union(
                select(InstanceVariable.instance_id).where(InstanceVariable.name.in_(commands.party_name_variables(session)),
                                                           InstanceVariable.value.like(pattern)))))
    head = page * per_page
    columns = (Task.id, Task.due_at, Task.priority, Task.created_at, Task.completed_at)
    branch_heads = [select(*columns).where(branch, *filters).order_by(*SORTS[sort]).limit(head).subquery()
                    for branch in branches]
    heads = union(*[select(*sub.c) for sub in branch_heads]).subquery()
    page_ids = select(heads.c.id).order_by(*_sort_on(heads, sort)).limit(per_page).offset((page - 1) * per_page)
    ids = list(session.scalars(page_ids))
    total = _count(session, branches, filters)
    rows = session.execute(select(Task, ProcessInstance.business_key, ProcessInstance.status)
                           .join(ProcessInstance, ProcessInstance.id == Task.instance_id).where(Task.id.in_(ids))).all()
    by_id = {t.id: (t, bk, inst_status) for t, bk, inst_status in rows}
    users = _usernames(session, {t.assignee_id for t, _bk, _st in by_id.values() if t.assignee_id})
    orgs = people.org_names(session, {t.organisation_id for t, _bk, _st in by_id.values()})
    items = [task_item(t, bk, t.process_key, users, orgs, inst_status)
             for t, bk, inst_status in (by_id[i] for i in ids)]
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def _count(session: Session, branches: list, filters: list) -> int:
    """Per-branch counts (each an index-only scan) plus the rows of the first branch the others miss: far cheaper
    than de-duplicating a union of every visible id."""
    first, rest = branches[0], branches[1:]
    total = sum(session.scalar(select(func.count()).select_from(Task).where(b, *filters)) for b in rest)
    outside = and_(first, *[~b for b in rest]) if rest else first
    return total + session.scalar(select(func.count()).select_from(Task).where(outside, *filters))


def _sort_on(sub, sort: str) -> tuple:
    """The SORTS order, re-expressed on the columns of the union subquery."""
    return tuple(_ORDER_ON[sort](sub))


def task_item(task: Task, business_key: str, process_key: str, users: dict, orgs: dict, instance_status: str) -> dict:
    return {
        "id": task.id, "name": task.name, "element_id": task.element_id, "process_key": process_key,
        "instance_id": task.instance_id, "business_key": business_key, "instance_status": instance_status,
        "assignee": users.get(task.assignee_id, {}).get("username"),
        "assignee_name": users.get(task.assignee_id, {}).get("name"), "candidate_role": task.candidate_role,
        "organisation": orgs.get(task.organisation_id), "due_at": task.due_at, "priority": task.priority,
        "created_at": task.created_at, "status": task.status, "completed_at": task.completed_at,
        "completed_by": task.completed_by, "form_key": task.form_key,
        "overdue": bool(task.status == TaskState.OPEN and task.due_at and task.due_at < clock.now()),
    }


def visible_task(session: Session, user: User, task_id: str) -> tuple[Task, ProcessInstance]:
    """The task if `user` may see it; otherwise NotFound — never a hint that it exists."""
    row = session.execute(select(Task, ProcessInstance).join(ProcessInstance, ProcessInstance.id == Task.instance_id)
                          .where(Task.id == str(task_id), or_(visibility(session, user), Task.completed_by == user.username))).first()
    if row is None:
        raise NotFound(N_("任务不存在或您无权查看"))
    return row[0], row[1]


def task_detail(session: Session, user: User, task_id: str) -> dict:
    task, inst = visible_task(session, user, task_id)
    definition = session.get(ProcessDefinition, inst.definition_id)
    item = task_item(task, inst.business_key, inst.process_key, _usernames(session, {task.assignee_id}),
                     people.org_names(session, {task.organisation_id}), inst.status)
    form = (definition.forms or {}).get(task.form_key) if task.form_key else None
    if task.status == TaskState.OPEN:
        data = commands.restore(session, inst).task_data(task.id)
    else:
        data = dict(task.data or {})
    data = {k: v for k, v in data.items() if k != "limits"}
    form = resolve_texts(form, value_labels(session, inst.definition_id), data)
    keys = {c["key"] for c in input_components(form)} if form else set()
    values = {k: v for k, v in data.items() if k in keys}
    values.update(task.draft or {})
    return {**item, "form": form, "data": values, "context": data, "has_draft": bool(task.draft),
            "process_name": definition.name, "process_version": definition.version}


def visible_instance(session: Session, user: User, instance_id: int) -> ProcessInstance:
    """An instance `user` may see: one of its tasks is visible to them, they started it, or they supervise its org."""
    inst = session.get(ProcessInstance, instance_id)
    if inst is None:
        raise NotFound(NO_CASE)
    if inst.started_by == user.username:
        return inst
    if user.role_codes & SUPERVISORS and any(
            inst.organisation_id in access.visible_org_ids(session, user, r) for r in user.role_codes & SUPERVISORS):
        return inst
    seen = session.scalar(select(Task.id).where(Task.instance_id == inst.id,
                                                or_(visibility(session, user), Task.completed_by == user.username)).limit(1))
    if seen is None:
        raise NotFound(NO_CASE)
    return inst


def history(session: Session, instance_id: int) -> dict:
    events = session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)).all()
    comments = session.scalars(select(Comment).where(Comment.instance_id == instance_id).order_by(Comment.id)).all()
    files = session.scalars(select(Attachment).where(Attachment.instance_id == instance_id).order_by(Attachment.id)).all()
    task_rows = session.scalars(select(Task).where(Task.instance_id == instance_id).order_by(Task.created_at)).all()
    return {
        "events": [{"at": e.at, "actor": e.actor, "action": e.action, "task_id": e.task_id, "detail": e.detail} for e in events],
        "tasks": [{"id": t.id, "name": t.name, "status": t.status, "created_at": t.created_at,
                   "completed_at": t.completed_at, "completed_by": t.completed_by} for t in task_rows],
        "comments": [{"id": c.id, "task_id": c.task_id, "author": c.author, "text": c.text, "created_at": c.created_at}
                     for c in comments],
        "attachments": [{"id": a.id, "task_id": a.task_id, "filename": a.filename, "content_type": a.content_type,
                         "size": a.size, "uploaded_by": a.uploaded_by, "uploaded_at": a.uploaded_at} for a in files],
    }


def _usernames(session: Session, ids: set) -> dict:
    """{user id: {"username", "name"}}: the API speaks usernames, the pages show display names."""
    ids = {i for i in ids if i}
    return {uid: {"username": username, "name": display or username} for uid, username, display in session.execute(
        select(User.id, User.username, User.display_name).where(User.id.in_(ids)))} if ids else {}
