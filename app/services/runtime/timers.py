"""Firing due timers. Only instances whose stored `next_timer_due` has passed are loaded (an indexed query).

Instances are ticked in batches: one transaction per batch, a savepoint per instance, so one bad instance never
undoes the others and the cost of a commit (a WAL flush) is shared by the batch. On PostgreSQL the batch is taken
with `FOR UPDATE SKIP LOCKED`, so any number of workers share the work without firing a timer twice; on SQLite the
write lock serializes workers, and batches stay small so web requests are not kept waiting."""
from __future__ import annotations

import logging
from contextlib import nullcontext
from datetime import datetime

from sqlalchemy import select

from app import db
from app.engine import clock
from app.i18n import N_
from app.models import ProcessInstance
from app.services.runtime import commands
from app.services.runtime.unit_of_work import UnitOfWork, run
from app.vocabulary import InstanceStatus

log = logging.getLogger("jiefen.timers")
BATCH = {"postgresql": 100, "sqlite": 20}


def tick_due(as_of: datetime | None = None, limit: int | None = None) -> int:
    """Tick every instance with a due timer (as of `as_of`: time travel for tests and demo). Returns how many."""
    ticked = 0
    with clock.as_of(as_of) if as_of is not None else nullcontext():
        while limit is None or ticked < limit:
            done = run(lambda uow: _tick_batch(uow, None if limit is None else limit - ticked), calendar=True)
            ticked += done
            if done == 0:
                break
    return ticked


def tick_if_due(instance_id: int) -> None:
    """Fire the instance's due timers now, before a person acts on it: a decision submitted after its legal period
    ended must not overtake what the period's end already decided (e.g. deemed acceptance)."""
    run(lambda uow: _tick_batch(uow, 1, instance_id), calendar=True)


def _tick_batch(uow: UnitOfWork, limit: int | None, instance_id: int | None = None) -> int:
    session = uow.session
    ticked = 0
    size = BATCH.get(session.get_bind().dialect.name, 20)
    query = (select(ProcessInstance)
             .where(ProcessInstance.status == InstanceStatus.RUNNING, ProcessInstance.next_timer_due <= clock.now())
             .order_by(ProcessInstance.next_timer_due).limit(size if limit is None else min(size, limit)))
    if instance_id is not None:
        query = query.where(ProcessInstance.id == instance_id)
    if db.is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    for inst in session.scalars(query).all():
        try:
            with session.begin_nested():
                rt = commands.restore(session, inst)
                saved = commands.save(session, inst, rt, "system", "timer", _detail(), rt.step())
            uow.outbox += saved.outbox  # only what a savepoint that held is delivered
            ticked += 1
        except Exception as err:  # a state that cannot even be restored: record it, never loop on it
            log.exception("timer tick failed for instance %s", inst.id)
            with session.begin_nested():
                inst.status, inst.error_at = InstanceStatus.ERROR, clock.now()
                inst.error_message = N_("定时器处理失败：{error}").format(error=err)
                inst.next_timer_due = None
                uow.audit("system", "timer", inst.id, None, {"failed": str(err)})
            ticked += 1
    return ticked


def _detail() -> dict:
    return {"as_of": clock.now().isoformat()}
