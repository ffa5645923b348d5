"""The supervisor's console, read side: stuck cases by category, case search, one case in full, and per-element counts
on a definition's diagram. Every query is limited to the supervisor's organisation scope and reads stored columns
only (status, due dates, the earliest awaited timer, subscriptions); the case view is the one place a workflow is
restored."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, false, func, or_, select, text
from sqlalchemy.orm import Session

from app import db
from app.engine import clock
from app.i18n import N_, Text
from app.models import (AuditEvent, InstanceVariable, MessageSubscription, Organisation, ProcessDefinition,
                        ProcessInstance, Task, User)
from app.services.people import access
from app.services.runtime import commands
from app.services.runtime.labels import value_labels
from app.services.people import accounts as people
from app.services.errors import Invalid, NotFound
from app.services.inbox.history import case_history
from app.services.supervision import variables
from app.services.supervision.permissions import scoped_instance
from app.vocabulary import PENDING_TASK_STATES, InstanceStatus, TaskState

CATEGORIES = {  # code -> its label (a catalogue msgid)
    "error": N_("出错待处理"),
    "overdue_task": N_("任务逾期"),
    "past_limit": N_("超过法定期限未推进"),
    "stalled": N_("停滞（无待办、无定时器、无待收消息）"),
    "long_locked": N_("长时间锁定"),
    "suspended": N_("已挂起"),
}
TIMER_GRACE = timedelta(minutes=10)  # the worker fires due timers within seconds; later than this, nobody did
LOCK_LIMIT = timedelta(minutes=2)    # a command holds an instance row for milliseconds
COUNT_CAP = 1_000                     # totals above this read "1000+": counting a million rows serves nobody


def category_condition(session: Session, category: str, now: datetime | None = None):
    """The SQL condition on process_instance selecting one stuck category."""
    now = now or clock.now()
    pi = ProcessInstance
    if category == "error":
        return pi.status == InstanceStatus.ERROR
    if category == "suspended":
        return pi.status == InstanceStatus.SUSPENDED
    if category == "overdue_task":
        return pi.task_due < now
    if category == "past_limit":
        return or_(and_(pi.status == InstanceStatus.RUNNING, pi.limit_due < now - TIMER_GRACE),
                   and_(pi.status.in_((InstanceStatus.SUSPENDED, InstanceStatus.ERROR)), pi.limit_due < now))
    if category == "stalled":
        return and_(pi.status == InstanceStatus.RUNNING, pi.next_timer_due.is_(None), pi.open_tasks == 0,
                    ~exists().where(MessageSubscription.instance_id == pi.id))
    if category == "long_locked":
        return pi.id.in_(long_locked_ids(session, now)) if db.is_postgres(session) else false()
    raise Invalid(N_("未知的卡滞类别：{category}"), category=category,
                  fields={"category": Text(N_("可选：{choices}"), choices="、".join(CATEGORIES))})


def long_locked_ids(session: Session, now: datetime) -> list[int]:
    """Instances whose row a transaction has held longer than LOCK_LIMIT (PostgreSQL: commands name the instance they
    lock in application_name). SQLite has one writer at a time and no row locks, so nothing to find there."""
    rows = session.execute(text(
        "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE :tag AND xact_start < :since"),
        {"tag": commands.LOCK_TAG + "%", "since": clock.to_wall(now - LOCK_LIMIT)}).scalars()
    return [int(name[len(commands.LOCK_TAG):]) for name in rows if name[len(commands.LOCK_TAG):].isdigit()]


def custom_plans(session: Session) -> None:
    """On PostgreSQL, plan these queries with their actual values: psycopg prepares a statement after five runs and
    a generic plan cannot use an index for LIKE '王建%' (measured: 1.2 s instead of 25 ms; bench/RESULTS.md)."""
    if db.is_postgres(session):
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def overview(session: Session, user: User, process_key: str | None = None) -> dict:
    """Counts per stuck category, each split per process and per organisation."""
    scope = access.supervision_org_ids(session, user)
    custom_plans(session)
    now = clock.now()
    orgs = people.org_names(session, scope)
    result = []
    for code, name in CATEGORIES.items():
        condition = category_condition(session, code, now)
        query = (select(ProcessInstance.process_key, ProcessInstance.organisation_id, func.count())
                 .where(ProcessInstance.organisation_id.in_(scope), condition)
                 .group_by(ProcessInstance.process_key, ProcessInstance.organisation_id))
        if process_key:
            query = query.where(ProcessInstance.process_key == process_key)
        by_process: dict[str, int] = {}
        by_org: dict[int, int] = {}
        for key, org_id, count in session.execute(query):
            by_process[key] = by_process.get(key, 0) + count
            by_org[org_id] = by_org.get(org_id, 0) + count
        result.append({"category": code, "name": name, "total": sum(by_process.values()),
                       "by_process": [{"process_key": k, "count": v} for k, v in sorted(by_process.items())],
                       "by_organisation": [{"organisation": orgs.get(k), "count": v}
                                           for k, v in sorted(by_org.items(), key=lambda kv: -kv[1])]})
    return {"as_of": now, "categories": result, "lock_detection": db.is_postgres(session)}


def search(session: Session, user: User, status=None, process_key=None, version=None, organisation=None,
           business_key=None, started_from: date | None = None, started_to: date | None = None, name=None,
           variable=None, value=None, category=None, page: int = 1, per_page: int = 20) -> dict:
    """Cases in the user's scope matching every given filter, newest first. Each filter is an indexed condition."""
    query = filtered_query(session, user, status=status, process_key=process_key, version=version,
                           organisation=organisation, business_key=business_key, started_from=started_from,
                           started_to=started_to, name=name, variable=variable, value=value, category=category)
    capped = session.scalar(select(func.count()).select_from(query.with_only_columns(ProcessInstance.id)
                                                             .limit(COUNT_CAP + 1).subquery()))
    rows = session.scalars(query.order_by(ProcessInstance.started_at.desc(), ProcessInstance.id.desc())
                           .limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": listing(session, rows), "total": min(capped, COUNT_CAP), "total_capped": capped > COUNT_CAP,
            "page": page, "per_page": per_page}


