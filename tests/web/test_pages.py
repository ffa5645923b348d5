"""Server-rendered pages through the Flask client: login/logout, CSRF, inbox filters, saved filters, English switch."""
from __future__ import annotations

import re

from app.engine import clock
from app.wsgi import create_app
from tests.api.conftest import START


def csrf(page_html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page_html).group(1)


def sign_in(web, username: str) -> str:
    token = csrf(web.get("/login").get_data(as_text=True))
    res = web.post("/login", data={"username": username, "password": "jiefen-demo", "csrf": token})
    assert res.status_code == 302 and res.headers["Location"].endswith("/inbox")
    return csrf(web.get("/inbox").get_data(as_text=True))


def test_login_required_wrong_password_and_logout(web):
    assert web.get("/inbox").headers["Location"].startswith("/login")
    page = web.get("/login").get_data(as_text=True)
    assert "登录" in page and "用户名" in page
    bad = web.post("/login", data={"username": "intake1", "password": "x", "csrf": csrf(page)})
    assert bad.status_code == 401 and "用户名或密码错误" in bad.get_data(as_text=True)
    assert web.post("/login", data={"username": "intake1", "password": "jiefen-demo"}).status_code == 400  # no CSRF
    token = sign_in(web, "intake1")
    assert "王登记" in web.get("/inbox").get_data(as_text=True)
    web.post("/logout", data={"csrf": token})
    assert web.get("/inbox").status_code == 302


def test_cookie_session_api_calls_need_the_csrf_header(web, deploy):
    deploy("approval.bpmn")
    token = sign_in(web, "intake1")
    started = web.post("/api/v1/process-instances", json={"process_key": "approval", "variables": START})
    assert started.status_code == 403 and "页面已过期" in started.json["error"]["message"]
    ok = web.post("/api/v1/process-instances", json={"process_key": "approval", "variables": START},
                  headers={"X-CSRF-Token": token})
    assert ok.status_code == 201
    assert web.get("/api/v1/tasks").json["total"] == 1          # reads need no token


def test_inbox_notice_filters_and_english(web, deploy):
    deploy("approval.bpmn")
    token = sign_in(web, "intake1")
    received_today = {**START, "received_date": clock.today().isoformat()}  # its 5-workday deadline is still ahead
    started = web.post("/api/v1/process-instances", json={"process_key": "approval", "variables": received_today},
                       headers={"X-CSRF-Token": token}).json
    page = web.get(f"/inbox?started={started['id']}").get_data(as_text=True)
    assert f"已发起案件 {started['business_key']}" in page and "下一步：审查登记（受理登记员）" in page
    assert "剩余" in page and "个工作日" in page
    assert "没有符合条件的待办任务" in web.get("/inbox?q=不存在的人").get_data(as_text=True)
    res = web.post("/filters", data={"csrf": token, "name": "张三的案件", "q": "张三", "shared": "1"})
    assert res.status_code == 302
    page = web.get("/inbox").get_data(as_text=True)
    assert "张三的案件" in page and "本单位共享" in page
    other = create_app().test_client()
    sign_in(other, "intake1")
    assert "张三的案件" in other.get("/inbox").get_data(as_text=True)
    web.get("/lang/en", headers={"Referer": "http://localhost/inbox"})
    english = web.get("/inbox").get_data(as_text=True)
    assert "My tasks" in english and "Save this filter" in english
    task_id = started["open_tasks"][0]["id"]
    assert "Claim" in web.get(f"/tasks/{task_id}").get_data(as_text=True)


