"""The supervisor's console: every stuck category is produced for real and detected; every repair changes exactly what
it says and leaves an audit row with its reason; a batch acts on exactly the list its preview showed."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app import db
from app.engine import clock
from app.models import AuditEvent
from app.services.runtime import commands
from app.services.runtime import instances
from app.services.supervision import repairs
from app.services.supervision import console as supervision
from app.services.runtime import tasks
from app.services.errors import Conflict, Forbidden, Invalid, NotFound
from tests.conftest import KIND
from tests.processes.test_petition_to_review import NATIONAL_DAY, end_of, imported
from tests.services.helpers import audit_actions, instance, open_task, tasks_of, variables


def counts(user, process_key=None, as_of=None) -> dict:
    with db.transaction(write=False) as s:
        if as_of is None:
            overview = supervision.overview(s, user, process_key)
        else:
            with clock.as_of(as_of):
                overview = supervision.overview(s, user, process_key)
    return {c["category"]: c["total"] for c in overview["categories"]}


def ids_in(user, category, as_of=None) -> list[int]:
    with db.transaction(write=False) as s:
        with clock.as_of(as_of or clock.now()):
            return [i["id"] for i in supervision.search(s, user, category=category)["items"]]


def last_audit(instance_id: int) -> AuditEvent:
    with db.transaction(write=False) as s:
        return s.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id.desc())).first()


def failing_case(users) -> dict:
    summary = instances.start("failing", users["mediator1"], {})
    return tasks.complete(open_task(summary, "ut_input")["id"], users["mediator1"], {"divisor": 0})


def test_script_error_is_an_incident_and_retry_repairs_it(deploy, users):
    deploy("failing.bpmn")
    case = failing_case(users)
    sup = users["supervisor1"]
    assert counts(sup)["error"] == 1 and ids_in(sup, "error") == [case["id"]]
    with db.transaction(write=False) as s:
        view = supervision.case_view(s, sup, case["id"])
    assert view["incident"]["element_id"] == "script_divide" and view["incident"]["line"] == 2
    assert view["incident"]["data"]["divisor"] == 0 and view["diagram"]["error"] == ["script_divide"]
    with pytest.raises(Invalid):
        repairs.retry(case["id"], sup, "  ")
    repairs.set_variables(case["id"], sup, {"divisor": 5}, "申请人更正了除数")
    event = last_audit(case["id"])
    assert (event.action, event.actor, event.detail["reason"]) == ("set_variables", "supervisor1", "申请人更正了除数")
    assert (event.detail["before"], event.detail["after"]) == ({"divisor": 0}, {"divisor": 5})
    summary = repairs.retry(case["id"], sup, "已更正，重试")
    assert summary["status"] == "running" and [t["element_id"] for t in summary["open_tasks"]] == ["ut_after"]
    assert variables(case["id"])["result"] == 20
    assert last_audit(case["id"]).detail["reason"] == "已更正，重试"
    assert counts(sup)["error"] == 0


def test_silent_review_body_is_past_its_limit_and_overdue_until_the_timer_fires(deploy_process, users):
    deploy_process("petition_to_review")
    run = imported(users)
    due = end_of(NATIONAL_DAY.review_due)
    sup = users["supervisor1"]
    assert counts(sup, as_of=due - timedelta(hours=1))["past_limit"] == 0
    after = due + timedelta(hours=1)
    found = counts(sup, as_of=after)
    assert (found["past_limit"], found["overdue_task"]) == (1, 1)
    assert ids_in(sup, "past_limit", as_of=after) == [run.instance.id]
    run.tick(after)  # the worker catches up: deemed accepted, nothing is stuck any more
    found = counts(sup, as_of=after)
    assert (found["past_limit"], found["overdue_task"]) == (0, 0)


def test_suspended_case_past_its_limit_still_shows(deploy_process, users):
    deploy_process("petition_to_review")
    run = imported(users)
    sup = users["supervisor1"]
    repairs.suspend(run.instance.id, sup, "等待上级意见")
    assert instance(run.instance.id).limit_due == end_of(NATIONAL_DAY.review_due)
    assert counts(sup)["suspended"] == 1
    late = end_of(NATIONAL_DAY.review_due) + timedelta(minutes=1)
    assert ids_in(sup, "past_limit", as_of=late) == [run.instance.id]
    repairs.resume(run.instance.id, sup, "上级已答复")
    assert audit_actions(run.instance.id)[-2:] == ["suspend", "resume"]
    assert counts(sup)["suspended"] == 0


def test_stalled_case_is_found_and_reset_reopens_the_earlier_task(deploy, users):
    deploy("stall.bpmn")
    summary = instances.start("stall", users["mediator1"], {})
    first = open_task(summary, "ut_first")["id"]
    summary = tasks.complete(first, users["mediator1"], {"remark": "已办"})
    assert summary["status"] == "running" and summary["open_tasks"] == []
    sup = users["supervisor1"]
    assert ids_in(sup, "stalled") == [summary["id"]]
    with db.transaction(write=False) as s:
        view = supervision.case_view(s, sup, summary["id"])
    assert view["diagram"]["active"] == ["par_join"] and "ut_first" in view["diagram"]["completed"]
    assert [t["element_id"] for t in view["reset_targets"]] == ["ut_first"]
    with pytest.raises(Invalid):
        repairs.reset(summary["id"], sup, "ut_last", "回退")
    after = repairs.reset(summary["id"], sup, "ut_first", "汇合条件有误，退回重办")
    assert [t["id"] for t in after["open_tasks"]] == [first]
    [row] = tasks_of(summary["id"])
    assert (row.status, row.draft, row.completed_by) == ("open", {"remark": "已办"}, None)
    event = last_audit(summary["id"])
    assert (event.action, event.detail["element"], event.detail["reason"]) == ("reset", "ut_first", "汇合条件有误，退回重办")
    assert ids_in(sup, "stalled") == []


@pytest.mark.skipif(KIND != "postgres", reason="row locks exist on PostgreSQL only; SQLite has one writer at a time")
def test_long_held_instance_lock_is_detected(deploy, users):
    deploy("single.bpmn")
    summary = instances.start("single_task", users["mediator1"], {})
    sup = users["supervisor1"]
    with db.transaction() as holder:
        commands.lock_instance(holder, summary["id"])
        assert ids_in(sup, "long_locked") == []  # held for milliseconds: fine
        later = clock.now() + supervision.LOCK_LIMIT + timedelta(seconds=5)
        assert ids_in(sup, "long_locked", as_of=later) == [summary["id"]]
    assert ids_in(sup, "long_locked", as_of=later) == []


def test_reassign_and_cancel_change_only_what_they_say(deploy_process, users):
    deploy_process("petition_to_review")
    run = imported(users)
    sup = users["supervisor1"]
    task_id = run.task("review_acceptance").id
    with pytest.raises(Conflict):
        repairs.reassign(task_id, sup, "mediator1", "改派")  # not a review officer
    before = instance(run.instance.id).version
    repairs.reassign(task_id, sup, "review1", "原经办人休假")
    row = next(t for t in tasks_of(run.instance.id) if t.id == task_id)
    assert row.assignee_id == users["review1"].id and row.status == "open"
    assert instance(run.instance.id).version == before  # the workflow itself is untouched
    event = last_audit(run.instance.id)
    assert (event.action, event.task_id, event.detail["reason"]) == ("reassign", task_id, "原经办人休假")
    repairs.cancel(run.instance.id, sup, "当事人撤回")
    assert instance(run.instance.id).status == "cancelled"
    assert next(t for t in tasks_of(run.instance.id) if t.id == task_id).status == "cancelled"


def test_scope_follows_business_guidance(deploy, deploy_process, users):
    """海州区司法局 supervises all of 海州区 (also its 市场监管局) but not the city's 信访局; staff do not supervise."""
    deploy("failing.bpmn")
    deploy_process("petition_to_review")
    hz_case = failing_case(users)
    city_case = imported(users).instance.id
    assert ids_in(users["justice1"], None) == [hz_case["id"]]
    assert set(ids_in(users["supervisor1"], None)) == {hz_case["id"], city_case}
    with db.transaction(write=False) as s:
        with pytest.raises(NotFound):
            supervision.case_view(s, users["justice1"], city_case)
        with pytest.raises(Forbidden):
            supervision.overview(s, users["mediator1"])
    with pytest.raises(NotFound):
        repairs.cancel(city_case, users["justice1"], "越权")
    assert instance(city_case).status == "running"


