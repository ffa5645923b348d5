"""What the staff pages read: working days left before a due date, who may start which process, the outcome notice."""
from __future__ import annotations

from datetime import datetime

import pytest

from app import db
from app.engine import clock
from app.services.errors import Forbidden
from app.services.inbox import pages
from app.services.runtime import instances, permissions
from tests.api.conftest import START


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=clock.BEIJING)


def test_due_counts_working_days_and_ends_on_the_due_day(database_url):
    with clock.as_of(at("2026-03-02")):  # a Monday
        assert pages.due(None) is None
        assert pages.due(at("2026-03-07", 0)) == {"day": "2026-03-06", "workdays": 4, "overdue": False}
        assert pages.due(at("2026-03-09", 0)) == {"day": "2026-03-08", "workdays": 4, "overdue": False}  # a Sunday
        # Fri 27 Feb, the make-up working Saturday 28 Feb (调休 after the Spring Festival) and Mon 2 Mar
        assert pages.due(at("2026-02-27", 0)) == {"day": "2026-02-26", "workdays": 3, "overdue": True}
        assert pages.due(at("2026-03-02", 9)) == {"day": "2026-03-02", "workdays": 1, "overdue": True}  # hours late
        assert pages.local_time(at("2026-03-02", 9)) == "2026-03-02 09:00" and pages.local_time(None) == ""


def test_who_may_start_a_process(deploy, users, session):
    deploy("approval.bpmn")  # its none start event sits in the 受理登记员 lane
    assert permissions.may_start(users["intake1"], "intake") and permissions.may_start(users["mediator1"], None)
    assert permissions.may_start(users["admin"], "intake") and not permissions.may_start(users["mediator1"], "intake")
    assert [p["key"] for p in pages.startable(session, users["intake1"])] == ["approval"]
    assert pages.startable(session, users["intake1"])[0]["role"] == "intake"
    assert pages.startable(session, users["mediator1"]) == []
    assert pages.start_form(session, users["intake1"], "approval")["definition"]["key"] == "approval"
    with pytest.raises(Forbidden) as refused:
        pages.start_form(session, users["mediator1"], "approval")
    assert refused.value.message == "您没有发起此类案件的权限"


def test_outcome_is_only_for_the_user_who_started(deploy, users):
    deploy("approval.bpmn")
    started = instances.start("approval", users["intake1"], START)
    with db.transaction(write=False) as s:
        mine = pages.outcome(s, users["intake1"], started_instance=started["id"])
        assert pages.outcome(s, users["mediator1"], started_instance=started["id"]) is None
        assert pages.outcome(s, users["intake1"]) is None
    assert mine["business_key"] == started["business_key"] and mine["status"] == "running"
    assert [t["candidate_role"] for t in mine["next"]] == ["intake"]
