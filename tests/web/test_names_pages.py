"""People by their names on the pages staff and supervisors read — never a username — and the 发起案件 menu only
for those who may start a case."""
from __future__ import annotations

import re

from sqlalchemy import select

from app import db
from app.demo import cases as demo_cases
from app.models import Task
from app.services.runtime import instances
from app.vocabulary import TaskState
from tests.web.test_pages import sign_in


def usernames_in(html: str, users: dict) -> list[str]:
    text = re.sub(r"<[^>]+>", " ", html)  # what a reader sees, not attribute names such as name="username"
    return sorted(u for u in users if re.search(rf"(?<![\w/.-]){re.escape(u)}(?![\w/.-])", text))


def test_demo_case_pages_show_names_not_usernames(web, deploy_process, users):
    deploy_process("mediation")
    demo_cases.seed_demo_cases()
    with db.transaction(write=False) as s:
        task = s.scalars(select(Task).where(Task.element_id == "mediation_session", Task.status == TaskState.OPEN)).one()
    holder = next(u for u in users.values() if u.id == task.assignee_id) if task.assignee_id else users["mediator1"]
    sign_in(web, holder.username)
    task_page = web.get(f"/tasks/{task.id}").get_data(as_text=True)
    history = task_page[task_page.index("办理记录"):]
    assert "王登记 于 " in history and "提交了 受理审查" in history and "review_application" not in history
    assert usernames_in(task_page, users) == []
    case_page = web.get(f"/cases/{task.instance_id}").get_data(as_text=True)
    assert "王登记 于 " in case_page and usernames_in(case_page, users) == []
    supervisor = web.application.test_client()
    sign_in(supervisor, "supervisor1")
    console = supervisor.get(f"/supervision/cases/{task.instance_id}").get_data(as_text=True)
    audit = console[console.index('id="audit"'):]
    assert "王登记" in audit and "提交了 受理审查" in audit
    technical = re.search(r'<pre class="json" id="variables">.*?</pre>', console, re.S).group(0)  # raw data to repair
    assert usernames_in(console.replace(technical, ""), users) == []


def test_start_menu_only_for_who_may_start(web, deploy_process):
    deploy_process("mediation")  # registered by 受理登记员
    sign_in(web, "mediator1")
    page = web.get("/inbox").get_data(as_text=True)
    assert "发起案件" not in page
    other = web.application.test_client()
    sign_in(other, "intake1")
    assert "发起案件" in other.get("/inbox").get_data(as_text=True)


def test_task_without_due_date_says_so(web, deploy, users):
    deploy("single.bpmn")  # its task has no dueDate
    case = instances.start("single_task", users["mediator1"], {})
    sign_in(web, "mediator1")
    page = web.get(f"/tasks/{case['open_tasks'][0]['id']}").get_data(as_text=True)
    assert re.search(r"办理期限：<span[^>]*>未设期限</span>", page)
