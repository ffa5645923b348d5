"""Phone fields: one server-side rule (app/services/runtime/phones.py) accepts what clerks type and stores one spelling;
every phone field of the shipped forms uses it, and none carries a browser rule that could contradict it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.services.errors import Invalid
from app.services.runtime import forms
from tests.processes.test_compensation import Run
from tests.test_i18n import english

FORM = {"components": [{"type": "textfield", "key": "phone", "label": "联系电话", "validate": {"required": True},
                        "properties": {"check": "phone"}}]}
MESSAGE = "电话号码格式不正确：手机号为 11 位，座机请加区号，如 025-12345678"

ACCEPTED = [
    ("13912345678", "13912345678"),
    ("139 1234 5678", "13912345678"),
    ("139-1234-5678", "13912345678"),
    ("+86 139 1234 5678", "13912345678"),
    ("+8613912345678", "13912345678"),
    ("0086-139-1234-5678", "13912345678"),
    ("86 13912345678", "13912345678"),
    ("１３９１２３４５６７８", "13912345678"),             # full-width digits from a Chinese input method
    (" 17712345678 ", "17712345678"),
    ("025-12345678", "025-12345678"),
    ("02512345678", "025-12345678"),
    ("025 8888 6666", "025-88886666"),
    ("(025) 8888-6666", "025-88886666"),
    ("+86 25 8888 6666", "025-88886666"),
    ("0086-25-8888-6666", "025-88886666"),
    ("010-12345678-123", "010-12345678-123"),
    ("025-8888 6666 转 12", "025-88886666-12"),
    ("025-88886666分机8", "025-88886666-8"),
    ("0518 8555 1234 ext 99", "0518-85551234-99"),
    ("0518-85551234", "0518-85551234"),
    ("0512-6123456", "0512-6123456"),
    ("400-123-4567", "400-123-4567"),
    ("800 820 8820", "800-820-8820"),
    ("4001234567", "400-123-4567"),
]
REFUSED = [
    "12912345678",         # no mobile prefix 12
    "1391234567",          # 10 digits
    "139123456789",        # 12 digits
    "013912345678",        # a mobile number with a landline 0
    "00861395123",         # too short even with 0086
    "+4930664040900",      # an international number form-js's "phone" rule wants
    "+1 202 555 0100",
    "25-88886666",         # area code without its 0
    "025-123456",          # local number too short
    "025-08886666",        # local numbers do not start with 0
    "0000-1234567",
    "025-88886666 转",     # extension word without a number
    "电话",
    "abc",
]


@pytest.mark.parametrize("typed, stored", ACCEPTED)
def test_accepted_numbers_are_stored_in_one_spelling(typed, stored):
    assert forms.validate_submission(FORM, {"phone": typed}) == {"phone": stored}


@pytest.mark.parametrize("typed", REFUSED)
def test_refused_numbers_get_a_sentence_at_the_field(typed):
    with pytest.raises(Invalid) as caught:
        forms.validate_submission(FORM, {"phone": typed})
    assert caught.value.render()["fields"] == {"phone": MESSAGE}
    assert caught.value.render(english)["fields"]["phone"].startswith("Invalid phone number: a mobile number has 11")


def test_a_draft_normalises_too_and_an_empty_draft_field_stays_empty():
    assert forms.validate_submission(FORM, {"phone": "+86 139 1234 5678"}, partial=True) == {"phone": "13912345678"}
    assert forms.validate_submission(FORM, {"phone": ""}, partial=True) == {"phone": ""}


def test_a_registration_stores_the_phone_number_normalised(deploy_process, users):
    deploy_process("compensation", "mediation")
    assert Run(users, {"contact_phone": "+86 139 1234 5678"}).variables["contact_phone"] == "13912345678"
    with pytest.raises(Invalid) as caught:
        Run(users, {"contact_phone": "+4930664040900"})
    assert caught.value.render()["fields"] == {"contact_phone": MESSAGE}


def test_form_js_phone_validation_type_is_refused_at_deploy():
    form = {"components": [{"type": "textfield", "key": "p", "validate": {"validationType": "phone"}}]}
    assert forms.structure_problems(form) == [
        "components[0] 的 validate.validationType 为 phone 时浏览器只接受国际号码，请删除并改用 properties.check = phone"]


def _phone_fields():
    def walk(components):
        for comp in components:
            if comp.get("type") == "textfield" and ("电话" in comp.get("label", "") or "phone" in comp.get("key", "")):
                yield comp
            yield from walk(comp.get("components") or [])
    for path in sorted(Path(__file__).parents[3].joinpath("forms").glob("*.json")):
        for comp in walk(json.loads(path.read_text(encoding="utf-8"))["components"]):
            yield path.name, comp


def test_every_phone_field_of_the_shipped_forms_uses_the_one_rule():
    found = list(_phone_fields())
    assert {name for name, _ in found} >= {"compensation_register.json", "mediation_start.json",
                                           "petition_registration.json", "petition_review_application.json"}
    for name, comp in found:
        rules = comp.get("validate") or {}
        assert (comp.get("properties") or {}).get("check") == "phone", (name, comp["key"])
        assert not {"pattern", "validationType", "maxLength", "minLength"} & set(rules), (name, comp["key"])
