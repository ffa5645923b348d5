"""What a deployed definition says about its process, read once when it is parsed: the 案号 prefix and the
searchable variables (process properties), with the fallbacks for a diagram that declares neither."""
from __future__ import annotations

import pytest

from app import config
from app.engine.specs import parse_definition, searchable_variables
from tests.conftest import BPMN_DIR

SINGLE = (BPMN_DIR / "single.bpmn").read_text()


def with_process_properties(xml: str, **props: str) -> str:
    """single.bpmn (or another test diagram) with spiffworkflow properties on its bpmn:process."""
    entries = "".join(f'<spiffworkflow:property name="{k}" value="{v}"/>' for k, v in props.items())
    head, sep, rest = xml.partition('isExecutable="true">')
    return (f"{head}{sep}<bpmn:extensionElements><spiffworkflow:properties>{entries}"
            f"</spiffworkflow:properties></bpmn:extensionElements>{rest}")


@pytest.mark.parametrize("key, prefix, some_searchable, party_names", [
    ("mediation", "调", {"applicant_name": "申请人", "dispute_type": "纠纷类型", "major_case": "重大案件（true/false）"},
     ("applicant_name", "enterprise_name")),
    ("compensation", "补", {"enterprise_name": "企业名称", "credit_code": "统一社会信用代码"},
     ("applicant_name", "enterprise_name")),
    ("petition_to_review", "访复", {"applicant_id_number": "身份证号码", "respondent_agency": "被申请机关"},
     ("applicant_name",)),
])
def test_the_shipped_processes_declare_their_prefix_and_searchable_variables(key, prefix, some_searchable, party_names):
    parsed = parse_definition((config.PROCESSES_DIR / f"{key}.bpmn").read_bytes())
    assert parsed.business_key_prefix == prefix
    assert some_searchable.items() <= parsed.searchable.items()
    assert parsed.party_names == party_names


def test_a_diagram_without_properties_uses_its_key_and_indexes_nothing():
    parsed = parse_definition(SINGLE)
    assert parsed.business_key_prefix == "single_task" and parsed.searchable == {} and parsed.party_names == ()


def test_properties_of_a_task_are_not_the_process_s():
    parsed = parse_definition(SINGLE.replace('name="formKey" value="simple_done"/>',
                                             'name="formKey" value="simple_done"/><spiffworkflow:property '
                                             'name="businessKeyPrefix" value="任"/>'))
    assert parsed.business_key_prefix == "single_task"


def test_declared_properties_are_read():
    parsed = parse_definition(with_process_properties(SINGLE, businessKeyPrefix=" 单 ", searchable="a:甲, b ,, c:",
                                                  partyNames=" a,, c "))
    assert parsed.business_key_prefix == "单"
    assert list(parsed.searchable.items()) == [("a", "甲"), ("b", "b"), ("c", "c")]
    assert parsed.party_names == ("a", "c")


def test_searchable_value_format():
    assert searchable_variables("") == {}
    assert searchable_variables("x:时间: 含冒号") == {"x": "时间: 含冒号"}
