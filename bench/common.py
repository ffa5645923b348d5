"""Fresh databases prepared exactly as tests/conftest.py does (Alembic upgrade, demo people), the benchmark
diagrams deployed through the real deploy service, and the percentile helpers every measurement reports with."""
from __future__ import annotations

import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Callable

PG_BENCH_DB = "jiefen_bench"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def p50_p95(seconds: list[float]) -> tuple[float, float]:
    """Median and nearest-rank 95th percentile, in milliseconds."""
    ms = sorted(s * 1000 for s in seconds)
    return statistics.median(ms), ms[max(0, math.ceil(0.95 * len(ms)) - 1)]


def cpu_ticks() -> dict:
    """Jiffies of the whole machine from /proc/stat: busy (everything but idle and iowait), steal, total."""
    with open("/proc/stat") as f:
        user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in f.readline().split()[1:9])
    total = user + nice + system + idle + iowait + irq + softirq + steal
    return {"busy": total - idle - iowait, "steal": steal, "total": total}


def timed(fn: Callable, *args, **kwargs):
    t0 = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - t0, result


@dataclass
class Database:
    kind: str            # "SQLite" | "PostgreSQL"
    url: str
    drop: Callable[[], None]
    users: dict = field(default_factory=dict)


def fresh_sqlite() -> Database:
    folder = tempfile.mkdtemp(prefix="jiefen_bench_")
    return Database("SQLite", f"sqlite:///{folder}/bench.sqlite3", lambda: shutil.rmtree(folder, ignore_errors=True))


def _admin_url(server_url: str) -> str:
    return server_url.replace("postgresql+psycopg://", "postgresql://")


def fresh_postgres(server_url: str, name: str = PG_BENCH_DB) -> Database:
    """A database of its own (a benchmark can run beside the others), dropped by the returned Database."""
    import psycopg
    admin = _admin_url(server_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")

    def drop():
        from app import db
        db.dispose_all()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    return Database("PostgreSQL", server_url.rsplit("/", 1)[0] + "/" + name, drop)


def postgres_version(server_url: str) -> str:
    import psycopg
    with psycopg.connect(_admin_url(server_url)) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def use(url: str) -> None:
    """Point the services at `url`. The spec cache is keyed by definition id only, and both benchmark databases
    number their definitions 1, 2, 3…, so it is cleared on every switch."""
    from app.engine.specs import SPECS
    os.environ["DATABASE_URL"] = url
    SPECS.clear()


def load_users(url: str) -> dict:
    """username -> detached User with roles and organisation loaded (as the `users` test fixture)."""
    from sqlalchemy import select
    from app import db
    from app.models import User
    with db.transaction(url, write=False) as session:
        return {u.username: u for u in session.scalars(select(User))}


def prepare(database: Database) -> Database:
    """Migrate, seed the demo people, deploy the benchmark diagrams; leaves the services pointed at it."""
    from app import db, migrate
    from app.demo import people as demo
    from app.services.design import deployments
    from bench import bpmn
    use(database.url)
    migrate.upgrade(database.url)
    with db.transaction(database.url) as session:
        demo.seed_demo(session)
    for key, build in bpmn.ALL.items():
        with db.transaction(database.url) as session:
            deployments.deploy(session, build(), "bench", filename=f"{key}.bpmn", forms=bpmn.FORMS)
    database.users = load_users(database.url)
    return database


def record_section(start: str, end: str, title: str, text: str) -> None:
    """Put a benchmark's own section into bench/RESULTS.md between its markers, replacing the previous one (the rest
    of the file is kept)."""
    from pathlib import Path
    path = Path(__file__).resolve().parent / "RESULTS.md"
    block = f"{start}\n## {title}\n\n{text}\n{end}\n"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Jiefen benchmark results\n"
    if start in old and end in old:
        new = old[:old.index(start)] + block + old[old.index(end) + len(end) + 1:]
    else:
        new = old.rstrip("\n") + "\n\n" + block
    path.write_text(new, encoding="utf-8")
