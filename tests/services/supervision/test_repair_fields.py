"""The supervisor's 改派 offers exactly the users who may hold the task (and refuses anyone else), and 修改变量 goes
through the case's form fields: a bad value is refused at its field in Chinese and changes nothing, a good one is
saved and audited; unchecked JSON is for administrators only."""
from __future__ import annotations

import pytest

from app import db
from app.i18n import render
from app.models import Task
from app.services.errors import Conflict, Forbidden, Invalid
from app.services.people import access
from app.services.runtime import instances
from app.services.supervision import console as supervision, repairs
from tests.services.helpers import audit_actions, tasks_of, variables
from tests.services.supervision.test_console import last_audit

START = {"applicant_name": "张三", "received_date": "2026-11-20", "urgent": False, "mediation_org": "hz_sfj"}


def eligible(task_id: str) -> list[dict]:
    with db.transaction(write=False) as s:
        return access.eligible_holders(s, s.get(Task, task_id))


def test_eligible_users_are_the_list_and_the_rule(deploy, users):
    deploy("single.bpmn")
    case = instances.start("single_task", users["mediator1"], {})
    [task] = tasks_of(case["id"])
    offered = eligible(task.id)
    assert offered == [  # the task's own unit first; the administrator's role reaches every unit below the city
        {"username": "mediator1", "display_name": "李调解", "organisation": "海州区司法局"},
        {"username": "mediator2", "display_name": "赵调解", "organisation": "海州区司法局"},
        {"username": "admin", "display_name": "系统管理员", "organisation": offered[2]["organisation"]}]
    sup = users["supervisor1"]
    for outsider in ("mediator_ly", "mediator_city", "review1"):  # another district, the city unit, another role
        with pytest.raises(Conflict) as err:
            repairs.reassign(task.id, sup, outsider, "改派")
        assert err.value.code == "assignee_not_eligible"
    assert repairs.reassign(task.id, sup, "mediator2", "休假")["assignee"] == "mediator2"
    with db.transaction(write=False) as s:
        view = supervision.case_view(s, sup, case["id"])
    assert view["tasks"][0]["eligible"] == offered
    assert repairs.reassign(task.id, sup, None, "退回")["assignee"] is None
    assert tasks_of(case["id"])[0].assignee_id is None


def test_variable_fields_follow_the_forms(deploy, users):
    deploy("approval.bpmn")
    case = instances.start("approval", users["intake1"], START)
    with db.transaction(write=False) as s:
        view = supervision.case_view(s, users["supervisor1"], case["id"])
    fields = {f["key"]: f for f in view["variable_fields"]}
    assert (fields["received_date"]["kind"], fields["received_date"]["shown"]) == ("date", "2026-11-20")
    assert (fields["urgent"]["kind"], fields["urgent"]["shown"]) == ("yesno", "false")
    assert fields["decision"]["kind"] == "select" and fields["decision"]["options"] == [
        {"value": "accept", "label": "受理"}, {"value": "reject", "label": "不予受理"}]
    assert (fields["claim_amount"]["kind"], fields["applicant_name"]["label"]) == ("number", "申请人姓名")
    assert view["can_edit_raw"] is False


@pytest.mark.parametrize("changes, field, message", [
    ({"received_date": "2026-13-45"}, "received_date", "日期格式应为 YYYY-MM-DD"),
    ({"decision": "maybe"}, "decision", "请从列表中选择"),
    ({"claim_amount": -5}, "claim_amount", "不能小于 0"),
    ({"applicant_name": None}, "applicant_name", "此项为必填项"),
    ({"no_such_field": 1}, "no_such_field", "表单中没有此字段"),
])
def test_a_bad_value_is_refused_at_its_field_and_nothing_changes(deploy, users, changes, field, message):
    deploy("approval.bpmn")
    case = instances.start("approval", users["intake1"], START)
    before = variables(case["id"])
    with pytest.raises(Invalid) as err:
        repairs.set_variables(case["id"], users["supervisor1"], {"applicant_name": "张叁", **changes}, "更正")
    assert render(err.value.fields) == {field: message}
    assert variables(case["id"]) == before and audit_actions(case["id"]) == ["start"]


def test_the_page_inputs_are_typed_checked_saved_and_audited(deploy, users):
    deploy("approval.bpmn")
    case = instances.start("approval", users["intake1"], START)
    sup = users["supervisor1"]
    with pytest.raises(Invalid) as err:
        repairs.set_fields(case["id"], sup, {"received_date": ["2026-02-30"]}, "更正日期")
    assert render(err.value.fields) == {"received_date": "日期格式应为 YYYY-MM-DD"}
    with pytest.raises(Invalid) as err:
        repairs.set_fields(case["id"], sup, {}, "无改动")
    assert render(err.value.message) == "没有修改任何变量"
    repairs.set_fields(case["id"], sup, {"received_date": ["2026-11-21"], "urgent": ["true"], "decision": ["accept"],
                                         "claim_amount": ["1200.5"]}, "申请人更正")
    saved = variables(case["id"])
    assert (saved["received_date"], saved["urgent"], saved["decision"], saved["claim_amount"]) == (
        "2026-11-21", True, "accept", 1200.5)
    event = last_audit(case["id"])
    assert (event.action, event.actor, event.detail["reason"]) == ("set_variables", "supervisor1", "申请人更正")
    assert event.detail["before"] == {"received_date": "2026-11-20", "urgent": False, "decision": None,
                                      "claim_amount": None}
    assert event.detail["after"] == {"received_date": "2026-11-21", "urgent": True, "decision": "accept",
                                     "claim_amount": 1200.5}


def test_raw_json_is_for_administrators_only(deploy, users):
    deploy("approval.bpmn")
    case = instances.start("approval", users["intake1"], START)
    with pytest.raises(Forbidden):
        repairs.set_variables(case["id"], users["supervisor1"], {"received_date": "乱填"}, "原样", raw=True)
    assert variables(case["id"])["received_date"] == "2026-11-20"
    repairs.set_variables(case["id"], users["admin"], {"scratch_note": "临时"}, "管理员修复", raw=True)
    assert variables(case["id"])["scratch_note"] == "临时"
    with db.transaction(write=False) as s:
        assert supervision.case_view(s, users["admin"], case["id"])["can_edit_raw"] is True
