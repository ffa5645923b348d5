"""Start, lanes → roles × organisations, due dates in 工作日, exclusive and parallel gateways, form validation, access."""
from __future__ import annotations

from datetime import datetime

import pytest

from app.http import status_of
from app.engine import clock
from app.engine.workdays import calendar
from app.services.runtime import instances
from app.services.runtime import tasks
from app.services.errors import BadRequest, Conflict, Forbidden, Invalid, NotFound
from tests.engine.test_specs import SINGLE, with_process_properties
from tests.services.helpers import audit_actions, instance, open_task, org_code, tasks_of, variables

START = {"applicant_name": "张三", "received_date": "2026-09-29", "urgent": True, "mediation_org": "ly_sfj"}


@pytest.fixture
def approval(deploy):
    return deploy("approval.bpmn")


def test_start_opens_first_task_in_lane_role_and_starter_org_with_workday_due_date(approval, users):
    summary = instances.start("approval", users["intake1"], START)
    assert summary["status"] == "running" and summary["business_key"].startswith("approval〔")
    task = open_task(summary, "ut_register")
    assert task["candidate_role"] == "intake"
    assert org_code(task["organisation_id"]) == "hz_sfj"
    # 5 working days after 2026-09-29 cross 中秋/国庆 2026: 9-30, 10-8, 10-9, 10-10 (调休 Saturday), 10-12
    assert calendar.add_workdays("2026-09-29", 5).isoformat() == "2026-10-12"
    assert datetime.fromisoformat(task["due_at"]) == datetime(2026, 10, 13, tzinfo=clock.BEIJING)  # end of 10-12
    [row] = tasks_of(summary["id"])
    assert row.priority == 2 and row.form_key == "approval_register" and row.lane == "受理登记员"


def test_accept_path_runs_parallel_branches_and_routes_by_organisation_property(approval, users):
    summary = instances.start("approval", users["intake1"], START, business_key="调〔2026〕1号")
    register = open_task(summary, "ut_register")
    summary = tasks.complete(register["id"], users["intake1"], {"decision": "accept", "claim_amount": 1200})
    mediate, head = open_task(summary, "ut_mediate"), open_task(summary, "ut_head")
    assert (mediate["candidate_role"], org_code(mediate["organisation_id"])) == ("mediator", "ly_sfj")
    assert (head["candidate_role"], org_code(head["organisation_id"])) == ("agency_head", "hz_sfj")
    with pytest.raises(Forbidden):
        tasks.complete(mediate["id"], users["mediator1"], {"result": "agreement"})  # 海州区 mediator, 连云区 task
    tasks.complete(mediate["id"], users["mediator_ly"], {"result": "agreement"})
    summary = tasks.complete(head["id"], users["head1"], {})
    assert summary["status"] == "completed" and summary["open_tasks"] == []
    data = variables(summary["id"])
    assert data["note"] == "已受理 调〔2026〕1号，申请人 张三" and data["result"] == "agreement"
    assert [t.status for t in tasks_of(summary["id"])] == ["completed"] * 3
    assert audit_actions(summary["id"]) == ["start", "complete", "complete", "complete"]


def test_reject_path_ends_without_further_tasks(approval, users):
    summary = instances.start("approval", users["intake1"], START)
    summary = tasks.complete(open_task(summary, "ut_register")["id"], users["intake1"],
                             {"decision": "reject", "reject_reason": "不属于本机关职责"})
    assert summary["status"] == "completed" and summary["open_tasks"] == []


@pytest.mark.parametrize("data, field", [
    ({}, "decision"),                                              # required
    ({"decision": "maybe"}, "decision"),                           # not an option
    ({"decision": "reject"}, "reject_reason"),                     # required once visible
    ({"decision": "accept", "claim_amount": -1}, "claim_amount"),  # amounts ≥ 0
    ({"decision": "accept", "claim_amount": "很多"}, "claim_amount"),
    ({"decision": "accept", "credit_code": "91320700MA1XXXXXX1"}, "credit_code"),
    ({"decision": "accept", "unknown_field": 1}, "unknown_field"),
    ({"decision": "accept", "_secret": 1}, "_secret"),
])
def test_invalid_submission_is_refused_per_field_and_changes_nothing(approval, users, data, field):
    summary = instances.start("approval", users["intake1"], START)
    register = open_task(summary, "ut_register")
    before = instance(summary["id"])
    with pytest.raises(Invalid) as err:
        tasks.complete(register["id"], users["intake1"], data)
    assert field in err.value.fields and status_of(err.value) == 422
    after = instance(summary["id"])
    assert (after.version, after.state) == (before.version, before.state)
    assert [t.status for t in tasks_of(summary["id"])] == ["open"]


def test_valid_checksums_are_accepted(approval, users):
    summary = instances.start("approval", users["intake1"], {**START, "applicant_id_number": "11010519491231002X"})
    tasks.complete(open_task(summary, "ut_register")["id"], users["intake1"],
                   {"decision": "reject", "reject_reason": "x", "credit_code": "91350100M000100Y43"})
    with pytest.raises(Invalid) as err:
        instances.start("approval", users["intake1"], {**START, "applicant_id_number": "110105194912310021"})
    assert "applicant_id_number" in err.value.fields


