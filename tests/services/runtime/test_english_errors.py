"""Runtime errors are Chinese templates that render in English through the catalogue, numbers and status names included
(the catalogue itself is checked whole in tests/test_i18n.py)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.services.errors import Conflict, Forbidden, Invalid
from app.services.runtime import forms, instances, permissions
from tests.test_i18n import english

FORM = {"components": [
    {"type": "textfield", "key": "name", "label": "姓名", "validate": {"required": True, "minLength": 2}},
    {"type": "number", "key": "amount", "label": "金额", "validate": {"max": 100}},
    {"type": "textfield", "key": "id_number", "label": "身份证号码", "properties": {"check": "id_card"}},
]}


def test_a_form_error_is_chinese_and_renders_in_english_with_its_numbers():
    with pytest.raises(Invalid) as caught:
        forms.validate_submission(FORM, {"name": "张", "amount": 500, "id_number": "123"})
    err = caught.value
    assert err.message == "表单填写有误，请按提示修改"
    assert err.render()["fields"] == {"name": "至少 2 个字", "amount": "不能大于 100",
                                      "id_number": "身份证号码应为 18 位，最后一位可为 X"}
    rendered = err.render(english)
    assert rendered == {"message": "The form has errors; please correct them", "details": [],
                       "fields": {"name": "Too short: at least 2 characters", "amount": "Too large: at most 100",
                                  "id_number": "An ID number must have 18 characters (the last may be X)"}}


def test_a_refusal_renders_in_english():
    with pytest.raises(Forbidden) as caught:
        permissions.require_assigner(SimpleNamespace(role_codes={"clerk"}))
    assert caught.value.message == "只有机关负责人或督办领导可以指派任务"
    assert caught.value.render(english)["message"] == "Only agency heads and supervisors may assign tasks"


def test_form_structure_problems_are_chinese_with_the_place_named():
    problems = forms.structure_problems({"components": [{"type": "textfield", "validate": {"min": "x"}}]})
    assert problems == ["components[0]（textfield）缺少 key", "components[0] 的 validate.min 应为数字"]


def test_a_wrong_status_names_the_status_in_the_readers_language(deploy, users):
    deploy("failing.bpmn")
    summary = instances.start("failing", users["mediator1"], {})
    with pytest.raises(Conflict) as caught:
        instances.retry(summary["id"], users["admin"], reason="x")
    assert caught.value.code == "wrong_status" and caught.value.message == "案件当前状态为“办理中”，不能重试"
    assert caught.value.render(english)["message"] == "The case is in progress; it cannot be retried"
