"""Incidents: a failing script keeps the user's work and marks the case; a fix plus retry resumes it. Runaway scripts
and uncaught BPMN errors become incidents too, never hangs or silent ends."""
from __future__ import annotations

import time

import pytest

from app.services.runtime import instances
from app.services.runtime import tasks
from app.services.errors import Conflict, Invalid
from tests.services.helpers import audit_actions, instance, open_task, tasks_of, variables


def test_script_error_keeps_submission_then_fix_and_retry(deploy, users):
    deploy("failing.bpmn")
    summary = instances.start("failing", users["mediator1"], {})
    summary = tasks.complete(open_task(summary, "ut_input")["id"], users["mediator1"], {"divisor": 0})
    assert summary["status"] == "error"
    inst = instance(summary["id"])
    assert inst.error_element == "script_divide" and inst.error_line == 2
    assert "ZeroDivisionError" in inst.error_message and inst.error_data["divisor"] == 0
    [row] = tasks_of(summary["id"])
    assert (row.status, row.data, row.completed_by) == ("completed", {"divisor": 0}, "mediator1")
    with pytest.raises(Conflict):
        instances.retry(summary["id"], users["admin"], reason="x", expected_version=inst.version - 1)
    with pytest.raises(Invalid):
        instances.set_variables(summary["id"], users["admin"], {"_divisor": 4}, "修正除数")
    instances.set_variables(summary["id"], users["admin"], {"divisor": 4}, "修正除数")
    summary = instances.retry(summary["id"], users["admin"], reason="已修正除数")
    assert summary["status"] == "running" and instance(summary["id"]).error_message is None
    assert variables(summary["id"])["result"] == 25
    assert [t["element_id"] for t in summary["open_tasks"]] == ["ut_after"]
    assert audit_actions(summary["id"]) == ["start", "complete", "set_variables", "retry"]
    with pytest.raises(Conflict):
        instances.retry(summary["id"], users["admin"], reason="again")


def test_runaway_script_fails_its_task_within_seconds(deploy, users):
    deploy("loop_forever.bpmn")
    began = time.monotonic()
    summary = instances.start("loop_forever", users["admin"], {})
    assert time.monotonic() - began < 10
    inst = instance(summary["id"])
    assert inst.status == "error" and inst.error_element == "script_spin"
    assert "秒" in inst.error_message


def test_uncaught_bpmn_error_event_is_an_incident(deploy, users):
    deploy("error_event.bpmn")
    summary = instances.start("error_event", users["admin"], {})
    inst = instance(summary["id"])
    assert inst.status == "error" and "INVALID" in inst.error_message
