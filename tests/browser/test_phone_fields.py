"""The 涉企合同补偿 registration in Chromium takes Chinese phone numbers as a clerk types them: no complaint in the page
(form-js's international "phone" rule is not used), the case is started and the number is stored in one spelling."""
from __future__ import annotations

import re

import pytest

from tests.browser.test_staff_journey import FormDriver, login

CREDIT_CODE = "913207064CL12TH3BG"


@pytest.mark.parametrize("typed, stored", [("0086-139-1234-5678", "13912345678"),
                                           ("025-8888 6666 转 12", "025-88886666-12")])
def test_compensation_registration_accepts_chinese_phone_numbers(live_server, browser, deploy_process, typed, stored):
    deploy_process("compensation", "mediation")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    login(page, live_server, "comp1")
    page.goto(f"{live_server}/start/compensation")
    page.wait_for_selector(".fjs-form-field")
    f = FormDriver(page, "compensation_register")
    f.text("contact_phone", typed)
    f.el("contact_phone").blur()
    phone_field = f.el("contact_phone").locator("xpath=ancestor::div[contains(@class,'fjs-form-field')][1]")
    assert phone_field.locator(".fjs-form-field-error").count() == 0

    f.text("enterprise_name", "连云港某某新能源科技有限公司")
    f.text("credit_code", CREDIT_CODE)
    f.select("enterprise_type", "民营企业")
    f.text("legal_representative", "王某某")
    f.text("counterparty_agency", "海州区市场监督管理局")
    f.select("counterparty_level", "县（区）人民政府工作部门")
    f.select("instrument_type", "行政协议")
    f.select("contract_field", "招商引资")
    f.text("instrument_name", "新能源产业园项目投资协议")
    f.text("instrument_number", "海招协〔2024〕8号")
    f.date("instrument_date", "2024-05-10")
    f.select("cause_type", "政策发生变化")
    f.text("cause_document", "海政发〔2025〕20号")
    f.date("cause_date", "2025-11-01")
    f.text("damage_description", "区域规划调整致项目用地不能交付")
    f.radio("prior_proceeding", 0)                 # 均未提起
    f.text("loss_items", "设备定金、厂房设计费")
    f.text("claimed_direct_loss", "300000")
    f.text("claimed_sunk_cost", "150000")
    f.text("claimed_other_loss", "50000")
    f.date("received_date", "2026-03-02")
    page.click("#submit")
    page.wait_for_url(re.compile(r".*/inbox\?started=\d+"))
    case_id = re.search(r"started=(\d+)", page.url).group(1)
    detail = page.evaluate("async id => (await (await fetch('/api/v1/process-instances/' + id)).json())", case_id)
    assert detail["variables"]["contact_phone"] == stored
