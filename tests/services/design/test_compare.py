"""Comparing two deployed versions finds exactly what was changed, element by element."""
from __future__ import annotations

import json

import pytest

from app import db
from app.services.design import compare
from app.services.errors import NotFound
from tests.conftest import BPMN_DIR

APPROVAL = (BPMN_DIR / "approval.bpmn").read_text()
FORMS = {k: json.loads((BPMN_DIR / "forms" / f"{k}.json").read_text())
         for k in ("approval_start", "approval_register", "approval_mediate", "simple_done")}


def test_compare_finds_the_known_changes(deploy):
    deploy("approval.bpmn", forms=FORMS)
    changed = APPROVAL.replace('name="审查登记"', 'name="受理审查"') \
        .replace('decision == "accept"', 'decision == "accept" and not urgent') \
        .replace('add_workdays(received_date, 5)', 'add_workdays(received_date, 7)') \
        .replace('<bpmn:endEvent id="end_rejected" name="不予受理">', '<bpmn:endEvent id="end_refused" name="不予受理">') \
        .replace('<bpmn:flowNodeRef>end_rejected</bpmn:flowNodeRef>', '<bpmn:flowNodeRef>end_refused</bpmn:flowNodeRef>') \
        .replace('targetRef="end_rejected"', 'targetRef="end_refused"')
    mediate = {**FORMS["approval_mediate"], "components": FORMS["approval_mediate"]["components"] + [
        {"type": "textarea", "key": "summary", "label": "调解概要"}]}
    deploy(changed, forms={**FORMS, "approval_mediate": mediate})
    with db.transaction(write=False) as s:
        diff = compare.compare_versions(s, "approval", 1, 2)
    assert diff["added"] == [{"element_id": "end_refused", "name": "不予受理", "type": "endEvent"}]
    assert diff["removed"] == [{"element_id": "end_rejected", "name": "不予受理", "type": "endEvent"}]
    changes = {c["element_id"]: {x["property"]: (x["old"], x["new"]) for x in c["changes"]} for c in diff["changed"]}
    assert set(changes) == {"ut_register", "f_accept", "f_reject", "ut_mediate"}
    assert changes["ut_register"] == {"name": ("审查登记", "受理审查"),
                                      "dueDate": ("add_workdays(received_date, 5)", "add_workdays(received_date, 7)")}
    assert changes["f_accept"] == {"condition": ('decision == "accept"', 'decision == "accept" and not urgent')}
    assert changes["f_reject"] == {"target": ("end_rejected", "end_refused")}
    old_form, new_form = changes["ut_mediate"]["form"]
    assert new_form[:-1] == old_form and new_form[-1].startswith("summary: textarea")
    # the other way round, added and removed swap
    with db.transaction(write=False) as s:
        back = compare.compare_versions(s, "approval", 2, 1)
    assert back["added"] == diff["removed"] and back["removed"] == diff["added"]


def test_compare_reads_lanes_scripts_timers_and_flows():
    text = (BPMN_DIR / "timers.bpmn").read_text()
    other = text.replace('"P2D"', '"P3D"').replace("reminded = True", "reminded = True\nreminders = 1") \
        .replace('<bpmn:lane id="lane_m" name="调解员"><bpmn:flowNodeRef>ut_work</bpmn:flowNodeRef>',
                 '<bpmn:lane id="lane_m" name="调解员">') \
        .replace('</bpmn:lane></bpmn:laneSet>', '</bpmn:lane><bpmn:lane id="lane_h" name="机关负责人">'
                 '<bpmn:flowNodeRef>ut_work</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>')
    diff = compare.compare_documents(text, other)
    changes = {c["element_id"]: {x["property"]: (x["old"], x["new"]) for x in c["changes"]} for c in diff["changed"]}
    assert changes["bt_remind"] == {"timer": ('timeDuration: "P2D"', 'timeDuration: "P3D"')}
    assert changes["script_remind"] == {"script": ("reminded = True", "reminded = True\nreminders = 1")}
    assert changes["ut_work"] == {"lane": ("调解员", "机关负责人")}


def test_unknown_versions(deploy):
    deploy("approval.bpmn", forms=FORMS)
    with db.transaction(write=False) as s:
        with pytest.raises(NotFound):
            compare.compare_versions(s, "approval", 1, 9)