def test_bad_start_input_is_refused_and_creates_nothing(approval, users):
    with pytest.raises(NotFound):
        instances.start("no_such_process", users["intake1"], START)
    with pytest.raises(BadRequest):
        instances.start("approval", users["intake1"], ["not", "an", "object"])
    with pytest.raises(Invalid):
        instances.start("approval", users["intake1"], {**START, "_x": 1})
    with pytest.raises(Invalid):
        instances.start("approval", users["intake1"], {**START, "limits": {}})
    with pytest.raises(Invalid) as err:
        instances.start("approval", users["intake1"], {"received_date": "2026-13-01"})
    assert set(err.value.fields) == {"applicant_name", "received_date"}
    instances.start("approval", users["intake1"], START, business_key="调〔2026〕7号")
    with pytest.raises(Conflict) as err:
        instances.start("approval", users["intake1"], START, business_key="调〔2026〕7号")
    assert err.value.code == "duplicate_business_key"


def test_finished_task_and_stale_version_are_conflicts(approval, users):
    summary = instances.start("approval", users["intake1"], START)
    register = open_task(summary, "ut_register")
    with pytest.raises(Conflict) as err:
        tasks.complete(register["id"], users["intake1"], {"decision": "accept"}, expected_version=summary["row_version"] - 1)
    assert err.value.code == "stale_version"
    tasks.complete(register["id"], users["intake1"], {"decision": "accept"}, expected_version=summary["row_version"])
    with pytest.raises(Conflict) as err:
        tasks.complete(register["id"], users["intake1"], {"decision": "accept"})
    assert err.value.code == "task_not_open"
    with pytest.raises(NotFound):
        tasks.complete("00000000-0000-0000-0000-000000000000", users["intake1"], {})


def test_claim_unclaim_assign(approval, users):
    summary = instances.start("approval", users["intake1"], START, business_key="调〔2026〕9号")
    summary = tasks.complete(open_task(summary, "ut_register")["id"], users["intake1"], {"decision": "accept"})
    head_task = open_task(summary, "ut_head")["id"]
    mediate = open_task(summary, "ut_mediate")["id"]
    tasks.claim(mediate, users["mediator_ly"])
    with pytest.raises(Forbidden):
        tasks.claim(mediate, users["mediator1"])
    with pytest.raises(Forbidden):
        tasks.assign(head_task, users["mediator1"], "head1")      # mediators cannot assign
    with pytest.raises(Conflict):
        tasks.assign(head_task, users["head1"], "mediator1")      # mediator1 is not an agency head
    assert tasks.assign(head_task, users["head1"], "head1").assignee_id == users["head1"].id
    with pytest.raises(Forbidden):
        tasks.unclaim(mediate, users["mediator1"])
    assert tasks.unclaim(mediate, users["mediator_ly"]).assignee_id is None
    assert audit_actions(summary["id"])[-3:] == ["claim", "assign", "unclaim"]


def test_draft_is_kept_and_applied_on_submit(approval, users):
    summary = instances.start("approval", users["intake1"], START)
    register = open_task(summary, "ut_register")["id"]
    assert tasks.save_draft(register, users["intake1"], {"decision": "reject"}).draft == {"decision": "reject"}
    with pytest.raises(Invalid) as err:
        tasks.save_draft(register, users["intake1"], {"claim_amount": -5})
    assert "claim_amount" in err.value.fields
    summary = tasks.complete(register, users["intake1"], {"reject_reason": "超出受案范围"})
    assert summary["status"] == "completed"


def test_group_condition_hides_its_fields_on_the_server():
    from app.services.runtime.forms import check_conditions, validate_submission
    form = {"components": [
        {"type": "radio", "key": "kind", "label": "类别", "validate": {"required": True},
         "values": [{"label": "企业", "value": "enterprise"}, {"label": "个人", "value": "person"}]},
        {"type": "group", "label": "企业信息", "conditional": {"hide": '=kind != "enterprise"'}, "components": [
            {"type": "textfield", "key": "credit_code", "label": "统一社会信用代码", "validate": {"required": True},
             "properties": {"check": "credit_code"}}]}]}
    assert validate_submission(form, {"kind": "person", "credit_code": "junk"}) == {"kind": "person"}
    with pytest.raises(Invalid) as err:
        validate_submission(form, {"kind": "enterprise"})
    assert "credit_code" in err.value.fields
    form["components"][1]["conditional"]["hide"] = "=count(x) > 1"
    assert check_conditions(form) and "credit_code" in check_conditions(form)[0]


def test_the_process_declares_its_business_key_prefix_and_what_is_indexed(deploy, users):
    deploy(with_process_properties(SINGLE, businessKeyPrefix="单", searchable="applicant_name:申请人"))
    first = instances.start("single_task", users["mediator1"], {"applicant_name": "张三", "facts": "不检索"})
    second = instances.start("single_task", users["mediator1"], {})
    year = clock.today().year
    assert (first["business_key"], second["business_key"]) == (f"单〔{year}〕00001号", f"单〔{year}〕00002号")
    assert instance(first["id"]).search_values == {"applicant_name": "张三", "business_key": first["business_key"]}


def test_without_declared_properties_the_key_is_the_prefix_and_only_the_business_key_is_indexed(deploy, users):
    deploy("single.bpmn")
    summary = instances.start("single_task", users["mediator1"], {"applicant_name": "张三"})
    assert summary["business_key"] == f"single_task〔{clock.today().year}〕00001号"
    assert instance(summary["id"]).search_values == {"business_key": summary["business_key"]}
