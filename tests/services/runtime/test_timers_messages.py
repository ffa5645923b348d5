"""Timers fire only through the worker's tick (time travel for tests); messages go to waiting instances by name and
correlation, or start an instance through a message start event."""
from __future__ import annotations

from datetime import datetime

import pytest

from app.engine import clock
from app.services.runtime import instances
from app.services.runtime import messages
from app.services.runtime import tasks
from app.services.runtime import timers
from app.services.errors import BadRequest, Conflict, NotFound
from tests.services.helpers import audit_actions, instance, open_task, tasks_of, variables

BJ = clock.BEIJING


@pytest.fixture
def timers_def(deploy):
    return deploy("timers.bpmn")


def test_boundary_timers_non_interrupting_then_interrupting(timers_def, users):
    with clock.as_of(datetime(2026, 9, 29, 10, 0, tzinfo=BJ)):
        summary = instances.start("timers", users["mediator1"], {"received_date": "2026-09-29", "wait_until": "2026-12-01"})
    inst = instance(summary["id"])
    assert inst.next_timer_due == datetime(2026, 10, 1, 10, 0, tzinfo=BJ)          # "P2D" reminder first
    assert timers.tick_due(as_of=datetime(2026, 9, 30, 12, 0, tzinfo=BJ)) == 0     # nothing due yet
    assert timers.tick_due(as_of=datetime(2026, 10, 1, 10, 1, tzinfo=BJ)) == 1     # reminder fires, task stays
    assert [t.status for t in tasks_of(summary["id"])] == ["open"]
    inst = instance(summary["id"])
    assert inst.next_timer_due == datetime(2026, 10, 13, tzinfo=BJ)                # end of the 5th working day
    assert timers.tick_due(as_of=datetime(2026, 10, 12, 23, 0, tzinfo=BJ)) == 0
    assert timers.tick_due(as_of=datetime(2026, 10, 13, 0, 1, tzinfo=BJ)) == 1
    inst = instance(summary["id"])
    assert inst.status == "completed" and inst.next_timer_due is None
    assert [t.status for t in tasks_of(summary["id"])] == ["cancelled"]
    assert variables(summary["id"])["outcome"] == "timed_out"
    assert audit_actions(summary["id"]) == ["start", "timer", "timer"]


def test_intermediate_timer_waits_for_its_date(timers_def, users):
    summary = instances.start("timers", users["mediator1"], {"received_date": clock.today().isoformat(),
                                                              "wait_until": "2030-01-02"})
    summary = tasks.complete(open_task(summary, "ut_work")["id"], users["mediator1"], {"remark": "已办"})
    assert summary["open_tasks"] == []
    assert instance(summary["id"]).next_timer_due == datetime(2030, 1, 3, tzinfo=BJ)
    assert timers.tick_due(as_of=datetime(2030, 1, 2, 23, 59, tzinfo=BJ)) == 0
    assert timers.tick_due(as_of=datetime(2030, 1, 3, 0, 0, 1, tzinfo=BJ)) == 1
    assert [t.element_id for t in tasks_of(summary["id"]) if t.status == "open"] == ["ut_after"]


def test_deadline_already_past_at_start_fires_at_once(timers_def, users):
    summary = instances.start("timers", users["mediator1"], {"received_date": "2020-01-02", "wait_until": "2020-02-01"})
    assert instance(summary["id"]).status == "completed" and variables(summary["id"])["outcome"] == "timed_out"


def test_suspended_instance_neither_ticks_nor_accepts_work(timers_def, users):
    summary = instances.start("timers", users["mediator1"], {"received_date": clock.today().isoformat(),
                                                              "wait_until": "2030-12-01"})
    instances.suspend(summary["id"], users["admin"], "等待上级意见")
    assert instance(summary["id"]).next_timer_due is None
    assert timers.tick_due(as_of=datetime(2031, 1, 1, tzinfo=BJ)) == 0
    with pytest.raises(Conflict):
        tasks.complete(open_task(summary, "ut_work")["id"], users["mediator1"], {})
    instances.resume(summary["id"], users["admin"], "已有意见")
    assert instance(summary["id"]).next_timer_due is not None
    instances.cancel(summary["id"], users["admin"], "申请人撤回")
    assert instance(summary["id"]).status == "cancelled"
    assert [t.status for t in tasks_of(summary["id"])] == ["cancelled"]
    assert audit_actions(summary["id"]) == ["start", "suspend", "resume", "cancel"]


