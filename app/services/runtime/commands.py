"""The shape every state change takes (DESIGN.md "one command = one transaction"):
lock the instance row and check its version → restore → act → step → save state, projections, outbox and audit.

Nothing here commits; the calling service owns the transaction, so a failure anywhere rolls everything back.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from app.db import is_postgres
from app.engine import clock
from app.engine.errors import Incident
from app.engine.runtime import Runtime, due_instant
from app.engine.specs import SPECS, ParsedDefinition
from app.i18n import N_
from app.models import (AuditEvent, InstanceVariable, Message, MessageSubscription, Organisation, ProcessDefinition,
                        ProcessInstance, Task)
from app.services.people import accounts as people
from app.services.errors import Conflict, ErrorCode, NotFound
from app.vocabulary import OPEN_STATUSES, PENDING_TASK_STATES, InstanceStatus, MessageStatus, TaskState


LOCK_TAG = "jiefen:instance:"  # application_name prefix while a command holds an instance row (PostgreSQL)
NO_INSTANCE = N_("案件不存在（编号 {id}）")


@dataclass
class Saved:
    """What a command produced besides the saved row: messages to deliver after commit, the tasks open now (those
    just opened included), any incident."""
    outbox: list[int] = field(default_factory=list)
    open_tasks: list[Task] = field(default_factory=list)
    incident: Incident | None = None


def parsed_definition(session: Session, definition_id: int) -> ParsedDefinition:
    """The parsed spec with the definition's version and forms, read from the database once per process."""
    return SPECS.get(definition_id, lambda: session.execute(
        select(ProcessDefinition.bpmn_xml, ProcessDefinition.version, ProcessDefinition.forms)
        .where(ProcessDefinition.id == definition_id)).one())


def latest_definitions(session: Session) -> list[ParsedDefinition]:
    """The latest version of each process, parsed (cached): what the search forms offer is what these declare."""
    ids = session.execute(select(func.max(ProcessDefinition.id)).group_by(ProcessDefinition.key)
                          .order_by(ProcessDefinition.key)).scalars()
    return [parsed_definition(session, definition_id) for definition_id in ids]


def party_name_variables(session: Session) -> set[str]:
    """The variables that name a party (applicant, enterprise …) in any process: where a search by name looks."""
    return {name for parsed in latest_definitions(session) for name in parsed.party_names}


def lock_instance(session: Session, instance_id: int, expected_version: int | None = None,
                  not_found: str | None = None) -> ProcessInstance:
    """The instance row, locked for this transaction (PostgreSQL row lock; SQLite took the write lock at BEGIN).
    `not_found`: the message when there is none (when the id came from a task, say so)."""
    # populate_existing: a permission check may have read the row before it was locked; the locked copy wins.
    query = select(ProcessInstance).where(ProcessInstance.id == instance_id).execution_options(populate_existing=True)
    if is_postgres(session):
        # Name the locked instance in pg_stat_activity for this transaction: how supervisors find long-held locks.
        query = query.add_columns(func.set_config("application_name", f"{LOCK_TAG}{instance_id}", True)).with_for_update()
        inst = session.execute(query).scalar()
    else:
        inst = session.scalar(query)
    if inst is None:
        raise NotFound(not_found or NO_INSTANCE, id=instance_id)
    if expected_version is not None and inst.version != expected_version:
        raise Conflict(N_("案件已被他人更新（当前版本 {current}，您看到的是 {seen}），请刷新后重试"), code=ErrorCode.STALE_VERSION,
                       current=inst.version, seen=expected_version)
    return inst


def restore(session: Session, inst: ProcessInstance) -> Runtime:
    return Runtime.restore(parsed_definition(session, inst.definition_id), inst.state)


def save(session: Session, inst: ProcessInstance, rt: Runtime, actor: str, action: str, detail: dict,
         incident: Incident | None = None, completed_task_id: str | None = None) -> Saved:
    """Write back everything a command changed, in the caller's transaction (one flush at the end)."""
    with session.no_autoflush:
        return _save(session, inst, rt, actor, action, detail, incident, completed_task_id)


def _save(session, inst, rt, actor, action, detail, incident, completed_task_id) -> Saved:
    now = clock.now()
    saved = Saved()
    messages, event_incidents = rt.drain_events()
    incident = incident or (event_incidents[0] if event_incidents else None)
    data = rt.current_data()

    org_code = data.get("handling_organisation")
    if isinstance(org_code, str) and org_code:
        org_id = _org_id(session, org_code)
        if org_id is not None:
            inst.organisation_id = org_id

    saved.open_tasks, property_incident = _project_tasks(session, inst, rt, actor, now, completed_task_id)
    incident = incident or property_incident
    if incident is not None:
        saved.incident = incident
        inst.status = InstanceStatus.ERROR
        inst.error_element = incident.element_id
        inst.error_line = incident.line
        inst.error_message = incident.message
        inst.error_task_id = incident.task_id
        inst.error_at = now
        inst.error_data = incident.data or None
    elif inst.status == InstanceStatus.RUNNING and rt.completed:
        inst.status = InstanceStatus.COMPLETED
        inst.ended_at = now

    if inst.status != InstanceStatus.SUSPENDED:  # a suspended case keeps its rows (marked suspended) and so its due date
        inst.open_tasks = len(saved.open_tasks)
        inst.task_due = min((t.due_at for t in saved.open_tasks if t.due_at is not None), default=None)
    inst.state = rt.dump()
    inst.limit_due = rt.next_timer_due() if inst.status in OPEN_STATUSES else None
    inst.next_timer_due = inst.limit_due if inst.status == InstanceStatus.RUNNING else None
    inst.updated_at = now
    _sync_subscriptions(session, inst, rt.awaited_messages() if inst.status in OPEN_STATUSES else set())
    _sync_search_values(session, inst, data)

    for name, payload in messages:
        msg = Message(name=name, correlation={}, payload=_jsonable(payload), source_instance_id=inst.id, sent_by=actor,
                      status=MessageStatus.PENDING, delivered_to=[], created_at=now)
        session.add(msg)
        session.flush()
        saved.outbox.append(msg.id)
    audit(session, actor, action, inst.id, completed_task_id, {
        **detail, "status": inst.status, **({"incident": incident.message, "element": incident.element_id} if incident else {}),
    })
    session.flush()  # the version check happens here: a stale row raises StaleDataError
    return saved


