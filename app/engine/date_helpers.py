"""The date functions diagrams call (docs/conventions.md): ISO strings in, ISO strings out, Beijing time.

Scripts, conditions and timer expressions get these from the sandbox; the working days come from `workdays`.
Inputs come from task data, so every function checks what it is given and bounds the spans it will compute.
"""
from __future__ import annotations

from datetime import date, datetime, time as dt_time, timedelta

from app.engine import clock
from app.engine.workdays import calendar
from app.i18n import N_

__all__ = ["now", "today", "add_days", "add_workdays", "workdays_between", "end_of_day", "parse_date",
           "date_diff_days", "MAX_DAY_SPAN"]

MAX_DAY_SPAN = 36_600  # about a century: longest span the helpers accept


def _short(value) -> str:
    """A bounded description of a value for error messages (never repr() of something huge)."""
    if isinstance(value, str):
        return repr(value[:60] + ("…" if len(value) > 60 else ""))
    if isinstance(value, (bool, float)) or (isinstance(value, int) and value.bit_length() < 200):
        return repr(value)
    return f"<{type(value).__name__}>"


def _to_date(value) -> date:
    """A date from a date, a datetime (aware ones read in Beijing) or an ISO date / date-time string."""
    if isinstance(value, datetime):
        return (value.astimezone(clock.BEIJING) if value.tzinfo is not None else value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) <= 64:
        text = value.strip()
        try:
            return date.fromisoformat(text) if len(text) == 10 else _to_date(datetime.fromisoformat(text))
        except ValueError:
            pass
    raise ValueError(N_("日期格式不正确：{value}，应为 YYYY-MM-DD").format(value=_short(value)))


def _to_days(n, limit: int = MAX_DAY_SPAN) -> int:
    if isinstance(n, float) and n.is_integer():
        n = int(n)
    if not isinstance(n, int):
        raise TypeError(N_("天数必须为整数：{value}").format(value=_short(n)))
    if abs(n) > limit:
        raise ValueError(N_("天数超出范围（最多 {limit}）：{days}").format(limit=limit, days=n))
    return n


def _check_span(a: date, b: date) -> None:
    if abs((b - a).days) > MAX_DAY_SPAN:
        raise ValueError(N_("日期跨度超过 {limit} 天").format(limit=MAX_DAY_SPAN))


def now() -> str:
    """Current instant as an ISO date-time with the Beijing offset, e.g. '2026-11-23T09:30:00+08:00'."""
    return clock.now().astimezone(clock.BEIJING).isoformat(timespec="seconds")


def today() -> str:
    """Today's date in Beijing, e.g. '2026-11-23'."""
    return clock.today().isoformat()


def add_days(d, n) -> str:
    """The calendar date n days after d."""
    return (_to_date(d) + timedelta(days=_to_days(n))).isoformat()


def add_workdays(d, n) -> str:
    """The n-th working day after d (official holidays and 调休 included)."""
    return calendar.add_workdays(_to_date(d), _to_days(n, limit=MAX_DAY_SPAN // 2)).isoformat()


def workdays_between(a, b) -> int:
    """Working days between a and b, as app.engine.workdays counts them."""
    start, end = _to_date(a), _to_date(b)
    _check_span(start, end)
    return calendar.workdays_between(start, end)


def end_of_day(d) -> str:
    """The instant day d ends in Beijing (next day 00:00:00+08:00): the timeDate of a legal deadline."""
    return datetime.combine(_to_date(d) + timedelta(days=1), dt_time(0), clock.BEIJING).isoformat()


def parse_date(s) -> str:
    """Validate a date or date-time and normalise it to an ISO date string."""
    return _to_date(s).isoformat()


def date_diff_days(a, b) -> int:
    """Calendar days from a to b (b - a)."""
    return (_to_date(b) - _to_date(a)).days
