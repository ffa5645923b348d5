"""Concurrency: two workers completing the same task — exactly one wins, the other gets a conflict, nothing is lost;
two worker processes ticking the same due timers never fire one twice."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from sqlalchemy import func, select

from app import db
from app.engine import clock
from app.models import AuditEvent, ProcessInstance, Task
from app.services.runtime import instances
from app.services.runtime import tasks
from app.services.errors import Conflict
from tests.conftest import ROOT

ROUNDS = 200


def test_two_workers_complete_the_same_task_exactly_one_wins(deploy, users):
    deploy("single.bpmn")
    started = [instances.start("single_task", users["mediator1"], {}) for _ in range(ROUNDS)]
    barrier = threading.Barrier(2)
    outcomes = Counter()

    def attempt(task_id: str, who: str):
        barrier.wait()
        try:
            tasks.complete(task_id, users[who], {"remark": f"由 {who} 办理"})
            return "won"
        except Conflict:
            return "conflict"

    with ThreadPoolExecutor(2) as pool:
        for summary in started:
            task_id = summary["open_tasks"][0]["id"]
            results = list(pool.map(attempt, [task_id, task_id], ["mediator1", "mediator2"]))
            outcomes[tuple(sorted(results))] += 1
    assert outcomes == {("conflict", "won"): ROUNDS}
    with db.transaction(write=False) as s:
        assert s.scalar(select(func.count()).select_from(ProcessInstance).where(ProcessInstance.status == "completed")) == ROUNDS
        completions = s.execute(select(AuditEvent.instance_id, func.count()).where(AuditEvent.action == "complete")
                                .group_by(AuditEvent.instance_id)).all()
        assert len(completions) == ROUNDS and {n for _, n in completions} == {1}
        rows = s.scalars(select(Task)).all()
        assert all(t.status == "completed" and t.data["remark"] == f"由 {t.completed_by} 办理" for t in rows)


def test_two_worker_processes_never_fire_a_timer_twice(deploy, users, database_url):
    deploy("timers.bpmn")
    count = 60
    with clock.as_of(datetime(2030, 3, 4, 9, 0, tzinfo=clock.BEIJING)):
        ids = [instances.start("timers", users["mediator1"], {"received_date": "2030-03-04", "wait_until": "2031-01-01"})["id"]
               for _ in range(count)]
    as_of = (datetime(2030, 3, 6, 9, 30, tzinfo=clock.BEIJING)).isoformat()   # the "P2D" reminders are due, nothing else
    env = {**os.environ, "DATABASE_URL": database_url, "JIEFEN_ALLOW_TIME_TRAVEL": "1"}
    cmd = [sys.executable, "-m", "app.cli", "timers", "run", "--as-of", as_of]
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    with db.transaction(write=False) as s:
        fired = Counter(s.scalars(select(AuditEvent.instance_id).where(AuditEvent.action == "timer")))
        due = s.scalars(select(ProcessInstance.next_timer_due).where(ProcessInstance.id.in_(ids))).all()
    assert fired == Counter({i: 1 for i in ids})
    assert set(due) == {datetime(2030, 3, 12, tzinfo=clock.BEIJING)}  # the deadline: end of the 5th working day
