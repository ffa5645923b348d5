"""Engine and session factory. SQLite gets WAL and a busy timeout so the web process and the worker can share it."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from app import config

_engines: dict[str, Engine] = {}
_factories: dict[str, sessionmaker] = {}


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Autocommit at the driver level, so that SQLAlchemy's "begin" event decides: a command transaction starts with
        # BEGIN IMMEDIATE (takes the write lock first, so two commands on one instance queue up instead of reading the
        # same version); a read-only one starts with plain BEGIN and never blocks writers (WAL).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")


def get_engine(url: str | None = None) -> Engine:
    url = url or config.database_url()
    if url not in _engines:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            _configure_sqlite(engine)
        else:
            engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
        _engines[url] = engine
    return _engines[url]


def session_factory(url: str | None = None) -> sessionmaker:
    url = url or config.database_url()
    if url not in _factories:
        _factories[url] = sessionmaker(get_engine(url), expire_on_commit=False)
    return _factories[url]


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


@contextmanager
def transaction(url: str | None = None, write: bool = True):
    """One unit of work: commit on success, roll back on any exception. `write=False` for read-only queries."""
    session = session_factory(url)()
    if write:
        session.connection(execution_options={"write": True})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def dispose_all() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
    _factories.clear()