def filtered_query(session: Session, user: User, status=None, process_key=None, version=None, organisation=None,
                   business_key=None, started_from=None, started_to=None, name=None, variable=None, value=None,
                   category=None):
    scope = access.supervision_org_ids(session, user)
    custom_plans(session)
    pi = ProcessInstance
    query = select(pi)
    if organisation:
        org = session.scalar(select(Organisation).where(Organisation.code == organisation))
        if org is None:
            raise Invalid(N_("机构代码不存在：{code}"), code=organisation, fields={"organisation": N_("机构不存在")})
        scope = scope & access.descendant_ids(session, org.id)
    query = query.where(pi.organisation_id.in_(scope))
    if status:
        query = query.where(pi.status == status)
    if process_key:
        query = query.where(pi.process_key == process_key)
    if version is not None:
        if not process_key:
            raise Invalid(N_("按版本筛选时请同时选择流程"), fields={"version": N_("请先选择流程")})
        query = query.where(pi.definition_id.in_(select(ProcessDefinition.id).where(
            ProcessDefinition.key == process_key, ProcessDefinition.version == version)))
    if business_key:
        query = query.where(pi.business_key.like(_prefix(business_key), escape="\\"))
    if started_from:
        query = query.where(pi.started_at >= clock.beijing_start(started_from))
    if started_to:
        query = query.where(pi.started_at < clock.beijing_start(started_to + timedelta(days=1)))
    if name:
        query = query.where(pi.id.in_(select(InstanceVariable.instance_id).where(
            InstanceVariable.name.in_(commands.party_name_variables(session)), InstanceVariable.value.like(_prefix(name), escape="\\"))))
    if variable:
        offered = searchable_variables(session)
        if variable not in offered:
            raise Invalid(N_("变量 {name} 不可检索"), name=variable,
                          fields={"variable": Text(N_("可检索：{names}"), names="、".join(offered))})
        if value in (None, ""):
            raise Invalid(N_("按变量筛选时请填写变量值"), fields={"value": N_("此项为必填项")})
        query = query.where(pi.id.in_(select(InstanceVariable.instance_id).where(
            InstanceVariable.name == variable, InstanceVariable.value == value)))
    if category:
        query = query.where(category_condition(session, category))
    return query


