"""A supervisor in a real browser: the overview shows an errored case, the case page shows it on the diagram with the
incident, the variables are corrected and the failed step retried; the case runs on and leaves the error tile."""
from __future__ import annotations

import re

from app.services.runtime import instances
from app.services.runtime import tasks
from tests.browser.test_staff_journey import login
from tests.services.helpers import instance, open_task


def test_overview_to_case_to_retry(live_server, browser, deploy, users):
    deploy("failing.bpmn")
    summary = instances.start("failing", users["mediator1"], {})
    case = tasks.complete(open_task(summary, "ut_input")["id"], users["mediator1"], {"divisor": 0})
    assert case["status"] == "error"

    page = browser.new_page()
    login(page, live_server, "supervisor1")
    page.click("header nav >> text=督办")
    tile = page.locator('a.tile[data-category="error"]')
    assert tile.locator("strong").inner_text() == "1"
    tile.click()
    page.wait_for_url(re.compile(r".*/supervision/cases\?category=error.*"))
    page.click(f"#cases >> text={case['business_key']}")
    page.wait_for_url(re.compile(rf".*/supervision/cases/{case['id']}$"))

    page.wait_for_selector('#diagram[data-ready="1"]')
    assert page.locator('#diagram [data-element-id="script_divide"].dg-error').count() == 1
    assert page.locator('#diagram [data-element-id="ut_input"].dg-done').count() == 1
    assert "ZeroDivisionError" in page.locator("#incident").inner_text()

    # Retry without fixing the data: it fails again and says so; nothing else changes.
    page.fill("#retry input[name=reason]", "先试一次")
    page.click("#retry button")
    assert "再次出错" in page.locator(".flash.error").inner_text()
    assert page.locator("#status").inner_text() == "出错"

    # 修改变量 through the form's own field: emptying a required number is refused at the field, 5 is saved.
    page.click("#variable-form summary")
    form = page.locator("#variable-form form")
    form.locator('input[name="v.divisor"]').fill("")
    form.locator("input[name=reason]").fill("更正除数")
    form.locator("button").click()
    assert "此项为必填项" in page.locator('#variable-form label[data-key="divisor"] .field-error').inner_text()
    assert page.locator("#status").inner_text() == "出错"

    form = page.locator("#variable-form form")
    form.locator('input[name="v.divisor"]').fill("5")
    form.locator("input[name=reason]").fill("更正除数")
    form.locator("button").click()
    page.wait_for_selector(".flash.ok")
    assert '"divisor": 5' in page.locator("#variables").inner_text()
    assert "更正除数" in page.locator("#audit").inner_text()

    page.fill("#retry input[name=reason]", "除数已更正")
    page.click("#retry button")
    page.wait_for_selector(".flash.ok")
    assert page.locator("#status").inner_text() == "办理中"
    page.wait_for_selector('#diagram[data-ready="1"]')
    assert page.locator('#diagram [data-element-id="ut_after"].dg-active').count() == 1
    assert instance(case["id"]).status == "running"

    page.click("text=卡滞概览")
    assert page.locator('a.tile[data-category="error"] strong').inner_text() == "0"
    page.close()


def test_staff_cannot_open_the_console(live_server, browser, users):
    page = browser.new_page()
    login(page, live_server, "mediator1")
    assert page.locator("header nav >> text=督办").count() == 0
    response = page.goto(f"{live_server}/supervision")
    assert response.status == 403 and "督办" in page.content()
    page.close()
