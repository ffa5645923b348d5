"""Deployment: immutable versions, identical content is a no-op, running instances keep their version; every problem
is reported with element id, line and a Chinese message; hostile XML is rejected, never expanded."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.http import status_of
from app import db
from app.models import ProcessDefinition
from app.services.design import deployments
from app.services.runtime import instances
from app.services.runtime import tasks
from app.services.errors import Invalid
from tests.conftest import BPMN_DIR
from tests.services.helpers import instance, open_task

SINGLE = (BPMN_DIR / "single.bpmn").read_text()
FORMS = BPMN_DIR / "forms"


def problems_of(xml: str) -> list[dict]:
    with db.transaction() as session:
        with pytest.raises(Invalid) as err:
            deployments.deploy(session, xml, "tester", forms_dir=FORMS)
    assert status_of(err.value) == 422
    return err.value.details


def test_identical_content_is_a_no_op_and_changed_content_a_new_version(deploy, users):
    first = deploy("single.bpmn")
    assert deploy("single.bpmn").id == first.id
    running = instances.start("single_task", users["mediator1"], {})
    second = deploy(SINGLE.replace('name="办理"', 'name="办理（新）"'))
    assert (first.version, second.version) == (1, 2)
    assert instance(running["id"]).definition_id == first.id             # the running case keeps version 1
    assert tasks.complete(open_task(running, "ut_only")["id"], users["mediator1"], {})["status"] == "completed"
    newer = instances.start("single_task", users["mediator1"], {})
    assert newer["version"] == 2 and newer["open_tasks"][0]["name"] == "办理（新）"
    with db.transaction(write=False) as s:
        assert sorted(s.scalars(select(ProcessDefinition.version).where(ProcessDefinition.key == "single_task"))) == [1, 2]


def test_changed_form_is_a_new_version_too(deploy):
    first = deploy("single.bpmn")
    form = {"components": [{"type": "textfield", "key": "remark", "label": "意见", "validate": {"required": True}}]}
    second = deploy("single.bpmn", forms={"simple_done": form})
    assert second.version == first.version + 1 and second.forms["simple_done"] == form


XXE = """<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
<bpmn:process id="p" name="&xxe;" isExecutable="true"/></bpmn:definitions>"""
LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
<bpmn:process id="p" name="&lol3;" isExecutable="true"/></bpmn:definitions>"""


@pytest.mark.parametrize("xml", [XXE, LAUGHS], ids=["xxe", "billion_laughs"])
def test_hostile_xml_is_rejected_not_expanded(xml):
    [problem] = problems_of(xml)
    assert "DOCTYPE" in problem["message"]


def test_oversized_and_malformed_files(deploy):
    assert "过大" in problems_of("<a>" + " " * (3 * 1024 * 1024) + "</a>")[0]["message"]
    problem = problems_of(SINGLE.replace("</bpmn:process>", "</bpmn:proc>"))[0]
    assert "XML 格式错误" in problem["message"] and problem["line"]


@pytest.mark.parametrize("change, element_id, words", [
    (('<bpmn:endEvent id="end" name="办结"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>',
      '<bpmn:task id="t_plain" name="无类型"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:task>'
      '<bpmn:endEvent id="end" name="办结"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>'
      '<bpmn:sequenceFlow id="f3" sourceRef="t_plain" targetRef="end"/>'), "t_plain", "bpmn:task"),
    (('value="simple_done"', 'value="no_such_form"'), "ut_only", "no_such_form"),
    (('name="调解员"', 'name="保安"'), "lane_m", "保安"),
    (('<bpmn:flowNodeRef>ut_only</bpmn:flowNodeRef>', ''), "ut_only", "泳道"),
    (('<spiffworkflow:property name="formKey" value="simple_done"/>',
      '<spiffworkflow:property name="formKey" value="simple_done"/><spiffworkflow:property name="dueDate" value="add_workdays(today(), "/>'),
     "ut_only", "沙箱"),
    (('<bpmn:endEvent id="end" name="办结">',
      '<bpmn:subProcess id="esp" triggeredByEvent="true" name="事件子流程"/><bpmn:endEvent id="end" name="办结">'), "esp", "事件子流程"),
])
def test_lint_rules_name_element_and_line(change, element_id, words):
    found = problems_of(SINGLE.replace(*change))
    assert any(p["element_id"] == element_id and words in p["message"] and p["line"] for p in found), found


def test_script_syntax_error_and_schema_error_are_located():
    xml = (BPMN_DIR / "failing.bpmn").read_text().replace("result = base / divisor", "result = = base")
    [problem] = problems_of(xml)
    assert problem["element_id"] == "script_divide" and problem["line"] and "沙箱" in problem["message"]
    bad_schema = SINGLE.replace('<bpmn:endEvent id="end" name="办结">', '<bpmn:endEvent id="end" name="办结"><bpmn:bogus/>')
    assert problems_of(bad_schema)[0]["line"]


def test_gateway_without_default_or_conditions():
    xml = (BPMN_DIR / "approval.bpmn").read_text().replace(' default="f_reject"', "")
    assert any(p["element_id"] in ("gw_decision", "f_reject") for p in problems_of(xml))


def test_unsupported_form_condition_is_reported(deploy):
    form = {"components": [{"type": "textfield", "key": "remark", "label": "意见",
                            "conditional": {"hide": "=count(items) > 2"}}]}
    with db.transaction() as session:
        with pytest.raises(Invalid) as err:
            deployments.deploy(session, SINGLE, "tester", forms={"simple_done": form})
    assert "显示条件" in err.value.details[0]["message"]
