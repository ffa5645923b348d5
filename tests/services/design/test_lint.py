"""Every deploy rule fires, at the right element, with its line and a Chinese message, on a file built to break it
(tests/bpmn/lint/: valid.bpmn passes everything; each other file is valid.bpmn broken in exactly one way)."""
from __future__ import annotations

import re

import pytest

from app.http import status_of
from app import config, db
from app.engine import flow_lint, xml_safety
from app.services.design import deployments
from app.services.errors import Invalid
from tests.conftest import BPMN_DIR

LINT = BPMN_DIR / "lint"
FORMS = BPMN_DIR / "forms"
CHINESE = re.compile(r"[\u4e00-\u9fff]")

# file → (element the problem must be reported at, words the message must contain)
RULES = {
    "xsd_error.bpmn": ("end_ok", "XSD"),
    "no_start_event.bpmn": ("lint_sample", "开始事件"),
    "script_syntax.bpmn": ("script_init", "沙箱"),
    "script_sandbox.bpmn": ("script_init", "import"),
    "condition_syntax.bpmn": ("f_accept", "沙箱"),
    "timer_syntax.bpmn": ("bt_late", "沙箱"),
    "timer_unquoted.bpmn": ("bt_late", "P30D"),
    "form_missing.bpmn": ("ut_mediate", "no_such_form"),
    "gateway_field.bpmn": ("f_accept", "decison"),
    "plain_task.bpmn": ("script_init", "bpmn:task"),
    "manual_task.bpmn": ("script_init", "manualTask"),
    "event_subprocess.bpmn": ("esp_cancel", "事件子流程"),
    "gateway_default.bpmn": ("gw_result", "默认路径"),
    "default_not_outgoing.bpmn": ("gw_decision", "不是它的出线"),
    "user_task_lane.bpmn": ("ut_mediate", "泳道"),
    "user_task_form.bpmn": ("ut_mediate", "formKey"),
    "lane_role.bpmn": ("lane_mediator", "保安"),
    "unbounded_loop.bpmn": ("gw_retry", "循环"),
    "loop_task.bpmn": ("script_init", "loopMaximum"),
}


def problems_of(name: str) -> list[dict]:
    with db.transaction() as session:
        with pytest.raises(Invalid) as err:
            deployments.deploy(session, (LINT / name).read_bytes(), "tester", filename=name, forms_dir=FORMS)
    assert status_of(err.value) == 422
    return err.value.details


def test_every_file_in_the_folder_is_covered():
    assert {p.name for p in LINT.glob("*.bpmn")} == set(RULES) | {"valid.bpmn"}


def test_the_valid_sample_deploys(deploy):
    definition = deploy("lint/valid.bpmn")
    assert (definition.key, definition.version) == ("lint_sample", 1)


@pytest.mark.parametrize("name", sorted(RULES))
def test_rule_fires_at_its_element_with_line_and_chinese_message(name):
    element_id, words = RULES[name]
    found = problems_of(name)
    hits = [p for p in found if p["element_id"] == element_id and words in p["message"]]
    assert hits, found
    assert all(p["line"] and CHINESE.search(p["message"]) for p in hits), hits


@pytest.mark.parametrize("key", ["mediation", "compensation", "petition_to_review"])
def test_the_shipped_processes_pass_every_rule(key):
    with db.transaction(write=False) as session:
        _parsed, _forms, problems = deployments.check(session, (config.PROCESSES_DIR / f"{key}.bpmn").read_bytes())
    assert problems == []


def test_xsd_validation_runs():
    """SpiffWorkflow validates against BPMN20.xsd + spiffworkflow.xsd only when given its validator: prove it does."""
    text = (LINT / "valid.bpmn").read_text().replace('cancelActivity="true"', 'cancelActivity="maybe"')
    [problem] = [p for p in _problems_of_text(text) if "XSD" in p["message"]]
    assert problem["element_id"] == "bt_late" and "cancelActivity" in problem["message"]


def _problems_of_text(text: str) -> list[dict]:
    with db.transaction() as session:
        with pytest.raises(Invalid) as err:
            deployments.deploy(session, text, "tester", forms_dir=FORMS)
    return err.value.details


# ---- the loop rule, precisely ----------------------------------------------------------------------------------------
def loop_problems(script: str, condition: str) -> list:
    text = (LINT / "valid.bpmn").read_text().replace("attempts = attempts + 1", script) \
        .replace("attempts &lt; 3", condition)
    return [p for p in flow_lint.check(xml_safety.parse(text), {"approval_start": {"components": []},
                                                                "approval_register": {"components": []},
                                                                "approval_mediate": {"components": []}})
            if "循环" in p.message]


@pytest.mark.parametrize("script, condition, bounded", [
    ("attempts = attempts + 1", "attempts &lt; 3", True),                 # counter read by the gateway
    ("attempts += 1", "attempts &lt; 3", True),
    ("tries = tries + [today()]\nattempts = len(tries)", "len(tries) &lt; 3", True),
    ("attempts = attempts + 1", "today() &lt; \"2030-01-01\"", False),    # counted, but the gateway never reads it
    ("attempts = 1", "attempts &lt; 3", False),                           # read, but never incremented
])
def test_a_script_loop_needs_a_counter_its_gateway_reads(script, condition, bounded):
    found = loop_problems(script, condition)
    assert (found == []) is bounded, found


def test_counters_and_names():
    assert flow_lint.counters("n = n + 1\nm += 2\nk = 3\nxs = xs + [k]") == {"n", "m", "xs"}
    assert flow_lint.read_names('decision == "accept" and len(items) > limits["x"] and all(i for i in items)') == \
        {"decision", "items", "limits"}
    assert flow_lint.read_names("today() < add_workdays(received_date, 5)") == {"received_date"}