def test_task_page_actions_and_hidden_tasks(web, deploy):
    deploy("approval.bpmn")
    token = sign_in(web, "intake1")
    started = web.post("/api/v1/process-instances", json={"process_key": "approval", "variables": START},
                       headers={"X-CSRF-Token": token}).json
    task_id = started["open_tasks"][0]["id"]
    assert web.post(f"/tasks/{task_id}/claim", data={"csrf": token}).status_code == 302
    page = web.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "退回签收" in page and "已签收" in page
    web.post(f"/tasks/{task_id}/comment", data={"csrf": token, "text": "请补充身份证复印件"})
    assert "请补充身份证复印件" in web.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert web.post(f"/tasks/{task_id}/bogus", data={"csrf": token}).status_code == 404
    assert web.get(f"/cases/{started['id']}").status_code == 200
    stranger = create_app().test_client()
    sign_in(stranger, "mediator_ly")
    assert stranger.get(f"/tasks/{task_id}").status_code == 404
    assert stranger.get(f"/cases/{started['id']}").status_code == 404
    assert "您的角色不能发起案件" in stranger.get("/start").get_data(as_text=True)
    assert stranger.get("/start/approval").status_code == 403


def test_unknown_pages_and_methods_answer_in_chinese(web):
    for method, url, status, text in (("get", "/no-such-page", 404, "请求的资源不存在"), ("post", "/inbox", 405, "不支持此请求方法"),
                                      ("get", f"/supervision/cases/{2**40}", 404, "请求的资源不存在")):
        res = getattr(web, method)(url)
        page = res.get_data(as_text=True)
        assert res.status_code == status and text in page and "返回我的待办" in page, url
    res = web.post("/login", data={"username": "intake1", "password": "jiefen-demo"})  # no CSRF token
    assert res.status_code == 400 and "页面已过期" in res.get_data(as_text=True)


def test_sign_in_messages_in_english(web):
    web.get("/lang/en")
    page = web.get("/login").get_data(as_text=True)
    bad = web.post("/login", data={"username": "intake1", "password": "x", "csrf": csrf(page)})
    assert bad.status_code == 401 and "Wrong username or password" in bad.get_data(as_text=True)
    expired = web.post("/login", data={"username": "intake1", "password": "jiefen-demo"})
    assert expired.status_code == 400 and "The page has expired" in expired.get_data(as_text=True)


def test_the_language_chosen_before_signing_in_stays(web):
    web.get("/lang/en")
    page = web.get("/login").get_data(as_text=True)
    res = web.post("/login", data={"username": "intake1", "password": "jiefen-demo", "csrf": csrf(page)},
                   follow_redirects=True)
    assert res.status_code == 200 and "My tasks" in res.get_data(as_text=True)


def test_a_demo_case_reads_by_labels_not_option_codes(web, deploy_process, users):
    """The case summary and the form texts show what the form calls an option (行政争议, 属于本机关职责范围), never
    its code."""
    from sqlalchemy import select

    from app import db
    from app.demo import cases as demo_cases
    from app.models import ProcessInstance, Task
    from app.services.runtime import tasks
    deploy_process("mediation")
    demo_cases.seed_demo_cases()
    with db.transaction(write=False) as s:
        review = s.scalars(select(Task).join(ProcessInstance, ProcessInstance.id == Task.instance_id).where(
            Task.element_id == "review_application", Task.status == "open",
            ProcessInstance.search_values["applicant_name"].as_string() == "张三")).one()
        instance_id = review.instance_id
    tasks.complete(review.id, users["intake1"], {
        "review_checks": ["parties_clear", "mediable"], "review_result": "within_duties", "is_complex": False,
        "review_opinion": "经审查，符合受理条件", "other_party_consent": "consent", "consent_record": "已记录"})
    with db.transaction(write=False) as s:
        task_id = s.scalar(select(Task.id).where(Task.instance_id == instance_id, Task.element_id == "decide_acceptance"))
    sign_in(web, "head1")
    page = web.get(f"/tasks/{task_id}").get_data(as_text=True)
    summary = page[page.index("案件概要"):page.index("材料")]
    assert "<dt>争议类型</dt><dd>行政争议</dd>" in summary and "administrative" not in page
    case = web.get(f"/cases/{instance_id}").get_data(as_text=True)
    assert "<dt>争议类型</dt><dd>行政争议</dd>" in case[case.index('id="case-summary"'):]
    detail = web.get(f"/api/v1/tasks/{task_id}").json
    texts = " ".join(c.get("text", "") for c in detail["form"]["components"])
    assert detail["context"]["review_result"] == "within_duties"
    assert "审查结论：属于本机关职责范围" in texts and "within_duties" not in texts