def audit(session: Session, actor: str, action: str, instance_id: int | None, task_id: str | None, detail: dict) -> None:
    session.add(AuditEvent(at=clock.now(), actor=actor, action=action, instance_id=instance_id, task_id=task_id,
                           detail=_jsonable(detail)))


# ---- projections ---------------------------------------------------------------------------------------------------
def _project_tasks(session, inst, rt, actor, now, completed_task_id) -> tuple[list[Task], Incident | None]:
    """Close rows of tasks that left READY, open rows for new READY user tasks (a bad property is an incident);
    returns the rows open afterwards. A suspended case's open rows are marked `suspended`, so the inbox needs no
    join to hide them."""
    live = {t.id: t for t in session.scalars(select(Task).where(Task.instance_id == inst.id,
                                                                Task.status.in_(PENDING_TASK_STATES)))}
    if inst.status == InstanceStatus.SUSPENDED:
        for row in live.values():
            row.status = TaskState.SUSPENDED
        return [], None
    ready = {v.id: v for v in rt.ready_user_tasks()} if inst.status in (InstanceStatus.RUNNING, InstanceStatus.ERROR) else {}
    still_open = []
    for task_id, row in live.items():
        if task_id in ready:
            row.status = TaskState.OPEN
            still_open.append(row)
            continue
        state = rt.task_state(task_id)
        if state == "COMPLETED" or state == "ERROR" and task_id == completed_task_id:
            row.status, row.completed_at = TaskState.COMPLETED, now
            row.completed_by = row.completed_by or actor
        elif state != "READY":
            row.status, row.completed_at = TaskState.CANCELLED, now
    opened, incident = [], None
    for task_id, view in ready.items():
        if task_id not in live:
            try:
                opened.append(new_task_row(session, inst, rt, view, now))
            except Exception as err:  # a dueDate/organisation/priority expression that fails in the sandbox
                incident = Incident(message=N_("任务属性表达式出错：{error}").format(error=err),
                                    element_id=view.element_id, element_name=view.name, task_id=task_id)
    session.add_all(opened)
    return sorted(still_open, key=lambda t: t.created_at) + opened, incident


def new_task_row(session, inst, rt, view, now) -> Task:
    props = view.properties
    org_id = inst.organisation_id
    if props.get("organisation"):
        org_id = _org_id(session, rt.evaluate(props["organisation"], view.data)) or org_id
    due = due_instant(rt.evaluate(props["dueDate"], view.data)) if props.get("dueDate") else None
    priority = int(rt.evaluate(props["priority"], view.data)) if props.get("priority") else 0
    return Task(id=view.id, instance_id=inst.id, process_key=inst.process_key, element_id=view.element_id,
                name=view.name, lane=view.lane,
                candidate_role=role_for_lane(session, view.lane), organisation_id=org_id, status=TaskState.OPEN,
                due_at=due,
                priority=priority, form_key=props.get("formKey"), created_at=now)


def _sync_subscriptions(session, inst, names: set[str]) -> None:
    if set(inst.awaited_messages or []) == names:
        return
    session.execute(delete(MessageSubscription).where(MessageSubscription.instance_id == inst.id))
    if names:
        session.execute(insert(MessageSubscription), [{"instance_id": inst.id, "name": n} for n in sorted(names)])
    inst.awaited_messages = sorted(names)


def _sync_search_values(session, inst, data: dict) -> None:
    """Index the variables the instance's process declares searchable (specs.SEARCHABLE), and its 案号."""
    searchable = parsed_definition(session, inst.definition_id).searchable
    values = {k: _search_text(data[k]) for k in searchable if k in data and data[k] not in (None, "")}
    values["business_key"] = inst.business_key
    if values == (inst.search_values or {}):
        return
    session.execute(delete(InstanceVariable).where(InstanceVariable.instance_id == inst.id))
    session.execute(insert(InstanceVariable), [{"instance_id": inst.id, "name": k, "value": v} for k, v in values.items()])
    inst.search_values = values


def _search_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))[:500]


_ORG_IDS: dict[tuple, int] = {}  # per database: organisations and roles change rarely and never change id
_LANE_ROLES: dict[tuple, str | None] = {}


def _org_id(session, code) -> int | None:
    if not isinstance(code, str):
        return None
    key = (id(session.get_bind()), code)
    if key not in _ORG_IDS:
        org_id = session.scalar(select(Organisation.id).where(Organisation.code == code))
        if org_id is None:
            return None
        _ORG_IDS[key] = org_id
    return _ORG_IDS[key]


def role_for_lane(session, lane) -> str | None:
    """The role a lane names (cached per database, like organisations)."""
    key = (id(session.get_bind()), lane)
    if key not in _LANE_ROLES:
        _LANE_ROLES[key] = people.role_code_for_lane(session, lane)
    return _LANE_ROLES[key]


def _jsonable(value):
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))
