"""The real service path, one command = one transaction, on whatever database DATABASE_URL points at.

- start: instances.start("bench_seq10") with an auto-generated business key (what the start page does).
- complete: tasks.complete of the 6th task of bench_seq10 (5 done), one per instance, after all instances were
  advanced to the middle, so every timed call sees the same state size.
- loop: tasks.complete on bench_loop at step 1 and step 200 (and a few points between) — the growth case."""
from __future__ import annotations

import statistics

from sqlalchemy import event, func, select

from app import db
from app.models import ProcessInstance
from app.services.runtime import instances
from app.services.runtime import tasks
from bench import bpmn, floor
from bench.common import log, p50_p95, timed


def start_and_complete(users: dict, n: int, warmup: int = 10) -> dict:
    """Each timed service call is followed by one timed repetition of the raw floor (a), so the ratio compares
    figures taken under the same background load (the machine may be shared)."""
    user = users["mediator1"]
    floor_rep = floor.variants()["stock"]
    starts, first_tasks, floors = [], [], []

    def measured(fn, *args):
        elapsed, result = timed(fn, *args)
        floors.append(timed(floor_rep)[0])
        return elapsed, result

    for i in range(warmup + n):
        elapsed, summary = measured(instances.start, "bench_seq10", user, {})
        if i >= warmup:
            starts.append(elapsed)
        first_tasks.append(summary["open_tasks"][0]["id"])
    log(f"  start: {p50_p95(starts)[0]:.2f} ms p50 (n={n}); advancing {len(first_tasks)} instances to the middle")
    middle = []
    with _StatementCounter() as counter:  # the untimed advancing completes show how many statements one makes
        for task_id in first_tasks:
            for _ in range(5):
                task_id = tasks.complete(task_id, user, dict(bpmn.FORM_DATA))["open_tasks"][0]["id"]
            middle.append(task_id)
    completes = []
    for i, task_id in enumerate(middle):
        elapsed, summary = measured(tasks.complete, task_id, user, dict(bpmn.FORM_DATA))
        assert summary["open_tasks"][0]["element_id"] == "ut_07", summary
        if i >= warmup:
            completes.append(elapsed)
    log(f"  complete at the middle: {p50_p95(completes)[0]:.2f} ms p50 (n={n}); "
        f"raw floor alongside {p50_p95(floors[warmup:])[0]:.2f} ms")
    calls = 5 * len(first_tasks)
    return {"start": p50_p95(starts), "complete": p50_p95(completes), "floor": p50_p95(floors[warmup:]), "n": n,
            "statements": counter.statements / calls, "transactions": counter.transactions / calls}


class _StatementCounter:
    """Counts SQL statements (pool pre-ping and COMMIT excluded) and transactions on the current database."""

    def __enter__(self):
        self.engine, self.statements, self.transactions = db.get_engine(), 0, 0
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "begin", self._begin)
        return self

    def _statement(self, *_args):
        self.statements += 1

    def _begin(self, *_args):
        self.transactions += 1

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "begin", self._begin)


def _state_bytes(instance_id: int) -> int:
    with db.transaction(write=False) as session:
        return session.scalar(select(func.length(ProcessInstance.state)).where(ProcessInstance.id == instance_id))


def loop_growth(users: dict, instances_n: int, steps: int = 200, points=(1, 50, 100, 150, 200),
                stagger: int = 5) -> dict:
    """Instance i starts `stagger`·i rounds after instance 0 and all advance one step per round, so the samples of one
    step are spread over time: a burst of background load cannot hit every sample of the same step."""
    user = users["mediator1"]
    summaries = [instances.start("bench_loop", user, {"rounds": 0, "max_rounds": bpmn.LOOP_ROUNDS})
                 for _ in range(instances_n)]
    current = [s["open_tasks"][0]["id"] for s in summaries]
    at = {p: [] for p in points}
    size = {}
    for tick in range(steps + stagger * (instances_n - 1)):
        for i in range(instances_n):
            step = tick - stagger * i + 1
            if not 1 <= step <= steps:
                continue
            elapsed, summary = timed(tasks.complete, current[i], user, dict(bpmn.FORM_DATA))
            current[i] = summary["open_tasks"][0]["id"]
            if step in at:
                at[step].append(elapsed)
                if i == 0:
                    size[step] = _state_bytes(summaries[0]["id"])
                if len(at[step]) == instances_n:
                    log(f"  loop step {step}: {statistics.median(at[step]) * 1000:.2f} ms median of {instances_n}, "
                        f"state {size[step]} B")
    return {"points": {p: p50_p95(v) for p, v in at.items()}, "size": size, "instances": instances_n,
            "stagger": stagger}
