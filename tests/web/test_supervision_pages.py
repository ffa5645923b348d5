"""The 督办 pages through the Flask client: each repair form does what it says (or says in Chinese why not), the batch
form acts on the previewed list, and staff are kept out."""
from __future__ import annotations

import re

from sqlalchemy import select

from app import db
from app.models import AuditEvent
from app.services.runtime import instances
from tests.services.helpers import audit_actions, instance, tasks_of, variables
from tests.services.supervision.test_repair_fields import START
from tests.web.test_pages import sign_in


def audit_events(instance_id: int) -> list[AuditEvent]:
    with db.transaction(write=False) as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)))


def flashes(res) -> str:
    return res.get_data(as_text=True)


def test_repair_forms(web, deploy, users):
    deploy("single.bpmn")
    case = instances.start("single_task", users["mediator1"], {})
    token = sign_in(web, "supervisor1")
    url = f"/supervision/cases/{case['id']}"
    assert "办理" in web.get(url).get_data(as_text=True)

    page = web.post(f"{url}/suspend", data={"csrf": token, "reason": ""}, follow_redirects=True)
    assert "请填写操作原因" in flashes(page) and instance(case["id"]).status == "running"
    page = web.post(f"{url}/suspend", data={"csrf": token, "reason": "等待材料"}, follow_redirects=True)
    assert "已挂起" in flashes(page) and instance(case["id"]).status == "suspended"
    page = web.post(f"{url}/resume", data={"csrf": token, "reason": "材料已到", "row_version": "1"}, follow_redirects=True)
    assert "案件已被他人更新" in flashes(page) and instance(case["id"]).status == "suspended"
    web.post(f"{url}/resume", data={"csrf": token, "reason": "材料已到"})
    assert instance(case["id"]).status == "running"

    [task] = tasks_of(case["id"])
    page = web.get(url).get_data(as_text=True)
    assert '<option value="mediator2">赵调解（海州区司法局）</option>' in page and 'value="review1"' not in page
    page = web.post(f"{url}/reassign", data={"csrf": token, "task_id": task.id, "username": "review1", "reason": "改派"},
                    follow_redirects=True)
    assert "不具备此任务所需的角色" in flashes(page)
    page = web.post(f"{url}/reassign", data={"csrf": token, "task_id": task.id, "username": "mediator2", "reason": "休假"},
                    follow_redirects=True)
    assert "已改派" in flashes(page) and tasks_of(case["id"])[0].assignee_id == users["mediator2"].id
    page = web.post(f"{url}/reassign", data={"csrf": token, "task_id": task.id, "username": "", "reason": "未选"},
                    follow_redirects=True)
    assert "请选择接收人" in flashes(page) and tasks_of(case["id"])[0].assignee_id == users["mediator2"].id
    page = web.post(f"{url}/reassign", data={"csrf": token, "task_id": task.id, "username": "", "to_pool": "1",
                                             "reason": "重新分配"}, follow_redirects=True)
    assert "已改派" in flashes(page) and tasks_of(case["id"])[0].assignee_id is None
    page = web.post(f"{url}/variables", data={"csrf": token, "raw": "1", "changes": '{"remark": "x"}', "reason": "改"},
                    follow_redirects=True)
    assert "只有系统管理员可以直接以 JSON 修改变量" in flashes(page)
    web.post(f"{url}/cancel", data={"csrf": token, "reason": "当事人撤回"})
    assert instance(case["id"]).status == "cancelled"
    assert audit_actions(case["id"]) == ["start", "suspend", "resume", "reassign", "reassign", "cancel"]
    assert web.post(f"{url}/suspend", data={"reason": "无令牌"}).status_code == 400  # CSRF


def variable_form(page: str) -> dict[str, list[str]]:
    """What the 修改变量 form would post untouched: every field with the value it shows."""
    section = page.split('id="variable-form"')[1].split("</form>")[0]
    keys = re.findall(r'name="field" value="([^"]+)"', section)
    return {"field": keys, **{f"shown.{k}": re.findall(rf'name="shown\.{k}" value="([^"]*)"', section) for k in keys},
            **{f"v.{k}": re.findall(rf'name="shown\.{k}" value="([^"]*)"', section) for k in keys}}


