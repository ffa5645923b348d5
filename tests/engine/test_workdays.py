"""Working-day arithmetic against the State Council holiday schedules (via chinese_calendar 1.11.0) and overrides.

Dates asserted here are the published schedules:
- 2025 国庆+中秋: Oct 1–8 off; 调休 Sun Sep 28 and Sat Oct 11 are working days.
- 2026 春节: Feb 15–23 off; 调休 Sat Feb 14 and Sat Feb 28 are working days.
- 2026 中秋 Sep 25–27 off, 国庆 Oct 1–7 off; 调休 Sun Sep 20 and Sat Oct 10 are working days.
"""
from __future__ import annotations

import logging
import random
from datetime import date, datetime, timedelta, timezone

import chinese_calendar
import pytest

from app.engine import workdays
from app.engine.clock import today
from app.engine.workdays import WorkdayCalendar, to_date

D = date.fromisoformat


@pytest.fixture
def cal() -> WorkdayCalendar:
    """A fresh calendar per test, so overrides and once-per-year warnings never leak between tests."""
    return WorkdayCalendar()


def _weekday_records(caplog, year: int):
    return [r for r in caplog.records if r.name == "jiefen.workdays" and str(year) in r.getMessage()]


# -- 2025 国庆 + 中秋 ------------------------------------------------------------------------------------------------


def test_2025_national_day_holiday_days_are_off(cal):
    for day in range(1, 9):
        assert not cal.is_workday(date(2025, 10, day)), f"2025-10-{day:02d} is 国庆/中秋 holiday"


def test_2025_national_day_makeup_weekend_days_are_working(cal):
    assert D("2025-09-28").weekday() == 6 and cal.is_workday(D("2025-09-28"))  # Sunday, 调休
    assert D("2025-10-11").weekday() == 5 and cal.is_workday(D("2025-10-11"))  # Saturday, 调休
    assert not cal.is_workday(D("2025-09-27"))  # ordinary Saturday
    assert not cal.is_workday(D("2025-10-12"))  # ordinary Sunday


def test_2025_national_day_add_workdays(cal):
    assert cal.add_workdays(D("2025-09-30"), 1) == D("2025-10-09")
    assert cal.next_workday(D("2025-10-01")) == D("2025-10-09")
    assert cal.next_workday(D("2025-09-28")) == D("2025-09-28")


def test_five_workday_deadline_spanning_holiday(cal):
    # Served Mon 2025-09-29: 9-30 (1), 10-09 (2), 10-10 (3), Sat 10-11 调休 (4), 10-13 (5).
    assert cal.add_workdays(D("2025-09-29"), 5) == D("2025-10-13")
    assert cal.workdays_between(D("2025-09-29"), D("2025-10-13")) == 5
    # Served Tue 2026-09-29: 9-30 (1), 10-08 (2), 10-09 (3), Sat 10-10 调休 (4), 10-12 (5).
    assert cal.add_workdays(D("2026-09-29"), 5) == D("2026-10-12")


# -- 2026 春节 -----------------------------------------------------------------------------------------------------


def test_2026_spring_festival(cal):
    for day in range(15, 24):
        assert not cal.is_workday(date(2026, 2, day)), f"2026-02-{day} is 春节 holiday"
    assert D("2026-02-14").weekday() == 5 and cal.is_workday(D("2026-02-14"))  # Saturday, 调休
    assert D("2026-02-28").weekday() == 5 and cal.is_workday(D("2026-02-28"))  # Saturday, 调休
    assert cal.add_workdays(D("2026-02-13"), 1) == D("2026-02-14")
    assert cal.add_workdays(D("2026-02-14"), 1) == D("2026-02-24")
    assert cal.workdays_between(D("2026-02-14"), D("2026-02-23")) == 0


# -- 2026 中秋 + 国庆 ----------------------------------------------------------------------------------------------


