"""Messages: delivered to the instances that wait for them (matched by name and correlation), or starting a new
instance of a process whose message start event catches them. Every message is kept in the `message` table."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import db
from app.engine import clock
from app.models import InstanceVariable, Message, MessageSubscription, Organisation, ProcessInstance, User
from app.services.runtime import commands
from app.services.design import deployments
from app.services.runtime import instances
from app.services.errors import BadRequest, NotFound


def send(name, correlation, payload, actor: User) -> dict:
    """An external message (e.g. "the enterprise filed a lawsuit"). 404 when nothing waits for it."""
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("请提供消息名称 name / name is required")
    if correlation is None:
        correlation = {}
    if not isinstance(correlation, dict) or not isinstance(payload if payload is not None else {}, dict):
        raise BadRequest("correlation 和 payload 必须是 JSON 对象 / correlation and payload must be JSON objects")
    payload = payload or {}
    with db.transaction() as session:
        msg = Message(name=name, correlation=correlation, payload=payload, sent_by=actor.username, status="pending",
                      delivered_to=[], created_at=clock.now())
        session.add(msg)
        session.flush()
        delivered, outbox = _deliver(session, msg, actor.username, actor.organisation.code)
        if not delivered:
            raise NotFound(f"没有正在等待消息“{name}”且关联条件匹配的案件 / no instance waits for this message",
                           code="no_receiver")
    deliver_outbox(outbox)
    return {"delivered_to": delivered}


def deliver_outbox(message_ids: list[int]) -> None:
    """Deliver messages thrown by instances, each in its own transaction (after the thrower committed)."""
    for message_id in message_ids:
        outbox: list[int] = []
        with db.transaction() as session:
            query = select(Message).where(Message.id == message_id)
            if db.is_postgres(session):
                query = query.with_for_update(skip_locked=True)  # a worker retrying the outbox may race us
            msg = session.scalar(query)
            if msg is None or msg.status != "pending":
                continue
            source = session.get(ProcessInstance, msg.source_instance_id) if msg.source_instance_id else None
            fallback_org = None
            if source is not None:
                fallback_org = session.scalar(select(Organisation.code).where(Organisation.id == source.organisation_id))
            delivered, outbox = _deliver(session, msg, msg.sent_by, fallback_org)
            if not delivered:
                msg.status, msg.error = "unmatched", "没有案件在等待此消息，也没有流程以此消息启动 / nobody waits for this message"
        deliver_outbox(outbox)


def pending_ids(session: Session, limit: int = 100) -> list[int]:
    return list(session.scalars(select(Message.id).where(Message.status == "pending").order_by(Message.id).limit(limit)))


def _deliver(session: Session, msg: Message, actor: str, fallback_org: str | None) -> tuple[list[int], list[int]]:
    """Deliver `msg` in the caller's transaction and record where it went.
    Returns (instance ids reached, ids of the messages those instances threw in turn)."""
    outbox: list[int] = []
    targets = _waiting_instances(session, msg.name, msg.correlation or _payload_correlation(msg.payload))
    delivered = []
    for instance_id in targets:
        inst = commands.lock_instance(session, instance_id)
        if inst.status != "running":
            continue
        rt = commands.restore(session, inst)
        if not rt.deliver(msg.name, msg.payload):
            continue
        incident = rt.step()
        saved = commands.save(session, inst, rt, actor, "message", {"message": msg.name, "message_id": msg.id}, incident)
        outbox += saved.outbox
        delivered.append(inst.id)
    if not delivered:
        for definition in deployments.definitions_with_message_start(session, msg.name):
            inst, thrown = instances.start_from_message(session, definition, msg.name, msg.payload, actor, fallback_org)
            outbox += thrown
            delivered.append(inst.id)
    if delivered:
        msg.status, msg.delivered_to, msg.delivered_at = "delivered", delivered, clock.now()
    return delivered, outbox


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