def listing(session: Session, rows: list[ProcessInstance], tasks: dict[int, list[Task]] | None = None) -> list[dict]:
    """One line per case for tables: what it is, where it stands, and why it may be stuck. `tasks`: the cases' open
    and suspended task rows, when the caller has them already."""
    ids = [r.id for r in rows]
    if not ids:
        return []
    now = clock.now()
    if tasks is None:
        tasks = {}
        for t in session.scalars(select(Task).where(Task.instance_id.in_(ids), Task.status.in_(PENDING_TASK_STATES))
                                 .order_by(Task.created_at)):
            tasks.setdefault(t.instance_id, []).append(t)
    versions = dict(session.execute(select(ProcessDefinition.id, ProcessDefinition.version).where(
        ProcessDefinition.id.in_({r.definition_id for r in rows}))).all())
    orgs = people.org_names(session, {r.organisation_id for r in rows})
    return [{
        "id": r.id, "business_key": r.business_key, "process_key": r.process_key, "version": versions.get(r.definition_id),
        "status": r.status, "row_version": r.version, "organisation": orgs.get(r.organisation_id),
        "started_at": r.started_at, "started_by": r.started_by, "updated_at": r.updated_at, "ended_at": r.ended_at,
        "applicant": (r.search_values or {}).get("applicant_name") or (r.search_values or {}).get("enterprise_name"),
        "limit_due": r.limit_due, "error": {"element_id": r.error_element, "message": r.error_message}
        if r.error_message else None,
        "open_tasks": [{"id": t.id, "element_id": t.element_id, "name": t.name, "due_at": t.due_at,
                        "overdue": bool(t.due_at and t.due_at < now)} for t in tasks.get(r.id, [])],
    } for r in rows]


def case_view(session: Session, user: User, instance_id: int) -> dict:
    """Everything a supervisor needs to judge and repair one case."""
    inst = scoped_instance(session, user, instance_id)
    definition = session.get(ProcessDefinition, inst.definition_id)
    rt = commands.restore(session, inst) if inst.state else None
    diagram = rt.diagram_state() if rt is not None else {"active": [], "completed": [], "error": [], "waits": []}
    if inst.status in (InstanceStatus.COMPLETED, InstanceStatus.CANCELLED):
        diagram["active"] = []
    labels = value_labels(session, inst.definition_id)
    diagram["waits"] = [{**w, "message": labels.message(w["message"])} for w in diagram["waits"]]
    task_rows = session.scalars(select(Task).where(Task.instance_id == inst.id).order_by(Task.created_at)).all()
    names = _user_names(session, {t.assignee_id for t in task_rows})
    events = session.scalars(select(AuditEvent).where(AuditEvent.instance_id == inst.id).order_by(AuditEvent.id)).all()
    now = clock.now()
    data = rt.current_data() if rt is not None else {}
    return {
        **listing(session, [inst], {inst.id: [t for t in task_rows if t.status in PENDING_TASK_STATES]})[0],
        "definition": {"id": definition.id, "key": definition.key, "version": definition.version, "name": definition.name},
        "bpmn_xml": definition.bpmn_xml,
        "diagram": diagram,
        "variables": data,
        "variable_fields": variables.variable_fields(definition.forms, data),
        "can_edit_raw": variables.may_edit_raw(user),
        "incident": {"element_id": inst.error_element, "line": inst.error_line, "message": inst.error_message,
                     "task_id": inst.error_task_id, "at": inst.error_at, "data": inst.error_data}
        if inst.error_message else None,
        "awaited_messages": inst.awaited_messages,
        "tasks": [{"id": t.id, "element_id": t.element_id, "name": t.name, "status": t.status,
                   "candidate_role": t.candidate_role, "assignee": names.get(t.assignee_id), "due_at": t.due_at,
                   "overdue": bool(t.status == TaskState.OPEN and t.due_at and t.due_at < now),
                   "created_at": t.created_at, "completed_at": t.completed_at, "completed_by": t.completed_by,
                   "eligible": access.eligible_holders(session, t) if t.status in PENDING_TASK_STATES else []}
                  for t in task_rows],
        "reset_targets": _reset_targets(task_rows),
        "audit": [{"id": e.id, "at": e.at, "actor": e.actor, "action": e.action, "task_id": e.task_id,
                   "detail": e.detail} for e in events],
    }


