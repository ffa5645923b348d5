"""Configuration in force: time limits per process and the working-day calendar overrides (changed through
`admin.configure`)."""
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
