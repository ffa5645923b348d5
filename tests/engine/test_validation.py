"""Deploy-time validation of the process's own properties (the 案号 prefix and the searchable variables)."""
from __future__ import annotations

from app.engine.validation import validate
from tests.engine.test_specs import SINGLE, with_process_properties

FORMS = {"simple_done": {"components": []}}
ROLES = {"调解员"}


def messages(xml: str) -> list[str]:
    return [p.message for p in validate(xml, FORMS, ROLES)[1]]


def test_usable_properties_pass():
    assert messages(with_process_properties(SINGLE, businessKeyPrefix="调", searchable="applicant_name:申请人")) == []


def test_a_prefix_too_long_for_a_business_key_is_reported_at_the_process():
    xml = with_process_properties(SINGLE, businessKeyPrefix="长" * 21)
    [problem] = validate(xml, FORMS, ROLES)[1]
    assert "businessKeyPrefix" in problem.message and problem.element_id == "single_task" and problem.line == 4


def test_a_searchable_entry_that_is_not_a_variable_name_is_reported():
    assert any("searchable" in m for m in messages(with_process_properties(SINGLE, searchable="申请人, ok")))
    assert any("searchable" in m for m in messages(with_process_properties(SINGLE, searchable="1st:x")))


def test_a_party_name_the_search_does_not_index_is_reported():
    assert messages(with_process_properties(SINGLE, searchable="applicant_name:申请人", partyNames="applicant_name")) == []
    assert messages(with_process_properties(SINGLE, searchable="applicant_name:申请人", partyNames="applicant_name, x")) \
        == ["流程属性 partyNames（当事人名称变量）中的 x 不在 searchable 中，无法按名称检索"]
