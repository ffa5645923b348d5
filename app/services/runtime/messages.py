"""Messages: delivered to the instances that wait for them (matched by name and correlation), or starting a new
instance of a process whose message start event catches them. Every message is kept in the `message` table."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import db
from app.engine import clock
from app.engine.runtime import Runtime
from app.i18n import N_
from app.models import (InstanceVariable, Message, MessageSubscription, Organisation, ProcessDefinition,
                        ProcessInstance, User)
from app.services.admin import settings
from app.services.design import deployments
from app.services.errors import BadRequest, Conflict, ErrorCode, NotFound
from app.services.runtime import commands, instances
from app.services.runtime.unit_of_work import UnitOfWork, run
from app.vocabulary import InstanceStatus, MessageStatus

NO_RECEIVER = N_("没有正在等待消息“{name}”且关联条件匹配的案件")


def send(name, correlation, payload, actor: User) -> dict:
    """An external message (e.g. "the enterprise filed a lawsuit"). 404 when nothing waits for it."""
    if not isinstance(name, str) or not name.strip():
        raise BadRequest(N_("请提供消息名称 name"))
    if correlation is None:
        correlation = {}
    if not isinstance(correlation, dict) or not isinstance(payload if payload is not None else {}, dict):
        raise BadRequest(N_("correlation 和 payload 必须是 JSON 对象"))
    payload = payload or {}

    def act(uow: UnitOfWork) -> dict:
        msg = Message(name=name, correlation=correlation, payload=payload, sent_by=actor.username, status=MessageStatus.PENDING,
                      delivered_to=[], created_at=clock.now())
        uow.session.add(msg)
        uow.session.flush()
        delivered = _deliver(uow, msg, actor.username, actor.organisation.code)
        if not delivered:
            raise NotFound(NO_RECEIVER, code=ErrorCode.NO_RECEIVER, name=name)
        return {"delivered_to": delivered}
    return run(act)


def deliver_outbox(message_ids: list[int]) -> None:
    """Deliver messages thrown by instances, each in its own unit of work (after the thrower committed); what the
    receivers throw in turn is delivered after that one commits."""
    for message_id in message_ids:
        run(lambda uow, message_id=message_id: _deliver_pending(uow, message_id))


def _deliver_pending(uow: UnitOfWork, message_id: int) -> None:
    session = uow.session
    query = select(Message).where(Message.id == message_id)
    if db.is_postgres(session):
        query = query.with_for_update(skip_locked=True)  # a worker retrying the outbox may race us
    msg = session.scalar(query)
    if msg is None or msg.status != MessageStatus.PENDING:
        return
    source = session.get(ProcessInstance, msg.source_instance_id) if msg.source_instance_id else None
    fallback_org = None
    if source is not None:
        fallback_org = session.scalar(select(Organisation.code).where(Organisation.id == source.organisation_id))
    if not _deliver(uow, msg, msg.sent_by, fallback_org):
        msg.status, msg.error = MessageStatus.UNMATCHED, N_("没有案件在等待此消息，也没有流程以此消息启动")


def start_from_message(uow: UnitOfWork, definition: ProcessDefinition, name: str, payload: dict, actor: str,
                       fallback_org_code: str | None) -> ProcessInstance:
    """A message matched a message start event: a new instance whose only path is the message's (what it throws in
    its first step joins the outbox)."""
    session = uow.session
    parsed = commands.parsed_definition(session, definition.id)
    org_code = payload.get("handling_organisation") or fallback_org_code
    key = payload.get("business_key") if isinstance(payload.get("business_key"), str) else None
    inst = instances.new_instance(session, definition, key, None, org_code, started_by=actor)
    data = {"business_key": inst.business_key, "handling_organisation": org_code, "started_by": actor,
            "limits": settings.limits_for(session, definition.key)}
    rt = Runtime.create(parsed, data, start_message=(name, payload))
    incident = rt.step()
    if incident is None and not rt.deliver(name, payload):
        raise Conflict(N_("流程 {process_key} 未在等待消息 {name}"), process_key=definition.key, name=name)
    incident = incident or rt.step()
    uow.save(rt, actor, "start", {"process_key": definition.key, "version": definition.version, "message": name},
             incident, inst=inst)
    return inst


def pending_ids(session: Session, limit: int = 100) -> list[int]:
    return list(session.scalars(select(Message.id).where(Message.status == MessageStatus.PENDING).order_by(Message.id).limit(limit)))


def _deliver(uow: UnitOfWork, msg: Message, actor: str, fallback_org: str | None) -> list[int]:
    """Deliver `msg` in the unit of work and record where it went. Returns the instance ids reached (what those
    instances threw in turn joins the outbox)."""
    session = uow.session
    targets = _waiting_instances(session, msg.name, msg.correlation or _payload_correlation(msg.payload))
    delivered = []
    for instance_id in targets:
        inst = commands.lock_instance(session, instance_id)
        if inst.status != InstanceStatus.RUNNING:
            continue
        rt = commands.restore(session, inst)
        if not rt.deliver(msg.name, msg.payload):
            continue
        incident = rt.step()
        uow.save(rt, actor, "message", {"message": msg.name, "message_id": msg.id}, incident, inst=inst)
        delivered.append(inst.id)
    if not delivered:
        for definition in deployments.definitions_with_message_start(session, msg.name):
            delivered.append(start_from_message(uow, definition, msg.name, msg.payload, actor, fallback_org).id)
    if delivered:
        msg.status, msg.delivered_to, msg.delivered_at = MessageStatus.DELIVERED, delivered, clock.now()
    return delivered


def _payload_correlation(payload: dict) -> dict:
    """A thrown message correlates by the `correlation` object in its payload, if any."""
    value = payload.get("correlation") if isinstance(payload, dict) else None
    return value if isinstance(value, dict) else {}


def _waiting_instances(session: Session, name: str, correlation: dict) -> list[int]:
    """Instances subscribed to `name` whose business key / searchable variables equal every correlation value.
    A message without correlation never reaches a waiting instance: it can only start new ones."""
    if not correlation:
        return []
    query = select(MessageSubscription.instance_id).where(MessageSubscription.name == name)
    for key, value in correlation.items():
        if key == "business_key":
            query = query.where(MessageSubscription.instance_id.in_(
                select(ProcessInstance.id).where(ProcessInstance.business_key == str(value))))
        else:
            query = query.where(MessageSubscription.instance_id.in_(
                select(InstanceVariable.instance_id).where(InstanceVariable.name == key,
                                                           InstanceVariable.value == commands._search_text(value))))
    return list(session.scalars(query.order_by(MessageSubscription.instance_id)))
