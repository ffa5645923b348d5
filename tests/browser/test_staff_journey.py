"""A clerk's day in a real browser: log in, start a mediation case (a checksum error shown at its field), hand it to
the agency head, save a draft and find it again, finish the case, see the confirmation naming the next step."""
from __future__ import annotations

import json
import re

import pytest

from app import config

ID_WITH_BAD_CHECKSUM = "110105194912310021"
ID_OK = "11010519491231002X"


def form_ids(form_key: str) -> dict:
    form = json.loads((config.FORMS_DIR / f"{form_key}.json").read_text())
    ids = {}

    def walk(components):
        for c in components:
            if c.get("key"):
                ids[c["key"]] = c.get("id") or c["key"]
            walk(c.get("components", []))
    walk(form["components"])
    return ids


class FormDriver:
    """Fills a form-js form by field key."""

    def __init__(self, page, form_key: str):
        self.page, self.ids = page, form_ids(form_key)

    def el(self, key: str, suffix: str = ""):
        return self.page.locator(f'[id$="-{self.ids[key]}{suffix}"]').first

    def text(self, key: str, value: str):
        self.el(key).fill(value)

    def radio(self, key: str, index: int):
        self.page.locator(f'[id$="-{self.ids[key]}-{index}"]').check()

    def select(self, key: str, label: str):
        field = self.el(key).locator("xpath=ancestor::div[contains(@class,'fjs-form-field')][1]")
        field.locator(".fjs-input-group").click()
        field.locator(".fjs-dropdownlist-item", has_text=label).first.click()

    def date(self, key: str, iso: str):
        y, m, d = iso.split("-")
        box = self.el(key, "-date")
        box.fill(f"{m}/{d}/{y}")
        box.press("Enter")
        self.page.keyboard.press("Escape")

    def check_option(self, key: str, index: int):
        self.page.locator(f'[id$="-{self.ids[key]}-{index}"]').check()

    def error_at(self, key: str) -> str:
        field = self.el(key).locator("xpath=ancestor::div[contains(@class,'fjs-form-field')][1]")
        return field.locator(".fjs-form-field-error").inner_text()


def login(page, base: str, username: str):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "jiefen-demo")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/inbox.*"))


def logout(page):
    page.click("text=退出")
    page.wait_for_url(re.compile(r".*/login.*"))


@pytest.mark.parametrize("width,height", [(1280, 800)])
def test_mediation_case_from_registration_to_refusal(live_server, browser, deploy_process, width, height):
    deploy_process("mediation")
    page = browser.new_page(viewport={"width": width, "height": height})

    # wrong password: a clear message, still on the login page
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "intake1")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.inner_text(".flash.error")

    login(page, live_server, "intake1")
    page.click("text=发起案件")
    page.click("text=行政调解")
    page.wait_for_selector(".fjs-form-field")
    f = FormDriver(page, "mediation_start")
    f.select("case_source", "当事人申请")
    f.radio("application_form", 0)
    f.date("received_date", "2026-11-20")
    f.radio("dispute_type", 1)                      # 行政争议
    f.date("act_known_date", "2026-11-02")
    f.select("dispute_subtype", "合同纠纷")
    f.radio("applicant_type", 0)                     # 自然人
    f.text("applicant_name", "张三")
    f.text("applicant_id_number", ID_WITH_BAD_CHECKSUM)
    f.text("applicant_phone", "13812345678")
    f.text("other_party_name", "海州区某局")
    f.text("respondent_agency", "海州区某局")
    f.select("respondent_level", "县（区）人民政府工作部门")
    f.text("claims", "撤销处罚决定")
    f.text("facts", "事实与理由")
    page.click("#submit")
    page.wait_for_selector("#form-errors:not([hidden])")
    assert "校验位" in f.error_at("applicant_id_number")          # the server's checksum error, at its field
    assert "/start/mediation" in page.url                           # nothing lost: still on the form
    assert f.el("applicant_name").input_value() == "张三"
    f.text("applicant_id_number", ID_OK)
    page.click("#submit")
    page.wait_for_url(re.compile(r".*/inbox\?started=.*"))
    notice = page.inner_text("#notice")
    assert "已发起案件" in notice and "下一步" in notice

    # the review task: save a draft, leave, find it again
    page.click("table.list a")
    page.wait_for_selector(".fjs-form-field")
    r = FormDriver(page, "mediation_review")
    r.radio("review_result", 0)                    # within_duties
    r.radio("other_party_consent", 0)              # consent
    r.text("consent_record", "2026-11-20 电话征询，同意调解")
    page.click("#save-draft")
    page.wait_for_selector("#draft-status:has-text('已暂存')")
    page.goto(f"{live_server}/inbox")
    page.click("table.list a")
    page.wait_for_selector(".fjs-form-field")
    r = FormDriver(page, "mediation_review")
    assert r.el("consent_record").input_value() == "2026-11-20 电话征询，同意调解"
    page.click("#submit")
    page.wait_for_selector("#form-errors:not([hidden])")          # 审查意见 is still required
    r.text("review_opinion", "属于本机关职责范围，对方同意调解")
    page.click("#submit")
    page.wait_for_url(re.compile(r".*/inbox\?completed=.*"))
    assert "下一步" in page.inner_text("#notice") and "机关负责人" in page.inner_text("#notice")
    logout(page)

    # the agency head decides: not accepted, with reasons → the case ends
    login(page, live_server, "head1")
    assert page.locator("table.list a").count() == 1
    page.click("table.list a")
    page.wait_for_selector(".fjs-form-field")
    a = FormDriver(page, "mediation_acceptance")
    a.radio("acceptance_decision", 1)              # reject
    a.date("decision_date", "2026-11-23")
    a.text("rejection_reasons", "已超过申请期限")
    a.check_option("rejection_other_routes", 0)
    a.date("notice_date", "2026-11-23")
    page.click("#submit")
    page.wait_for_url(re.compile(r".*/inbox\?completed=.*"))
    assert "案件已办结" in page.inner_text("#notice")
    page.click("text=已办")
    assert "受理" in page.inner_text("table.list")


def test_inbox_and_task_fit_a_phone_screen(live_server, browser, deploy_process, users):
    from app.services.runtime import instances
    deploy_process("mediation")
    instances.start("mediation", users["intake1"], {
        "case_source": "application", "application_form": "written", "received_date": "2026-11-20",
        "dispute_type": "civil", "dispute_subtype": "contract", "applicant_type": "natural_person",
        "applicant_name": "李四", "applicant_id_number": ID_OK, "applicant_phone": "13812345678",
        "other_party_name": "某公司", "respondent_agency": "海州区某局", "respondent_level": "county_department",
        "claims": "赔偿", "facts": "事实"})
    page = browser.new_page(viewport={"width": 390, "height": 844})
    login(page, live_server, "intake1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    page.click("table.list a")
    page.wait_for_selector(".fjs-form-field")
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    assert page.locator("#submit").is_visible()
