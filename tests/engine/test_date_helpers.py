"""The date helpers as scripts see them: the platform clock, Beijing days, ISO strings, working days, bad input."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from app.engine import clock
from app.engine.sandbox import SandboxEnvironment


@pytest.fixture
def env():
    return SandboxEnvironment()


def test_now_and_today_follow_the_platform_clock(env):
    with clock.as_of(datetime(2026, 11, 23, 23, 30, tzinfo=timezone.utc)):  # 07:30 next day in Beijing
        assert env.evaluate("now()", {}) == "2026-11-24T07:30:00+08:00"
        assert env.evaluate("today()", {}) == "2026-11-24"

def test_date_helpers(env):
    ev = env.evaluate
    assert ev("add_days('2026-02-27', 2)", {}) == "2026-03-01"
    assert ev("add_days(d, -1)", {"d": "2026-01-01"}) == "2025-12-31"
    assert ev("end_of_day('2026-11-23')", {}) == "2026-11-24T00:00:00+08:00"
    assert ev("end_of_day('2026-12-31T10:00:00+08:00')", {}) == "2027-01-01T00:00:00+08:00"
    assert ev("parse_date('2026-11-23T20:00:00Z')", {}) == "2026-11-24"  # 04:00 next day in Beijing
    assert ev("parse_date(' 2026-11-23 ')", {}) == "2026-11-23"
    assert ev("parse_date('2026-11-23T09:00:00')", {}) == "2026-11-23"
    assert ev("date_diff_days('2026-11-23', '2026-12-01')", {}) == 8
    assert ev("date_diff_days('2026-12-01', '2026-11-23')", {}) == -8
    assert ev("add_days(d, n)", {"d": date(2026, 1, 31), "n": 1}) == "2026-02-01"

@pytest.mark.parametrize("expression, error", [
    ("parse_date('2026-13-01')", ValueError),
    ("parse_date('23/11/2026')", ValueError),
    ("parse_date(20261123)", ValueError),
    ("add_days('2026-01-01', 'x')", TypeError),
    ("add_days('2026-01-01', 10**9)", ValueError),
    ("date_diff_days('2026-01-01', 'soon')", ValueError),
])
def test_date_helpers_reject_bad_input(env, expression, error):
    with pytest.raises(error):
        env.evaluate(expression, {})

def test_workday_helpers(env):
    workdays = pytest.importorskip("app.engine.workdays")
    cal = workdays.calendar
    start = date(2026, 11, 20)
    for n in (0, 1, 5, 20):
        expected = cal.add_workdays(start, n).isoformat()
        assert env.evaluate(f"add_workdays('2026-11-20', {n})", {}) == expected
    assert env.evaluate("workdays_between('2026-11-20', '2026-12-20')", {}) == \
        cal.workdays_between(start, date(2026, 12, 20))
    # a Friday plus one working day is never a weekend day that is not a working day
    result = date.fromisoformat(env.evaluate("add_workdays('2026-11-20', 1)", {}))
    assert result > start and cal.is_workday(result)
    with pytest.raises(ValueError):
        env.evaluate("workdays_between('1900-01-01', '2100-01-01')", {})
