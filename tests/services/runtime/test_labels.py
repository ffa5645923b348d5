"""The option lookup: every select, radio and checklist of the shipped procedures' forms read by its label."""
from __future__ import annotations

import pytest

from app.i18n import Text
from app.services.design import deployments
from app.services.runtime.forms import input_components
from app.services.runtime.labels import resolve_texts, value_labels

PROCESSES = ("mediation", "compensation", "petition_to_review")


@pytest.mark.parametrize("key", PROCESSES)
def test_every_option_field_of_a_shipped_process_has_its_labels(deploy_process, session, key):
    deploy_process(key)
    definition = deployments.latest_definition(session, key)
    labels = value_labels(session, definition.id)
    fields = [c for form in definition.forms.values() for c in input_components(form)
              if c["type"] in ("select", "radio", "checklist") and c.get("values")]
    assert fields
    for comp in fields:
        for option in comp["values"]:
            assert labels.label(comp["key"], option["value"]) == labels.options[comp["key"]][option["value"]]
            assert labels.options[comp["key"]][option["value"]] not in (None, "")
    assert value_labels(session, definition.id) is labels  # cached per definition


def test_labels_of_values_lists_booleans_and_messages(deploy_process, session):
    deploy_process("mediation")
    labels = value_labels(session, deployments.latest_definition(session, "mediation").id)
    assert labels.label("dispute_type", "administrative") == "行政争议"
    assert labels.label("review_result", "within_duties") == "属于本机关职责范围"
    assert labels.label("dispute_type", "unknown_code") == "unknown_code"  # an old code stays readable as stored
    assert labels.label("applicant_name", "张三") == "张三"
    yes = labels.label("anything", True)
    assert isinstance(yes, Text) and str(yes) == "是" and str(labels.label("anything", False)) == "否"
    assert labels.message("mediation_request") == "补偿协商未果转入调解"  # the event that receives it
    assert labels.label("outcome", "terminated") == "终止调解"  # a code a script sets: named by the diagram
    assert labels.message("not_declared") == "not_declared"


def test_form_texts_quote_the_label_of_a_coded_variable(deploy_process, session):
    deploy_process("mediation")
    definition = deployments.latest_definition(session, "mediation")
    labels = value_labels(session, definition.id)
    form = definition.forms["mediation_acceptance"]
    shown = resolve_texts(form, labels, {"review_result": "within_duties", "review_opinion": "符合受理条件"})
    texts = " ".join(c["text"] for c in shown["components"] if c.get("type") == "text")
    assert "审查结论：属于本机关职责范围" in texts and "{{review_result}}" not in texts
    assert "{{review_opinion}}" in texts  # free text is left to form-js
    assert "{{review_result}}" in " ".join(c.get("text", "") for c in form["components"])  # the deployed form unchanged


def test_a_message_is_named_by_the_event_that_waits_for_it(deploy_process, session):
    deploy_process("compensation")
    labels = value_labels(session, deployments.latest_definition(session, "compensation").id)
    assert labels.message("enterprise_litigation") == "企业提起诉讼、复议或仲裁"  # the boundary event catching it
    assert labels.message("mediation_request") not in (None, "mediation_request")  # only thrown here: the thrower
    assert labels.label("outcome", "refused") == "不予补偿"  # the same code means what its own process says
