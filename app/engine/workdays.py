"""Working-day arithmetic for legal deadlines (行政复议法 art. 88: 三日、五日、七日、十日 are working days).

Working days follow the State Council's holiday schedule, including 调休 (weekend days that become working days).
Sources, in order of precedence:

1. an admin-editable override table (`set_overrides`), so a newly announced schedule can be entered before the
   `chinese_calendar` package is upgraded, or a local closure recorded;
2. `chinese_calendar`, for the years it knows;
3. otherwise Monday–Friday, with one warning per year, because a silently wrong deadline is worse than a noisy one.

Periods are counted as Chinese law counts them: 期间开始的日不计算在期间内 — the day a period starts is not counted.
"""
from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Iterable, Mapping

import chinese_calendar

from app.engine.clock import BEIJING, today
from app.i18n import N_

__all__ = ["WorkdayCalendar", "calendar", "to_date", "SOURCE_OVERRIDE", "SOURCE_CHINESE_CALENDAR",
           "SOURCE_WEEKDAYS_ONLY"]

logger = logging.getLogger("jiefen.workdays")

SOURCE_OVERRIDE = "override"
SOURCE_CHINESE_CALENDAR = "chinese_calendar"
SOURCE_WEEKDAYS_ONLY = "weekdays_only"

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ONE_DAY = timedelta(days=1)
# The per-date cache only grows with distinct dates asked about; this bound just stops a pathological caller.
_CACHE_LIMIT = 50_000


def to_date(value: date | datetime | str) -> date:
    """Normalise a date, datetime or ISO string to a `date`.

    Aware datetimes are read in Beijing time, because legal days are counted there; naive ones are taken as given.
    Strings must be YYYY-MM-DD (a full ISO datetime string is also accepted, since form fields often carry one).
    """
    if isinstance(value, datetime):  # check before `date`: datetime is a subclass of date
        if value.tzinfo is not None:
            value = value.astimezone(BEIJING)
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if _ISO_DATE.fullmatch(text):
                return date.fromisoformat(text)
            if len(text) > 10 and _ISO_DATE.match(text) and text[10] in "T ":
                return to_date(datetime.fromisoformat(text))
        except ValueError:
            pass
    raise ValueError(N_("日期格式不正确：{value}，应为 YYYY-MM-DD").format(value=repr(value)))


@dataclass(frozen=True)
class _State:
    """Override table plus the per-date cache derived from it, swapped as one object so readers never mix them."""

    overrides: Mapping[date, bool] = field(default_factory=dict)
    override_years: frozenset[int] = frozenset()
    cache: dict[date, bool] = field(default_factory=dict)


class WorkdayCalendar:
    """Answers "is this a working day" and counts working-day periods. Read-mostly; safe to share across threads."""

    def __init__(self, overrides: Mapping[date | str, bool] | None = None) -> None:
        self._state = _State()
        self._cc_years: dict[int, bool] = {}
        self._warned_years: set[int] = set()
        self._warn_lock = threading.Lock()
        if overrides:
            self.set_overrides(overrides)

    # -- configuration -------------------------------------------------------------------------------------------

    def set_overrides(self, mapping: Mapping[date | datetime | str, bool]) -> None:
        """Replace the whole override table (True = working day, False = day off) and drop cached answers.

        The new table is validated first and swapped in atomically, so a bad entry leaves the old table in place.
        """
        table: dict[date, bool] = {}
        for key, value in dict(mapping).items():
            if not isinstance(value, bool):
                raise ValueError(N_("调整表中 {day} 的取值必须为 True（上班）或 False（休息），不能是 {value}").format(
                    day=key, value=repr(value)))
            table[to_date(key)] = value
        self._state = _State(overrides=table, override_years=frozenset(d.year for d in table))

    def overrides(self) -> dict[date, bool]:
        """A copy of the current override table (for admin pages)."""
        return dict(self._state.overrides)

    # -- sources -------------------------------------------------------------------------------------------------

    def _chinese_calendar_knows(self, year: int) -> bool:
        """Whether chinese_calendar has the schedule for `year` (probed once; it raises for unknown years)."""
        known = self._cc_years.get(year)
        if known is None:
            try:
                chinese_calendar.is_workday(date(year, 1, 1))
                known = True
            except NotImplementedError:
                known = False
            self._cc_years[year] = known
        return known

    def source_for_year(self, year: int) -> str:
        """Which source decides days in `year`: 'override', 'chinese_calendar' or 'weekdays_only'."""
        if year in self._state.override_years:
            return SOURCE_OVERRIDE
        if self._chinese_calendar_knows(year):
            return SOURCE_CHINESE_CALENDAR
        return SOURCE_WEEKDAYS_ONLY

    def years_covered(self, years: Iterable[int] | None = None) -> dict[int, str]:
        """Source per year, for admin pages. Default: every year chinese_calendar or the override table knows,
        through next year, so a missing schedule for the coming year shows up as 'weekdays_only'."""
        if years is None:
            this_year = today().year
            known = [y for y in range(2000, this_year + 2) if self._chinese_calendar_knows(y)]
            known += self._state.override_years
            years = range(min(known, default=this_year), max(known + [this_year + 1]) + 1)
        return {year: self.source_for_year(year) for year in years}

    def _warn_weekdays_only(self, year: int) -> None:
        """Log once per year that deadlines there ignore holidays, so an operator notices and enters the schedule."""
        if year in self._warned_years:
            return
        with self._warn_lock:
            if year in self._warned_years:
                return
            self._warned_years.add(year)
        logger.warning("%d 年节假日安排未录入，按周一至周五计算工作日", year)

    def _lookup(self, state: _State, d: date) -> bool:
        override = state.overrides.get(d)
        if override is not None:
            return override
        if self._chinese_calendar_knows(d.year):
            return chinese_calendar.is_workday(d)
        if d.year not in state.override_years:
            # An admin who entered a year's exceptions has covered it; only a year nobody entered deserves a warning.
            self._warn_weekdays_only(d.year)
        return d.weekday() < 5

    # -- queries -------------------------------------------------------------------------------------------------

    def is_workday(self, d: date | datetime | str) -> bool:
        """Whether `d` is a working day (调休 weekend days count as working days)."""
        d = to_date(d)
        state = self._state  # one snapshot: overrides and cache always match
        cached = state.cache.get(d)
        if cached is None:
            cached = self._lookup(state, d)
            if len(state.cache) >= _CACHE_LIMIT:
                state.cache.clear()
            state.cache[d] = cached
        return cached

    def next_workday(self, d: date | datetime | str) -> date:
        """`d` itself if it is a working day, else the first working day after it."""
        d = to_date(d)
        while not self.is_workday(d):
            d += _ONE_DAY
        return d

    def add_workdays(self, d: date | datetime | str, n: int) -> date:
        """The n-th working day after `d`; the start day itself is not counted (期间开始的日不计算在期间内).

        n == 0 returns `d` unchanged, even if it is a day off.
        """
        d = to_date(d)
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(N_("工作日天数必须为非负整数：{days}").format(days=repr(n)))
        while n:
            d += _ONE_DAY
            if self.is_workday(d):
                n -= 1
        return d

    def workdays_between(self, a: date | datetime | str, b: date | datetime | str) -> int:
        """Working days in (a, b]; negative when b < a. add_workdays(a, workdays_between(a, b)) <= b for b >= a."""
        a, b = to_date(a), to_date(b)
        if b < a:
            return -self.workdays_between(b, a)
        count = 0
        d = a
        while d < b:
            d += _ONE_DAY
            if self.is_workday(d):
                count += 1
        return count


calendar = WorkdayCalendar()
