"""The platform clock: real time, or a pinned instant for time travel (tests and demo only).

Everything that reads "now" (sandbox helpers, SpiffWorkflow timers, due dates, the worker) goes through `now()`, so
`as_of()` moves all of them together. Legal days are counted in Beijing time.

With JIEFEN_ALLOW_TIME_TRAVEL=1, JIEFEN_CLOCK_SHIFT (seconds) moves the whole process's clock while it keeps running:
the test set-up uses it to run the suite on a chosen day, and hands it to the servers and commands it starts.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
_pinned: ContextVar[datetime | None] = ContextVar("jiefen_pinned_now", default=None)
_SHIFT = timedelta(seconds=float(os.environ.get("JIEFEN_CLOCK_SHIFT") or 0)) \
    if os.environ.get("JIEFEN_ALLOW_TIME_TRAVEL") == "1" else timedelta(0)


def now() -> datetime:
    """Aware UTC now, or the pinned instant."""
    pinned = _pinned.get()
    return pinned if pinned is not None else datetime.now(timezone.utc) + _SHIFT


def to_wall(moment: datetime) -> datetime:
    """The real-time instant of a platform instant: for comparing with timestamps the database server takes itself."""
    return moment - _SHIFT


def today() -> date:
    """Today's date in Beijing."""
    return now().astimezone(BEIJING).date()


def beijing_start(day: date) -> datetime:
    """The instant a Beijing calendar day begins: periods and date filters count whole Beijing days."""
    return datetime.combine(day, time.min, tzinfo=BEIJING)


@contextmanager
def as_of(moment: datetime):
    """Pin the clock to `moment` (naive values are read as Beijing time) for the duration of the block."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BEIJING)
    token = _pinned.set(moment.astimezone(timezone.utc))
    try:
        yield
    finally:
        _pinned.reset(token)


class _ClockDatetime(datetime):
    """`datetime` whose now() reads our clock; installed into SpiffWorkflow's timer module."""

    @classmethod
    def now(cls, tz=None):
        current = now()
        return current.astimezone(tz) if tz is not None else current.astimezone(BEIJING).replace(tzinfo=None)


def install_into_spiff() -> None:
    """Make SpiffWorkflow timers read the platform clock (idempotent)."""
    from SpiffWorkflow.bpmn.specs.event_definitions import timer

    timer.datetime = _ClockDatetime
