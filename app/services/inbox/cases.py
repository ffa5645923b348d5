"""Case-level reads for the API: which definitions exist, who may start or message what, which instances a user
may list."""
from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app import db
from app.models import ProcessDefinition, ProcessInstance, Task, User
from app.services.people import access
from app.services.runtime import commands
from app.services.design import deployments
from app.services.inbox import worklist as inbox
from app.services.errors import ErrorCode, NotFound
from app.services.runtime import permissions
from app.services.runtime.instances import instance_summary
from app.services.runtime.messages import NO_RECEIVER, _waiting_instances
from app.vocabulary import SUPERVISORS, RoleCode


def definitions(session: Session) -> list[dict]:
    rows = session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.key, ProcessDefinition.version.desc()))
    return [{"key": d.key, "version": d.version, "name": d.name, "deployed_at": d.deployed_at,
             "deployed_by": d.deployed_by} for d in rows]


def starter_role(session: Session, process_key: str) -> str | None:
    """The role that may start the process (None: anyone signed in); `instances.start` enforces it."""
    definition = deployments.latest_definition(session, process_key)
    return permissions.starter_role(session, commands.parsed_definition(session, definition.id))


def require_can_message(user: User, name: str, correlation: dict) -> None:
    """Every waiting instance the message would reach must be visible to the sender; starting new instances by
    message is for administrators (integrations)."""
    with db.transaction(write=False) as session:
        targets = _waiting_instances(session, name, correlation or {})
        if targets:
            for instance_id in targets:
                inbox.visible_instance(session, user, instance_id)
            return
    if RoleCode.ADMIN not in user.role_codes:
        raise NotFound(NO_RECEIVER, code=ErrorCode.NO_RECEIVER, name=name)


def visible_instances_query(session: Session, user: User):
    query = select(ProcessInstance)
    conditions = [ProcessInstance.started_by == user.username,
                  ProcessInstance.id.in_(select(Task.instance_id).where(
                      or_(inbox.visibility(session, user), Task.completed_by == user.username)))]
    for role in user.role_codes & SUPERVISORS:
        conditions.append(ProcessInstance.organisation_id.in_(access.visible_org_ids(session, user, role)))
    return query.where(or_(*conditions))


def list_instances(session: Session, user: User, status=None, process_key=None, business_key=None, page=1,
                   per_page=20) -> dict:
    query = visible_instances_query(session, user)
    if status:
        query = query.where(ProcessInstance.status == status)
    if process_key:
        query = query.where(ProcessInstance.process_key == process_key)
    if business_key:
        query = query.where(ProcessInstance.business_key == business_key)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(ProcessInstance.started_at.desc(), ProcessInstance.id.desc())
                           .limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": [_listing(session, i) for i in rows], "total": total, "page": page, "per_page": per_page}


def _listing(session: Session, inst: ProcessInstance) -> dict:
    summary = instance_summary(session, inst)
    return {**summary, "started_at": inst.started_at, "started_by": inst.started_by, "updated_at": inst.updated_at,
            "next_timer_due": inst.next_timer_due}


def instance_detail(session: Session, inst: ProcessInstance) -> dict:
    data = commands.restore(session, inst).current_data() if inst.state else {}
    return {**_listing(session, inst), "variables": data, "awaited_messages": inst.awaited_messages}


