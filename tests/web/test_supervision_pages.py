"""The 督办 pages through the Flask client: each repair form does what it says (or says in Chinese why not), the batch
form acts on the previewed list, and staff are kept out."""
from __future__ import annotations

from app.services.runtime import instances
from tests.services.helpers import audit_actions, instance, tasks_of
from tests.web.test_pages import sign_in


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
    page = web.post(f"{url}/reassign", data={"csrf": token, "task_id": task.id, "username": "review1", "reason": "改派"},
                    follow_redirects=True)
    assert "不具备此任务所需的角色" in flashes(page)
    page = web.post(f"{url}/reassign", data={"csrf": token, "task_id": task.id, "username": "mediator2", "reason": "休假"},
                    follow_redirects=True)
    assert "已改派" in flashes(page) and tasks_of(case["id"])[0].assignee_id == users["mediator2"].id
    page = web.post(f"{url}/variables", data={"csrf": token, "changes": "[1]", "reason": "改"}, follow_redirects=True)
    assert "请填写 JSON 对象" in flashes(page)
    web.post(f"{url}/cancel", data={"csrf": token, "reason": "当事人撤回"})
    assert instance(case["id"]).status == "cancelled"
    assert audit_actions(case["id"]) == ["start", "suspend", "resume", "reassign", "cancel"]
    assert web.post(f"{url}/suspend", data={"reason": "无令牌"}).status_code == 400  # CSRF


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