def test_batch_acts_on_exactly_the_previewed_list(deploy, users):
    deploy("failing.bpmn")
    first, second = failing_case(users), failing_case(users)
    sup = users["supervisor1"]
    preview = repairs.batch_preview(sup, "suspend", {"process_key": "failing", "status": "error"})
    assert preview["instance_ids"] == [first["id"], second["id"]] and preview["count"] == 2
    assert all(item["applicable"] for item in preview["items"])
    third = failing_case(users)  # matches the filter now, but was not in the preview
    with pytest.raises(Invalid):
        repairs.batch_execute(sup, "suspend", preview["instance_ids"], 3, "批量挂起")
    assert instance(first["id"]).status == "error"  # a refused batch changes nothing
    result = repairs.batch_execute(sup, "suspend", preview["instance_ids"], preview["count"], "批量挂起")
    assert [r["id"] for r in result["results"]] == preview["instance_ids"] and result["succeeded"] == 2
    assert [instance(i).status for i in (first["id"], second["id"], third["id"])] == ["suspended", "suspended", "error"]
    with db.transaction(write=False) as s:
        batch = s.scalars(select(AuditEvent).where(AuditEvent.action == "batch")).one()
    assert batch.detail["instance_ids"] == preview["instance_ids"] and batch.detail["reason"] == "批量挂起"
    again = repairs.batch_execute(sup, "resume", [first["id"], third["id"]], 2, "恢复")
    assert [r["ok"] for r in again["results"]] == [True, False]  # third was never suspended: reported, not fatal
    assert instance(third["id"]).status == "error"


