"""The case history as a clerk reads it: display names, step names from the diagram, action words, Beijing time."""
from __future__ import annotations

from datetime import datetime, timezone

from app import db
from app.engine import clock
from app.i18n import translator
from app.models import ProcessInstance
from app.services.inbox import collab, pages
from app.services.inbox.history import case_history, when
from app.services.runtime import instances, tasks
from app.services.supervision import console, repairs
from tests.api.conftest import START
from tests.services.helpers import open_task


def sentences(instance_id: int, language: str = "zh") -> list[str]:
    gettext = translator(language)
    with db.transaction(write=False) as s:
        history = case_history(s, s.get(ProcessInstance, instance_id))
    return [e["text"].render(gettext) for e in history["entries"]]


def test_history_reads_as_sentences_with_names_steps_and_beijing_time(deploy, users):
    deploy("approval.bpmn")
    # 02:05 UTC is 10:05 in Beijing
    with clock.as_of(datetime(2026, 12, 3, 2, 5, tzinfo=timezone.utc)):
        started = instances.start("approval", users["intake1"], START)
        register = open_task(started, "ut_register")
        tasks.claim(register["id"], users["intake1"])
        collab.add_comment(register["id"], users["intake1"], "材料齐全")
        summary = tasks.complete(register["id"], users["intake1"], {"decision": "accept", "claim_amount": 1200})
        mediate = open_task(summary, "ut_mediate")
        repairs.reassign(mediate["id"], users["supervisor1"], "mediator2", "休假")
        repairs.suspend(started["id"], users["supervisor1"], "等待材料")
        assert sentences(started["id"]) == [
            "王登记 于 12月3日 10:05 发起了案件",
            "王登记 于 12月3日 10:05 签收了 审查登记",
            "王登记 于 12月3日 10:05 在 审查登记 添加了意见",
            "王登记 于 12月3日 10:05 提交了 审查登记",
            "刘督办 于 12月3日 10:05 将 组织调解 改派给 赵调解",
            "刘督办 于 12月3日 10:05 挂起了案件",
        ]
        assert sentences(started["id"], "en")[3] == "王登记 submitted 审查登记 on 12/3 10:05"
        with db.transaction(write=False) as s:
            entries = case_history(s, s.get(ProcessInstance, started["id"]))["entries"]
        assert [e["reason"] for e in entries][-2:] == ["休假", "等待材料"]
        assert (entries[-1]["who"], entries[-1]["did"].render()) == ("刘督办", "挂起了案件")


def test_reset_names_the_step_and_time_shows_the_year_of_an_older_case(deploy, users):
    deploy("stall.bpmn")
    started = instances.start("stall", users["mediator1"], {})
    tasks.complete(open_task(started, "ut_first")["id"], users["mediator1"], {"remark": "已办"})
    repairs.reset(started["id"], users["supervisor1"], "ut_first", "汇合条件有误")
    last = sentences(started["id"])[-1]
    assert last.startswith("刘督办 于 ") and last.endswith("将案件回退到 办理")
    with clock.as_of(datetime(2027, 1, 5, tzinfo=clock.BEIJING)):
        assert when(datetime(2026, 12, 31, 16, 30, tzinfo=timezone.utc)).render() == "1月1日 00:30"
        assert when(datetime(2026, 12, 3, 2, 5, tzinfo=timezone.utc)).render() == "2026年12月3日 10:05"


def test_pages_name_people_never_by_username(deploy, users):
    deploy("approval.bpmn")
    started = instances.start("approval", users["intake1"], START)
    register = open_task(started, "ut_register")
    tasks.claim(register["id"], users["intake1"])
    collab.upload(register["id"], users["intake1"], "申请书.pdf", "application/pdf", b"%PDF")
    with db.transaction(write=False) as s:
        task_page = pages.task_page(s, users["intake1"], register["id"])
        case = console.case_page(s, users["supervisor1"], started["id"])
    assert (task_page["task"]["assignee"], task_page["task"]["assignee_name"]) == ("intake1", "王登记")
    assert task_page["history"]["attachments"][0]["uploaded_by_name"] == "王登记"
    assert [e["who"] for e in case["history"]] == ["王登记", "王登记", "王登记"]
    assert case["tasks"][0]["assignee"] == "王登记"
