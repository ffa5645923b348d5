"""Test set-up: a real database per test process (SQLite file or a PostgreSQL database), migrated with Alembic and
seeded with the demo organisations and users. Choose with JIEFEN_TEST_DB=sqlite|postgres (the Makefile runs both).

The suite runs on a chosen day: the clock starts at 10:00 Beijing time of JIEFEN_TEST_DATE (default: today in Beijing)
and runs on from there, so no run crosses midnight and `JIEFEN_TEST_DATE=2027-02-05 make test` shows any test that
depends on the day it runs. The shift is set here, before the app is imported, and inherited by every server and
command the tests start."""
from __future__ import annotations

import os
import subprocess
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo


def _shift_clock() -> None:
    if os.environ.get("JIEFEN_CLOCK_SHIFT"):  # set by the controlling process (xdist) or by the caller
        return
    beijing = ZoneInfo("Asia/Shanghai")
    real = datetime.now(beijing)
    day = date.fromisoformat(os.environ.get("JIEFEN_TEST_DATE") or real.date().isoformat())
    start = datetime(day.year, day.month, day.day, 10, tzinfo=beijing)
    os.environ["JIEFEN_CLOCK_SHIFT"] = str((start - real).total_seconds())
    os.environ["JIEFEN_ALLOW_TIME_TRAVEL"] = "1"


_shift_clock()

import pytest
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
BPMN_DIR = Path(__file__).resolve().parent / "bpmn"
KIND = os.environ.get("JIEFEN_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("JIEFEN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
STATE_TABLES = ["process_scenario", "design_draft", "task_comment", "attachment", "saved_filter", "audit_event", "message_subscription", "instance_variable", "task", "message", "process_instance",
                "process_definition", "setting", "workday_override", "api_token"]


def _ensure_postgres_running() -> None:
    if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]).returncode == 0:
        return
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False)
    for _ in range(30):
        if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]).returncode == 0:
            return
        time.sleep(1)
    raise RuntimeError("PostgreSQL is not running and could not be started")


def _postgres_url(worker: str) -> tuple[str, str]:
    """A database of its own per test process: the run's pid is in the name, so two runs never drop each other's."""
    import psycopg
    _ensure_postgres_running()
    name = f"jiefen_test_{os.getppid() if worker != 'master' else os.getpid()}_{worker}"
    with psycopg.connect(_pg_admin(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name, name


def _pg_admin() -> str:
    return PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")


def _drop_postgres(name: str) -> None:
    import psycopg
    from app import db
    db.dispose_all()
    with psycopg.connect(_pg_admin(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id, request) -> str:
    if KIND == "postgres":
        url, name = _postgres_url(worker_id)
        request.addfinalizer(lambda: _drop_postgres(name))
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'jiefen.sqlite3'}"
    os.environ["DATABASE_URL"] = url
    os.environ["JIEFEN_ALLOW_TIME_TRAVEL"] = "1"
    from app import db, migrate
    from app.demo import people as demo
    migrate.upgrade(url)
    with db.transaction(url) as session:
        demo.seed_demo(session)
    return url


@pytest.fixture(autouse=True)
def clean_state(request, database_url):
    """Every test starts with the people seeded and nothing else: no definitions, instances or settings."""
    yield
    from app import db
    from app.engine.specs import SPECS
    from app.engine.workdays import calendar
    from app.services.people.access import forget_tree
    engine = db.get_engine(database_url)
    with engine.begin() as conn:
        if KIND == "postgres":
            conn.execute(text("TRUNCATE " + ", ".join(STATE_TABLES) + " RESTART IDENTITY CASCADE"))
        else:
            for table in STATE_TABLES:
                conn.execute(text(f"DELETE FROM {table}"))
    SPECS.clear()
    calendar.set_overrides({})
    forget_tree()


@pytest.fixture(scope="session")
def users(database_url):
    """username -> User (detached, roles and organisation loaded)."""
    from sqlalchemy import select
    from app import db
    from app.models import User
    with db.transaction(database_url, write=False) as session:
        return {u.username: u for u in session.scalars(select(User))}


@pytest.fixture
def deploy(database_url):
    """Deploy a BPMN file from tests/bpmn (or an XML string) with the test forms; returns the definition."""
    from app import db
    from app.services.design import deployments

    def _deploy(name_or_xml: str, forms: dict | None = None):
        xml = (BPMN_DIR / name_or_xml).read_text() if name_or_xml.endswith(".bpmn") else name_or_xml
        with db.transaction(database_url) as session:
            return deployments.deploy(session, xml, "tester", filename=name_or_xml[-60:], forms=forms,
                                      forms_dir=BPMN_DIR / "forms").definition
    return _deploy


@pytest.fixture
def session(database_url):
    from app import db
    with db.transaction(database_url, write=False) as s:
        yield s


@pytest.fixture
def deploy_process(database_url):
    """Deploy shipped procedures (processes/<key>.bpmn with forms/) exactly as `make run` does."""
    from app import config, db
    from app.services.design import deployments

    def _deploy(*keys: str):
        definitions = {}
        for key in keys:
            path = config.PROCESSES_DIR / f"{key}.bpmn"
            with db.transaction(database_url) as session:
                definitions[key] = deployments.deploy(session, path.read_bytes(), "tester", filename=path.name).definition
        return definitions
    return _deploy
