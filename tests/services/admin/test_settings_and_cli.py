"""The `jiefen` command line and administrator settings (time limits, working-day overrides)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime

from app import db
from app.engine import clock
from app.models import Setting, WorkdayOverride
from app.services.runtime import instances
from app.services.admin import settings
from tests.conftest import BPMN_DIR, ROOT
from tests.services.helpers import open_task


def jiefen(database_url, *args, **env):
    full_env = {**os.environ, "DATABASE_URL": database_url, **env}
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=full_env, capture_output=True,
                          text=True, timeout=120)


def test_time_travel_is_refused_without_the_flag(database_url):
    env = {k: v for k, v in os.environ.items() if k != "JIEFEN_ALLOW_TIME_TRAVEL"}
    result = subprocess.run([sys.executable, "-m", "app.cli", "timers", "run", "--as-of", "2030-01-01T00:00:00+08:00"],
                            cwd=ROOT, env={**env, "DATABASE_URL": database_url}, capture_output=True, text=True)
    assert result.returncode == 2 and "JIEFEN_ALLOW_TIME_TRAVEL" in result.stderr
    assert jiefen(database_url, "timers", "run", "--as-of", "明天").returncode == 2


def test_seed_refused_in_production_and_idempotent_otherwise(database_url):
    refused = jiefen(database_url, "seed-demo", JIEFEN_ENV="production")
    assert refused.returncode == 1 and "生产环境" in refused.stderr
    again = jiefen(database_url, "seed-demo")
    assert again.returncode == 0 and "新增机构 0 个，用户 0 个" in again.stdout


def test_cli_deploy_reports_problems_and_exits_nonzero(database_url, tmp_path):
    bad = tmp_path / "bad.bpmn"
    bad.write_text((BPMN_DIR / "failing.bpmn").read_text().replace("result = base / divisor", "result = (("))
    result = jiefen(database_url, "deploy", str(bad))
    assert result.returncode == 1 and "script_divide" in result.stderr and "行" in result.stderr
    worker = jiefen(database_url, "worker", "--once")
    assert worker.returncode == 0 and json.loads(worker.stdout.strip().splitlines()[-1]) == {"timers": 0, "messages": 0}


def test_time_limits_are_copied_into_new_instances_only(deploy, users):
    deploy("single.bpmn")
    settings.default_limits.cache_clear()
    with db.transaction() as s:
        s.add(Setting(key="time_limits.single_task.accept_days", value={"value": 10}, updated_by="admin",
                      updated_at=clock.now()))
    from tests.services.helpers import variables
    summary = instances.start("single_task", users["mediator1"], {})
    assert variables(summary["id"])["limits"] == {"accept_days": 10}


def test_workday_override_table_moves_due_dates(deploy, users):
    deploy("approval.bpmn")
    start = {"applicant_name": "张三", "received_date": "2026-09-29", "urgent": False, "mediation_org": "hz_sfj"}
    before = open_task(instances.start("approval", users["intake1"], start), "ut_register")["due_at"]
    assert datetime.fromisoformat(before) == datetime(2026, 10, 13, tzinfo=clock.BEIJING)
    with db.transaction() as s:
        s.add(WorkdayOverride(day=date(2026, 10, 9), is_workday=False, note="测试：临时放假", updated_by="admin",
                              updated_at=clock.now()))
        settings.refresh_calendar(s, force=True)
    after = open_task(instances.start("approval", users["intake1"], start), "ut_register")["due_at"]
    assert datetime.fromisoformat(after) == datetime(2026, 10, 14, tzinfo=clock.BEIJING)


def test_calendar_and_limits_commands(database_url):
    assert jiefen(database_url, "calendar", "set", "2027-02-14", "workday", "--note", "春节调休").returncode == 0
    assert jiefen(database_url, "calendar", "set", "2027-02-10", "off", "--note", "春节").returncode == 0
    shown = jiefen(database_url, "calendar", "show", "2027")
    assert "2027: override" in shown.stdout and "2027-02-14 工作日" in shown.stdout and "2027-02-10 休息日" in shown.stdout
    english = jiefen(database_url, "calendar", "show", "2027", JIEFEN_LANG="en")  # the catalogue's English
    assert "2027-02-14 working day" in english.stdout and "2027-02-10 day off" in english.stdout
    assert jiefen(database_url, "calendar", "set", "2027-13-01", "off").returncode == 2
    assert jiefen(database_url, "limits", "set", "mediation", "accept_days", "7").returncode == 0
    refused = jiefen(database_url, "limits", "set", "mediation", "no_such_limit", "7")
    assert refused.returncode == 2 and "accept_days" in refused.stderr
    with db.transaction(write=False) as s:
        assert settings.limits_for(s, "mediation")["accept_days"] == 7
        assert s.get(WorkdayOverride, date(2027, 2, 14)).is_workday is True
