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
