"""The inbox and task completion over real HTTP — gunicorn (2 workers) on PostgreSQL with 100 000 open tasks —
against the in-process SpiffWorkflow floor measured in the same run.

100 000 open tasks: a few hundred real bench_seq10 cases started through the service (these are completed over
HTTP), plus padding rows cloned in bulk (a copied instance row each, and a task row placed on a random role ×
organisation). 30 % of the padding lands on 调解员 @ 海州区司法局, so mediator1's inbox holds about 30 000 tasks:
the query must sort and page them through the index, never deserializing a workflow.

Run: .venv/bin/python -m bench.http_inbox --pg postgresql+psycopg://postgres@127.0.0.1:5432/test
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta

from sqlalchemy import func, insert, select, text

from app import db
from app.engine import clock
from app.models import Organisation, ProcessInstance, Task
from bench import common, floor

TOTAL_OPEN = 100_000
REAL_CASES = 400
SAMPLES = 300
DB_NAME = "jiefen_bench_http"
ROLES = ["intake", "mediator", "agency_head", "justice_admin", "petition_officer", "review_officer", "compensation_officer"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One keep-alive HTTP connection, as a browser tab would hold."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Content-Type": "application/json"}

    def call(self, method: str, path: str, body=None) -> tuple[int, dict]:
        self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=self.headers)
        res = self.conn.getresponse()
        raw = res.read()
        return res.status, (json.loads(raw) if raw else {})

    def login(self, username: str) -> None:
        status, body = self.call("POST", "/api/v1/auth/token", {"username": username, "password": "jiefen-demo"})
        assert status == 201, body
        self.headers["Authorization"] = f"Bearer {body['token']}"


def _pad(url: str, users: dict, padding: int) -> None:
    """Clone one real instance row `padding` times and give each clone an open task row on a random role × org."""
    rng = random.Random(7)
    with db.transaction(url) as s:
        template = s.scalar(select(ProcessInstance).limit(1))
        orgs = dict(s.execute(select(Organisation.code, Organisation.id)).all())
        now = clock.now()
        base = {c: getattr(template, c) for c in ("definition_id", "process_key", "status", "organisation_id",
                                                     "started_by", "state", "awaited_messages", "search_values")}
        batch = 5000
        for start in range(0, padding, batch):
            count = min(batch, padding - start)
            rows = [{**base, "business_key": f"PAD-{start + i:06d}", "started_at": now, "updated_at": now, "version": 1}
                    for i in range(count)]
            ids = s.scalars(insert(ProcessInstance).returning(ProcessInstance.id), rows).all()
            tasks = []
            for instance_id in ids:
                if rng.random() < 0.3:
                    role, org = "mediator", orgs["hz_sfj"]
                else:
                    role, org = rng.choice(ROLES), rng.choice(list(orgs.values()))
                tasks.append({"id": str(uuid.UUID(int=rng.getrandbits(128))), "instance_id": instance_id,
                              "process_key": "bench_seq10", "element_id": "ut_01", "name": "办理 1", "lane": "调解员",
                              "candidate_role": role,
                              "organisation_id": org, "status": "open", "priority": 0, "form_key": "bench_done",
                              "due_at": now + timedelta(days=rng.randint(-10, 60)), "created_at": now})
            s.execute(insert(Task), tasks)
            common.log(f"  padded {start + count}/{padding}")


def run(pg_server: str) -> dict:
    from app.services.runtime import instances
    database = common.prepare(common.fresh_postgres(pg_server, DB_NAME))
    users = database.users
    common.log(f"http: starting {REAL_CASES} real cases")
    for _ in range(REAL_CASES):
        instances.start("bench_seq10", users["mediator1"], {})
    _pad(database.url, users, TOTAL_OPEN - REAL_CASES)
    with db.transaction(database.url) as s:
        s.execute(text("ANALYZE"))
        open_total = s.scalar(select(func.count()).select_from(Task).where(Task.status == "open"))
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database.url}
    server = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "gunicorn"), "-w", "2", "-b",
                               f"127.0.0.1:{port}", "--log-level", "warning", "app.wsgi:create_app()"], env=env)
    try:
        client = _wait_for(port)
        client.login("mediator1")
        result = {"open_tasks": open_total, "floor": floor.measure(repetitions=300)}
        result["inbox"] = _measure(lambda i: client.call("GET", "/api/v1/tasks?per_page=20"))
        result["inbox_page_50"] = _measure(lambda i: client.call("GET", "/api/v1/tasks?per_page=20&page=50"))
        result["inbox_search"] = _measure(lambda i: client.call("GET", "/api/v1/tasks?q=PAD-0001&per_page=20"))
        visible = client.call("GET", "/api/v1/tasks?per_page=1")[1]["total"]
        result["visible_to_mediator1"] = visible
        real = _real_task_ids(database.url)
        result["complete"] = _measure(lambda i: _complete(client, real[i]), n=min(SAMPLES, len(real)), warmup=0)
    finally:
        server.terminate()
        server.wait()
        database.drop()
    return result


def _real_task_ids(url: str) -> list[str]:
    with db.transaction(url, write=False) as s:
        return list(s.scalars(select(Task.id).where(Task.status == "open", Task.element_id == "ut_01",
                                                    Task.name != "办理 1")))


def _complete(client: Client, task_id: str):
    status, body = client.call("POST", f"/api/v1/tasks/{task_id}/complete", {"data": {"note": "已办理"}})
    assert status == 200, body
    return status, body


def _measure(call, n: int = SAMPLES, warmup: int = 20) -> dict:
    for i in range(warmup):
        call(i)
    samples = []
    for i in range(n):
        t0 = time.perf_counter()
        status, body = call(i)
        samples.append(time.perf_counter() - t0)
        assert status == 200, body
    p50, p95 = common.p50_p95(samples)
    return {"p50": p50, "p95": p95, "n": n}


def _wait_for(port: int) -> Client:
    for _ in range(100):
        try:
            client = Client(port)
            if client.call("GET", "/api/v1/health")[0] == 200:
                return client
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def report(result: dict) -> str:
    stock = result["floor"]["stock"][0]
    rows = [("收件箱第 1 页 / inbox page 1", result["inbox"]), ("收件箱第 50 页 / inbox page 50", result["inbox_page_50"]),
            ("收件箱搜索 / inbox search", result["inbox_search"]), ("提交办理 / complete", result["complete"])]
    lines = [f"Open tasks in the database: {result['open_tasks']:,}; visible to mediator1: {result['visible_to_mediator1']:,}.",
             f"In-process SpiffWorkflow floor (restore + complete + save, stock serializer), same run: p50 {stock:.2f} ms.", "",
             "| HTTP request (gunicorn, 2 workers, PostgreSQL) | p50 ms | p95 ms | p50 / floor | n |", "|---|---|---|---|---|"]
    for label, m in rows:
        lines.append(f"| {label} | {m['p50']:.2f} | {m['p95']:.2f} | {m['p50'] / stock:.1f}× | {m['n']} |")
    return "\n".join(lines)


START, END = "<!-- http-inbox:start -->", "<!-- http-inbox:end -->"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pg", required=True)
    args = parser.parse_args()
    text = report(run(args.pg))
    common.record_section(START, END, "Inbox and completion over HTTP (`make bench-http`)", text)
    print(text)


if __name__ == "__main__":
    main()