def test_2026_mid_autumn_and_national_day(cal):
    assert D("2026-09-20").weekday() == 6 and cal.is_workday(D("2026-09-20"))  # Sunday, 调休
    for day in (25, 26, 27):
        assert not cal.is_workday(date(2026, 9, day)), f"2026-09-{day} is 中秋 holiday"
    for day in range(1, 8):
        assert not cal.is_workday(date(2026, 10, day)), f"2026-10-0{day} is 国庆 holiday"
    assert cal.is_workday(D("2026-10-08"))
    assert D("2026-10-10").weekday() == 5 and cal.is_workday(D("2026-10-10"))  # Saturday, 调休
    assert not cal.is_workday(D("2026-10-11"))
    assert cal.add_workdays(D("2026-09-30"), 1) == D("2026-10-08")


# -- API contract --------------------------------------------------------------------------------------------------


def test_zero_workdays_returns_start_even_on_holiday(cal):
    assert cal.add_workdays(D("2025-10-03"), 0) == D("2025-10-03")
    assert cal.workdays_between(D("2025-10-03"), D("2025-10-03")) == 0


def test_workdays_between_counts_half_open_interval(cal):
    # (9-30, 10-09]: only 10-09 counts; the start day never does.
    assert cal.workdays_between(D("2025-09-30"), D("2025-10-09")) == 1
    assert cal.workdays_between(D("2025-10-09"), D("2025-09-30")) == -1
    assert cal.workdays_between(D("2025-09-30"), D("2025-10-08")) == 0


def test_workdays_between_and_add_workdays_agree_on_random_dates(cal):
    rng = random.Random(20251001)
    start, span = D("2024-01-01"), (D("2026-12-31") - D("2024-01-01")).days
    for _ in range(300):
        a = start + timedelta(days=rng.randrange(span))
        n = rng.randrange(61)
        b = cal.add_workdays(a, n)
        assert cal.is_workday(b) or n == 0
        assert cal.workdays_between(a, b) == n
        assert cal.workdays_between(b, a) == -n

        c = start + timedelta(days=rng.randrange(span))
        k = cal.workdays_between(a, c)
        assert cal.workdays_between(c, a) == -k
        if c >= a:
            assert cal.add_workdays(a, k) <= c < cal.add_workdays(a, k + 1)
            if c > a:
                assert (cal.add_workdays(a, k) == c) == cal.is_workday(c)


def test_add_workdays_rejects_negative_or_non_int(cal):
    for bad in (-1, 1.5, True, "3"):
        with pytest.raises(ValueError, match="工作日天数必须为非负整数"):
            cal.add_workdays(D("2026-01-05"), bad)


def test_lookups_are_cached(cal, monkeypatch):
    calls: list[date] = []
    real = chinese_calendar.is_workday

    def counting(d):
        calls.append(d)
        return real(d)

    monkeypatch.setattr(workdays.chinese_calendar, "is_workday", counting)
    for _ in range(50):
        cal.add_workdays(D("2026-09-01"), 60)
    looked_up = [d for d in calls if d != date(d.year, 1, 1)]  # Jan 1 may be the once-per-year coverage probe
    assert len(looked_up) == len(set(looked_up)), "each date should reach chinese_calendar at most once"


# -- inputs --------------------------------------------------------------------------------------------------------


def test_accepts_iso_strings_and_datetimes(cal):
    assert cal.add_workdays("2025-09-30", 1) == D("2025-10-09")
    assert cal.workdays_between("2025-09-29", datetime(2025, 10, 13, 9, 30)) == 5
    assert cal.next_workday(" 2025-10-01 ") == D("2025-10-09")
    assert cal.is_workday(datetime(2025, 9, 30, 23, 0)) is True  # naive: taken as given
    # Aware values are read in Beijing time: 17:00 UTC on 9-30 is 01:00 on 10-01 in Beijing, a holiday.
    assert cal.is_workday(datetime(2025, 9, 30, 17, 0, tzinfo=timezone.utc)) is False
    assert to_date("2025-10-01T08:00:00+08:00") == D("2025-10-01")


@pytest.mark.parametrize("bad", ["2026-13-01", "2026/10/01", "20261001", "", "明天", None, 20261001])
def test_bad_input_messages(cal, bad):
    with pytest.raises(ValueError, match="日期格式不正确：.*，应为 YYYY-MM-DD"):
        cal.is_workday(bad)
    with pytest.raises(ValueError, match="日期格式不正确"):
        cal.add_workdays(bad, 1)
    with pytest.raises(ValueError, match="日期格式不正确"):
        cal.workdays_between("2026-01-01", bad)