def test_variable_form_is_built_from_the_case_forms(web, deploy, users):
    deploy("approval.bpmn")
    case = instances.start("approval", users["intake1"], START)
    token = sign_in(web, "supervisor1")
    url = f"/supervision/cases/{case['id']}"
    page = web.get(url).get_data(as_text=True)
    assert '<input name="v.received_date" type="date" value="2026-11-20">' in page
    assert '<option value="reject">不予受理</option>' in page and "申请人姓名" in page
    assert 'name="changes"' not in page  # no raw JSON for a supervisor
    form = variable_form(page)

    bad = {**form, "v.received_date": ["2026-13-45"], "v.applicant_name": ["张叁"], "csrf": token, "reason": "更正"}
    res = web.post(f"{url}/variables", data=bad)
    text = res.get_data(as_text=True)
    field = text.split('data-key="received_date"')[1].split("</label>")[0]
    assert res.status_code == 422 and "变量填写有误" in text and "日期格式应为 YYYY-MM-DD" in field
    assert 'value="2026-13-45"' in field and 'value="张叁"' in text  # what was typed stays
    assert variables(case["id"])["applicant_name"] == "张三" and audit_actions(case["id"]) == ["start"]

    good = {**form, "v.applicant_name": ["张叁"], "v.urgent": ["true"], "csrf": token, "reason": "更正姓名"}
    page = web.post(f"{url}/variables", data=good, follow_redirects=True)
    assert "变量已修改" in flashes(page)
    event = audit_events(case["id"])[-1]
    assert (event.detail["before"], event.detail["after"]) == ({"applicant_name": "张三", "urgent": False},
                                                               {"applicant_name": "张叁", "urgent": True})


def test_admin_keeps_the_raw_json_form(web, deploy, users):
    deploy("approval.bpmn")
    case = instances.start("approval", users["intake1"], START)
    token = sign_in(web, "admin")
    url = f"/supervision/cases/{case['id']}"
    assert 'name="changes"' in web.get(url).get_data(as_text=True)
    page = web.post(f"{url}/variables", data={"csrf": token, "raw": "1", "changes": "[1]", "reason": "改"},
                    follow_redirects=True)
    assert "请填写 JSON 对象" in flashes(page)
    page = web.post(f"{url}/variables", data={"csrf": token, "raw": "1", "changes": '{"scratch": 1}', "reason": "修复"},
                    follow_redirects=True)
    assert "变量已修改" in flashes(page) and variables(case["id"])["scratch"] == 1


def test_batch_form_acts_on_the_previewed_list(web, deploy, users):
    deploy("single.bpmn")
    first = instances.start("single_task", users["mediator1"], {})
    token = sign_in(web, "supervisor1")
    page = web.post("/supervision/batch/preview", data={"csrf": token, "operation": "suspend", "process_key": "single_task"})
    assert first["business_key"] in page.get_data(as_text=True)
    later = instances.start("single_task", users["mediator1"], {})
    page = web.post("/supervision/batch", data={"csrf": token, "operation": "suspend", "instance_id": [first["id"]],
                                                "confirm_count": "1", "reason": "批量挂起"})
    assert "成功 1 件，共 1 件" in page.get_data(as_text=True)
    assert (instance(first["id"]).status, instance(later["id"]).status) == ("suspended", "running")
    page = web.post("/supervision/batch", data={"csrf": token, "operation": "resume", "instance_id": [first["id"]],
                                                "confirm_count": "2", "reason": "恢复"}, follow_redirects=True)
    assert "确认数量（2）与列表中的案件数（1）不一致" in page.get_data(as_text=True)


def test_staff_get_403_pages(web):
    sign_in(web, "mediator1")
    for url in ("/supervision", "/supervision/cases", "/supervision/cases/1", "/supervision/definitions/1",
                "/supervision/stats"):
        res = web.get(url)
        assert res.status_code == 403 and "督办" in res.get_data(as_text=True), url
