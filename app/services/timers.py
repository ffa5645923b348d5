"""Firing due timers. Only instances whose stored `next_timer_due` has passed are loaded (an indexed query);
on PostgreSQL `FOR UPDATE SKIP LOCKED` lets any number of workers share the work without firing a timer twice."""
from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime

from sqlalchemy import select

from app import db
from app.engine import clock
from app.models import ProcessInstance
from app.services import commands, messages, settings

BATCH = 200


def tick_due(as_of: datetime | None = None, limit: int | None = None) -> int:
    """Tick every instance with a due timer, each in its own transaction. Returns how many were ticked."""
    ticked = 0
    while limit is None or ticked < limit:
        done = _tick_batch(as_of, BATCH if limit is None else min(BATCH, limit - ticked))
        ticked += done
        if done == 0:
            break
    return ticked


def _tick_batch(as_of: datetime | None, size: int) -> int:
    now = as_of if as_of is not None else clock.now()
    with db.transaction(write=False) as session:
        settings.refresh_calendar(session)
        candidates = list(session.scalars(
            select(ProcessInstance.id).where(ProcessInstance.status == "running", ProcessInstance.next_timer_due <= now)
            .order_by(ProcessInstance.next_timer_due).limit(size)))
    ticked = 0
    for instance_id in candidates:
        if tick_one(instance_id, as_of):
            ticked += 1
    return ticked


def tick_one(instance_id: int, as_of: datetime | None = None) -> bool:
    """Fire the due timers of one instance. False when another worker holds it or it is no longer due."""
    with clock.as_of(as_of) if as_of is not None else nullcontext():
        with db.transaction() as session:
            query = select(ProcessInstance).where(ProcessInstance.id == instance_id)
            if db.is_postgres(session):
                query = query.with_for_update(skip_locked=True)
            inst = session.scalar(query)
            if inst is None or inst.status != "running" or inst.next_timer_due is None or inst.next_timer_due > clock.now():
                return False
            rt = commands.restore(session, inst)
            incident = rt.step()
            saved = commands.save(session, inst, rt, "system", "timer",
                                  {"as_of": as_of.isoformat()} if as_of is not None else {}, incident)
        messages.deliver_outbox(saved.outbox)
    return True
