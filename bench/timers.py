"""Timers: many instances waiting on a due intermediate timer, fired by app.services.timers.tick_due.

One bench_timer instance is started through the service; its process_instance row (and its instance_variable rows)
are then cloned with SQL, each clone with its own business key (also substituted inside the state JSON, so each
restored workflow carries its own key). The state has no user task, hence no task projection rows to copy."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select

from app import db
from app.engine import clock
from app.models import InstanceVariable, ProcessInstance
from app.services.runtime import instances
from app.services.runtime import timers
from bench.common import log, timed

AS_OF = datetime(2030, 1, 2, tzinfo=clock.BEIJING)
CHUNK = 2000


def create_waiting(users: dict, n: int) -> None:
    template_key = "T-000000"
    first = instances.start("bench_timer", users["mediator1"], {}, business_key=template_key)
    table = ProcessInstance.__table__
    with db.transaction() as session:
        row = dict(session.execute(select(table).where(table.c.id == first["id"])).mappings().one())
        assert row["next_timer_due"] is not None and row["status"] == "running", row
        variables = session.execute(select(InstanceVariable.name, InstanceVariable.value)
                                    .where(InstanceVariable.instance_id == row["id"])).all()
    del row["id"]
    for start in range(1, n, CHUNK):
        keys = [f"T-{i:06d}" for i in range(start, min(n, start + CHUNK))]
        with db.transaction() as session:
            session.execute(insert(table), [{
                **row, "business_key": key, "state": row["state"].replace(template_key, key),
                "search_values": {k: (v.replace(template_key, key) if isinstance(v, str) else v)
                                  for k, v in row["search_values"].items()},
            } for key in keys])
            ids = dict(session.execute(select(ProcessInstance.business_key, ProcessInstance.id).where(
                ProcessInstance.process_key == "bench_timer", ProcessInstance.business_key.in_(keys))).all())
            if variables:
                session.execute(insert(InstanceVariable), [
                    {"instance_id": ids[key], "name": name, "value": value.replace(template_key, key)}
                    for key in keys for name, value in variables])


def _count(status: str) -> int:
    with db.transaction(write=False) as session:
        return session.scalar(select(func.count()).select_from(ProcessInstance).where(
            ProcessInstance.process_key == "bench_timer", ProcessInstance.status == status))


def measure(users: dict, n: int) -> dict:
    elapsed, _ = timed(create_waiting, users, n)
    waiting = _count("running")
    assert waiting == n, waiting
    log(f"  timers: {n} waiting instances created in {elapsed:.1f} s; ticking")
    seconds, ticked = timed(timers.tick_due, as_of=AS_OF)
    completed = _count("completed")
    log(f"  timers: {ticked} ticked in {seconds:.1f} s ({seconds / max(ticked, 1) * 1000:.2f} ms each); "
        f"{completed} completed")
    return {"n": n, "ticked": ticked, "seconds": seconds, "per_timer_ms": seconds / max(ticked, 1) * 1000,
            "completed": completed, "verified": completed == n == ticked}
