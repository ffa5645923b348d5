"""What the staff pages show, each read in one call: a task with its case summary, a case with its definition, the
outcome of the user's last submit or start, saved filters, working days left before a due date. Everything here
returns plain data, so the pages never see a model, a query or the engine; wording and translation stay with them."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.engine import clock
from app.engine.workdays import calendar
from app.models import ProcessDefinition, ProcessInstance, Task, User
from app.services.design import deployments
from app.services.inbox import cases, collab
from app.services.inbox import worklist as inbox
from app.services.inbox.history import case_history
from app.services.errors import Forbidden
from app.services.runtime import permissions
from app.services.runtime.commands import parsed_definition
from app.services.runtime.labels import value_labels
from app.i18n import N_
from app.vocabulary import TaskState

SUMMARY_FIELDS = (("applicant_name", N_("申请人")), ("enterprise_name", N_("企业")), ("dispute_type", N_("争议类型")),
                  ("received_date", N_("收到日期")), ("respondent_agency", N_("被申请机关")),
                  ("outcome", N_("办理结果")))  # a case's key facts


def local_time(value: datetime | None) -> str:
    """An instant as Beijing wall-clock time to the minute ('' for none)."""
    return value.astimezone(clock.BEIJING).strftime("%Y-%m-%d %H:%M") if value else ""


def due(due_at: datetime | None) -> dict | None:
    """The due day and the working days left, or overdue by (at least 1); the due instant ends the due day."""
    if due_at is None:
        return None
    due_day = (due_at.astimezone(clock.BEIJING) - timedelta(seconds=1)).date()
    left = calendar.workdays_between(clock.today(), due_day)
    if due_at < clock.now():
        return {"day": due_day.isoformat(), "workdays": max(1, -left), "overdue": True}
    return {"day": due_day.isoformat(), "workdays": left, "overdue": False}


def process_names(session: Session) -> dict[str, str]:
    """Every deployed process key (sorted) with the name of its latest version."""
    names = {}
    for d in session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.key, ProcessDefinition.version)):
        names[d.key] = d.name
    return names


def startable(session: Session, user: User) -> list[dict]:
    """The processes `user` may start, each with the role that registers it (None: anyone signed in)."""
    found = []
    for key, name in process_names(session).items():
        role = cases.starter_role(session, key)
        if permissions.may_start(user, role):
            found.append({"key": key, "name": name, "role": role})
    return found


def may_start_any(session: Session, user: User) -> bool:
    """Whether the 发起案件 menu has anything to offer `user`."""
    return bool(startable(session, user))


def start_form(session: Session, user: User, process_key: str) -> dict:
    """The latest definition of a process and its start form, for a user who may start it."""
    definition = deployments.latest_definition(session, process_key)
    role = cases.starter_role(session, process_key)
    form_key = parsed_definition(session, definition.id).start_form_key
    if not permissions.may_start(user, role):
        raise Forbidden(N_("您没有发起此类案件的权限"))
    form = (definition.forms or {}).get(form_key) if form_key else {"components": []}
    return {"definition": {"key": definition.key, "name": definition.name, "version": definition.version}, "form": form}


def outcome(session: Session, user: User, completed_task: str | None = None,
            started_instance: int | None = None) -> dict | None:
    """What became of the case after `user` submitted a task or started a case: its status, an error, the open
    tasks that follow. None when there is nothing of the user's to report."""
    if completed_task:
        task = session.get(Task, completed_task)
        if task is None or task.completed_by != user.username:
            return None
        instance_id, done = task.instance_id, {"task": task.name}
    elif started_instance:
        inst = session.get(ProcessInstance, started_instance)
        if inst is None or inst.started_by != user.username:
            return None
        instance_id, done = inst.id, {"business_key": inst.business_key}
    else:
        return None
    inst = session.get(ProcessInstance, instance_id)
    following = session.scalars(select(Task).where(Task.instance_id == instance_id, Task.status == TaskState.OPEN)).all()
    return {**done, "status": inst.status, "error_message": inst.error_message,
            "next": [{"name": t.name, "candidate_role": t.candidate_role} for t in following]}


def saved_filters(session: Session, user: User) -> list[dict]:
    return [{"id": f.id, "name": f.name, "query": f.query, "owner_id": f.owner_id, "organisation_id": f.organisation_id}
            for f in collab.filters_for(session, user)]


def task_page(session: Session, user: User, task_id: str) -> dict:
    """A visible task in full, with its case's key facts, summary fields and history; people by their names."""
    detail = inbox.task_detail(session, user, task_id)
    inst = session.get(ProcessInstance, detail["instance_id"])
    history = case_history(session, inst, {detail["assignee"], detail["completed_by"]})
    names = history.pop("names")
    detail["assignee_name"] = names.get(detail["assignee"], detail["assignee"])
    detail["completed_by_name"] = names.get(detail["completed_by"], detail["completed_by"])
    return {"task": detail, "instance": {"id": inst.id, "business_key": inst.business_key, "status": inst.status},
            "summary": case_summary(session, inst), "history": history}


def case_summary(session: Session, inst: ProcessInstance) -> list[dict]:
    """The case's key facts that are filled in, each value as staff read it (an option's label, not its code)."""
    labels = value_labels(session, inst.definition_id)
    values = inst.search_values or {}
    return [{"name": name, "label": label, "value": labels.label(name, values[name])}
            for name, label in SUMMARY_FIELDS if values.get(name) not in (None, "")]


def case_page(session: Session, user: User, instance_id: int) -> dict:
    """A visible case in full, with its history and the definition version it runs on."""
    inst = inbox.visible_instance(session, user, instance_id)
    definition = session.get(ProcessDefinition, inst.definition_id)
    case = cases.instance_detail(session, inst)
    history = case_history(session, inst, {inst.started_by})
    names = history.pop("names")
    if "started_by" in case["variables"]:  # the platform's own variable: the registering clerk, by name
        case["variables"]["started_by"] = names.get(case["variables"]["started_by"], case["variables"]["started_by"])
    return {"case": case, "summary": case_summary(session, inst), "history": history,
            "definition": {"key": definition.key, "name": definition.name, "version": definition.version}}


def attachment_file(session: Session, user: User, attachment_id: int) -> dict:
    item = collab.download(session, user, attachment_id)
    return {"filename": item.filename, "content_type": item.content_type, "content": item.content}