def test_search_filters_and_pagination(deploy, users):
    deploy("failing.bpmn")
    deploy("single.bpmn")
    with clock.as_of(clock.now() - timedelta(days=60)):  # two months before the others
        old = instances.start("single_task", users["mediator1"], {})
    cases = [failing_case(users) for _ in range(3)]
    sup = users["supervisor1"]
    with db.transaction(write=False) as s:
        def find(**kw):
            return supervision.search(s, sup, **kw)
        assert find(process_key="failing", per_page=2)["total"] == 3
        assert [i["id"] for i in find(process_key="failing", per_page=2, page=2)["items"]] == [cases[0]["id"]]
        assert [i["id"] for i in find(started_to=clock.today() - timedelta(days=30))["items"]] == [old["id"]]
        assert find(business_key=old["business_key"])["items"][0]["id"] == old["id"]
        assert find(process_key="failing", version=1)["total"] == 3
        assert find(organisation="ly")["total"] == 0
        with pytest.raises(Invalid):
            find(version=1)
        with pytest.raises(Invalid):
            find(organisation="nowhere")


def test_the_search_offers_the_variables_the_latest_versions_declare(deploy, users):
    from tests.engine.test_specs import SINGLE, with_process_properties
    deploy(with_process_properties(SINGLE, searchable="applicant_name:申请人, facts:事实"))
    deploy(with_process_properties(SINGLE, searchable="applicant_name:申请人"))  # version 2 no longer indexes facts
    deploy(with_process_properties(SINGLE.replace("single_task", "other_task"), searchable="applicant_name:当事人, outcome"))
    case = instances.start("single_task", users["mediator1"], {"applicant_name": "张三"})
    sup = users["supervisor1"]
    with db.transaction(write=False) as s:
        assert supervision.searchable_variables(s) == {"applicant_name": "当事人", "outcome": "outcome"}
        assert [i["id"] for i in supervision.search(s, sup, variable="applicant_name", value="张三")["items"]] == [case["id"]]
        with pytest.raises(Invalid) as err:
            supervision.search(s, sup, variable="facts", value="x")
        assert "outcome" in err.value.render()["fields"]["variable"]