def test_message_catch_and_interrupting_message_boundary(deploy, users):
    deploy("messages.bpmn")
    one = instances.start("messages", users["mediator1"], {}, business_key="M-1")
    two = instances.start("messages", users["mediator1"], {}, business_key="M-2")
    assert instance(one["id"]).awaited_messages == ["payment_received"]
    with pytest.raises(NotFound):
        messages.send("payment_received", {"business_key": "M-404"}, {"paid": 1}, users["admin"])
    with pytest.raises(NotFound):
        messages.send("cancel_request", {"business_key": "M-1"}, {}, users["admin"])   # not awaited yet
    with pytest.raises(BadRequest):
        messages.send("payment_received", ["M-1"], {}, users["admin"])
    result = messages.send("payment_received", {"business_key": "M-1"}, {"paid": 100}, users["admin"])
    assert result == {"delivered_to": [one["id"]]}
    assert instance(two["id"]).awaited_messages == ["payment_received"]               # the other case is untouched
    assert variables(one["id"])["payment"] == {"paid": 100}
    assert [t.element_id for t in tasks_of(one["id"])] == ["ut_ship"]
    messages.send("cancel_request", {"business_key": "M-1"}, {"reason": "企业已起诉"}, users["admin"])
    inst = instance(one["id"])
    assert inst.status == "completed" and inst.awaited_messages == []
    assert [t.status for t in tasks_of(one["id"])] == ["cancelled"]
    assert variables(one["id"])["cancel_info"] == {"reason": "企业已起诉"}


def test_thrown_message_starts_instance_through_message_start_event(deploy, users):
    deploy("referral_target.bpmn")
    deploy("referral_source.bpmn")
    manual = instances.start("referral_target", users["mediator1"], {})
    assert variables(manual["id"])["case_source"] == "application"
    source = instances.start("referral_source", users["intake1"], {"applicant_name": "某某公司"}, business_key="S-1")
    tasks.complete(open_task(source, "ut_decide")["id"], users["intake1"], {})
    assert instance(source["id"]).status == "completed"
    from sqlalchemy import select
    from app import db
    from app.models import Message, ProcessInstance
    with db.transaction(write=False) as s:
        target = s.scalar(select(ProcessInstance).where(ProcessInstance.business_key == "S-1-转"))
        msg = s.scalar(select(Message).where(Message.source_instance_id == source["id"]))
    assert target.process_key == "referral_target" and msg.status == "delivered" and msg.delivered_to == [target.id]
    data = variables(target.id)
    assert data["case_source"] == "referral" and data["applicant_name"] == "某某公司"
    assert [t.element_id for t in tasks_of(target.id)] == ["ut_review"]
    # an external message can start one too
    result = messages.send("case_referred", {}, {"business_key": "EXT-1", "applicant_name": "李四"}, users["admin"])
    assert len(result["delivered_to"]) == 1 and variables(result["delivered_to"][0])["applicant_name"] == "李四"


def test_call_activity_copies_data_in_and_out(deploy, users):
    deploy("call_activity.bpmn")
    summary = instances.start("caller", users["mediator1"], {"amount": 21})
    assert [t["element_id"] for t in summary["open_tasks"]] == ["ut_check"]
    assert variables(summary["id"])["total"] == 42


def test_a_broken_instance_does_not_stop_the_batch(timers_def, users):
    from sqlalchemy import update
    from app import db
    from app.models import ProcessInstance
    with clock.as_of(datetime(2030, 3, 4, 9, 0, tzinfo=BJ)):
        good = instances.start("timers", users["mediator1"], {"received_date": "2030-03-04", "wait_until": "2031-01-01"})
        bad = instances.start("timers", users["mediator1"], {"received_date": "2030-03-04", "wait_until": "2031-01-01"})
    with db.transaction() as s:
        s.execute(update(ProcessInstance).where(ProcessInstance.id == bad["id"]).values(state='{"not": "a workflow"}'))
    assert timers.tick_due(as_of=datetime(2030, 3, 6, 9, 30, tzinfo=BJ)) == 2
    broken, fine = instance(bad["id"]), instance(good["id"])
    assert broken.status == "error" and "定时器处理失败" in broken.error_message and broken.next_timer_due is None
    assert fine.status == "running" and audit_actions(good["id"]) == ["start", "timer"]
    assert timers.tick_due(as_of=datetime(2030, 3, 6, 9, 31, tzinfo=BJ)) == 0      # never looped on


def test_a_late_submission_cannot_overtake_a_due_timer(timers_def, users):
    from app.services.errors import Conflict
    with clock.as_of(datetime(2030, 3, 4, 9, 0, tzinfo=BJ)):
        summary = instances.start("timers", users["mediator1"], {"received_date": "2030-03-04", "wait_until": "2031-01-01"})
    task_id = open_task(summary, "ut_work")["id"]
    with clock.as_of(datetime(2030, 3, 12, 0, 0, 30, tzinfo=BJ)):    # the 5-working-day deadline ended 30 s ago
        with pytest.raises(Conflict) as err:
            tasks.complete(task_id, users["mediator1"], {"remark": "迟到的办理"})
    assert err.value.code == "task_not_open"
    assert variables(summary["id"])["outcome"] == "timed_out" and instance(summary["id"]).status == "completed"
