"""Configuration an administrator can change: time limits per process, and the working-day calendar overrides."""
from __future__ import annotations

import json
import time
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.engine.workdays import calendar
from app.models import Setting, WorkdayOverride

DEFAULTS_DIR = Path(__file__).resolve().parents[2] / "defaults" / "time_limits"
CALENDAR_TTL_SECONDS = 30  # another process (web/worker) may have edited the table; re-read at most this often


@lru_cache(maxsize=None)
def default_limits(process_key: str) -> dict:
    path = DEFAULTS_DIR / f"{process_key}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def limits_for(session: Session, process_key: str) -> dict:
    """The values in force now: defaults overridden by `setting` rows `time_limits.<process>.<name>`."""
    values = {name: spec["value"] for name, spec in default_limits(process_key).items()}
    prefix = f"time_limits.{process_key}."
    for row in session.scalars(select(Setting).where(Setting.key.like(prefix + "%"))):
        values[row.key[len(prefix):]] = row.value["value"]
    return values


_calendar_state = {"loaded_at": 0.0, "stamp": None}


def refresh_calendar(session: Session, force: bool = False) -> None:
    """Load the override table into the engine calendar when it changed (checked at most every 30 s)."""
    if not force and time.monotonic() - _calendar_state["loaded_at"] < CALENDAR_TTL_SECONDS:
        return
    stamp = session.execute(select(func.count(), func.max(WorkdayOverride.updated_at))).one()
    stamp = (stamp[0], stamp[1])
    if force or stamp != _calendar_state["stamp"]:
        calendar.set_overrides({row.day: row.is_workday for row in session.scalars(select(WorkdayOverride))})
        _calendar_state["stamp"] = stamp
    _calendar_state["loaded_at"] = time.monotonic()


def set_workday(session: Session, day, is_workday: bool, note: str, actor: str) -> WorkdayOverride:
    """Record an official 放假/调休 day for a year the library lacks (or correct one); audited; takes effect at once
    here and within 30 s in other processes."""
    from app.engine import clock
    from app.engine.workdays import to_date
    from app.services.runtime.commands import audit
    day = to_date(day)
    row = session.get(WorkdayOverride, day) or WorkdayOverride(day=day)
    before = None if row.updated_at is None else {"is_workday": row.is_workday, "note": row.note}
    row.is_workday, row.note, row.updated_by, row.updated_at = is_workday, note[:200], actor, clock.now()
    session.add(row)
    audit(session, actor, "set_workday", None, None, {"day": day.isoformat(), "before": before,
                                                       "after": {"is_workday": is_workday, "note": note}})
    session.flush()
    refresh_calendar(session, force=True)
    return row


def set_time_limit(session: Session, process_key: str, name: str, value, actor: str) -> None:
    """Override a configured time limit for cases started from now on (running cases keep theirs)."""
    from app.engine import clock
    from app.services.runtime.commands import audit
    from app.services.errors import Invalid, NotFound
    defaults = default_limits(process_key)
    if name not in defaults:
        raise NotFound(f"流程 {process_key} 没有名为 {name} 的期限（可选：{'、'.join(defaults) or '无'}） / unknown time limit")
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise Invalid("期限必须是非负整数 / a time limit must be a non-negative integer", fields={"value": "必须是非负整数"})
    key = f"time_limits.{process_key}.{name}"
    row = session.get(Setting, key)
    before = row.value["value"] if row else defaults[name]["value"]
    if row is None:
        row = Setting(key=key)
        session.add(row)
    row.value, row.updated_by, row.updated_at = {"value": value}, actor, clock.now()
    audit(session, actor, "set_time_limit", None, None, {"key": key, "before": before, "after": value})