# -- overrides -----------------------------------------------------------------------------------------------------


def test_override_beats_chinese_calendar(cal):
    assert cal.is_workday(D("2026-10-09"))  # warm the cache: set_overrides must clear it
    cal.set_overrides({D("2026-10-09"): False})
    assert not cal.is_workday(D("2026-10-09"))
    # The rest of 2026 still follows chinese_calendar (调休 Saturday stays a working day).
    assert cal.is_workday(D("2026-10-10"))
    assert not cal.is_workday(D("2026-10-05"))
    # 9-30 (1), 10-08 (2), Sat 10-10 (3), 10-12 (4), 10-13 (5).
    assert cal.add_workdays(D("2026-09-29"), 5) == D("2026-10-13")
    assert cal.years_covered([2025, 2026]) == {2025: "chinese_calendar", 2026: "override"}
    cal.set_overrides({})
    assert cal.is_workday(D("2026-10-09"))


def test_bad_override_value_keeps_previous_table(cal):
    cal.set_overrides({"2026-10-09": False})
    with pytest.raises(ValueError, match="取值必须为 True"):
        cal.set_overrides({D("2026-10-12"): "off"})
    with pytest.raises(ValueError, match="日期格式不正确"):
        cal.set_overrides({"2026-10-32": False})
    assert cal.overrides() == {D("2026-10-09"): False}


def test_2027_falls_back_to_weekdays_with_one_warning(cal, caplog):
    caplog.set_level(logging.WARNING, logger="jiefen.workdays")
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D("2027-01-04"))  # guard: this test assumes chinese_calendar lacks 2027
    assert cal.is_workday(D("2027-01-04"))  # Monday
    assert not cal.is_workday(D("2027-01-09"))  # Saturday
    assert cal.add_workdays(D("2027-01-08"), 1) == D("2027-01-11")  # Fri -> Mon
    assert cal.workdays_between(D("2027-01-01"), D("2027-12-31")) > 200
    records = _weekday_records(caplog, 2027)
    assert len(records) == 1
    assert records[0].levelno == logging.WARNING
    assert records[0].getMessage() == "2027 年节假日安排未录入，按周一至周五计算工作日"
    assert cal.years_covered([2026, 2027]) == {2026: "chinese_calendar", 2027: "weekdays_only"}


def test_covered_years_do_not_warn(cal, caplog):
    caplog.set_level(logging.WARNING, logger="jiefen.workdays")
    cal.add_workdays(D("2025-12-01"), 60)
    assert [r for r in caplog.records if r.name == "jiefen.workdays"] == []


def test_2027_override_table_takes_effect(cal, caplog):
    caplog.set_level(logging.WARNING, logger="jiefen.workdays")
    table = {date(2027, 2, day): False for day in range(6, 13)}  # 春节 Sat 02-06 .. Fri 02-12 off
    table[D("2027-02-14")] = True  # Sunday 调休
    cal.set_overrides(table)
    assert not cal.is_workday(D("2027-02-08"))  # Monday, holiday
    assert cal.is_workday(D("2027-02-14"))  # Sunday, working
    assert not cal.is_workday(D("2027-02-13"))  # Saturday, ordinary weekend
    assert cal.add_workdays(D("2027-02-05"), 1) == D("2027-02-14")
    assert cal.add_workdays(D("2027-02-05"), 2) == D("2027-02-15")
    assert cal.workdays_between(D("2027-02-05"), D("2027-02-14")) == 1
    assert cal.years_covered([2027]) == {2027: "override"}
    assert _weekday_records(caplog, 2027) == []  # the admin has entered 2027; no fallback warning


def test_years_covered_default_range(cal):
    covered = cal.years_covered()
    assert covered[2004] == "chinese_calendar"
    assert covered[2026] == "chinese_calendar"
    assert max(covered) == max(2026, today().year + 1)  # next year shows up even when nobody knows it yet


def test_module_singleton():
    assert isinstance(workdays.calendar, WorkdayCalendar)
    assert workdays.calendar.add_workdays("2025-09-30", 1) == D("2025-10-09")