def case_page(session: Session, user: User, instance_id: int) -> dict:
    """The case view for the supervisor's page: the history as sentences, people by their display names."""
    case = case_view(session, user, instance_id)
    inst = session.get(ProcessInstance, instance_id)
    history = case_history(session, inst, {t["completed_by"] for t in case["tasks"]})
    names = history["names"]
    for row in case["tasks"] + case["reset_targets"]:
        row["completed_by_name"] = names.get(row["completed_by"], row["completed_by"])
    return {**case, "history": history["entries"]}


def element_counts(session: Session, user: User, definition_id: int) -> dict:
    """Per BPMN element of one definition: cases waiting there (open tasks) and incidents, within the user's scope."""
    scope = access.supervision_org_ids(session, user)
    definition = session.get(ProcessDefinition, definition_id)
    if definition is None:
        raise NotFound(N_("流程版本不存在（编号 {id}）"), id=definition_id)
    in_scope = and_(ProcessInstance.definition_id == definition_id, ProcessInstance.organisation_id.in_(scope))
    active = session.execute(select(Task.element_id, func.count(func.distinct(Task.instance_id)))
                             .join(ProcessInstance, ProcessInstance.id == Task.instance_id)
                             .where(in_scope, Task.status.in_(PENDING_TASK_STATES)).group_by(Task.element_id)).all()
    errors = session.execute(select(ProcessInstance.error_element, func.count())
                             .where(in_scope, ProcessInstance.status == InstanceStatus.ERROR).group_by(ProcessInstance.error_element)).all()
    statuses = dict(session.execute(select(ProcessInstance.status, func.count()).where(in_scope)
                                    .group_by(ProcessInstance.status)).all())
    return {"definition": {"id": definition.id, "key": definition.key, "version": definition.version,
                           "name": definition.name},
            "bpmn_xml": definition.bpmn_xml, "statuses": statuses,
            "active": {k: v for k, v in active}, "incidents": {k or "": v for k, v in errors}}


def definitions(session: Session) -> list[dict]:
    rows = session.execute(select(ProcessDefinition.id, ProcessDefinition.key, ProcessDefinition.version,
                                  ProcessDefinition.name).order_by(ProcessDefinition.key, ProcessDefinition.version.desc()))
    return [{"id": i, "key": k, "version": v, "name": n} for i, k, v, n in rows]


def searchable_variables(session: Session) -> dict[str, str]:
    """The variables the case search offers, with their labels: those the latest version of each process declares
    searchable (a variable several processes declare keeps the label of the first by key)."""
    offered: dict[str, str] = {}
    for parsed in commands.latest_definitions(session):
        for name, label in parsed.searchable.items():
            offered.setdefault(name, label)
    return offered


def scope_organisations(session: Session, user: User) -> list[dict]:
    scope = access.supervision_org_ids(session, user)
    rows = session.execute(select(Organisation.code, Organisation.name).where(Organisation.id.in_(scope))
                           .order_by(Organisation.id))
    return [{"code": c, "name": n} for c, n in rows]


# ---- helpers ---------------------------------------------------------------------------------------------------------
def _reset_targets(task_rows: list[Task]) -> list[dict]:
    """Completed user tasks the token can be moved back to (latest run of each element)."""
    seen, targets = set(), []
    for t in sorted((t for t in task_rows if t.status == TaskState.COMPLETED), key=lambda t: t.completed_at, reverse=True):
        if t.element_id not in seen:
            seen.add(t.element_id)
            targets.append({"element_id": t.element_id, "name": t.name, "completed_at": t.completed_at,
                            "completed_by": t.completed_by})
    return targets


def _prefix(text_value: str) -> str:
    escaped = text_value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _user_names(session: Session, ids: set) -> dict:
    names = people.display_names(session, ids=ids)
    return {i: names[i] for i in ids if i in names}
