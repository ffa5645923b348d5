"""Downloads with Chinese file names in a real browser: the supervisor's 统计报表 .xlsx from the 统计报送 page and a
material uploaded under a Chinese name on the task page arrive under that name (RFC 6266/5987 Content-Disposition)."""
from __future__ import annotations

from openpyxl import load_workbook

from app.services.inbox import collab
from tests.browser.test_staff_journey import login
from tests.processes import test_mediation as med
from tests.processes.harness import Case
from tests.web.test_stats_pages import major_case  # noqa: F401  (a major case of March 2026)


def test_supervisor_downloads_the_excel_return(live_server, browser, major_case, tmp_path):  # noqa: F811
    page = browser.new_page()
    login(page, live_server, "supervisor1")
    page.click("header nav >> text=督办")
    page.click("text=统计报送")
    assert page.locator("#download-xlsx").count() == 1                    # the default period's report
    page.goto(f"{live_server}/supervision/stats?period=2026-03")          # the case's month (the picker may not reach)
    assert "（2026年3月）" in page.locator("h1").inner_text()
    with page.expect_download() as info:
        page.click("text=下载 Excel 报表")
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename == "统计报表_2026-03.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = load_workbook(saved)["统计表"]
    assert sheet["A1"].value == "行政争议多元化解工作统计表（2026年3月）"
    assert sheet["A2"].value == "填报单位（盖章）：连云港市司法局"
    assert [sheet.cell(r, c).value for r, c in ((9, 2), (9, 3), (12, 2), (12, 3))] == ["海州区司法局", 1, "合计", 1]
    page.close()


def test_material_with_a_chinese_name_downloads_under_it(live_server, browser, deploy_process, users):
    deploy_process("mediation")
    case = Case("mediation", users["intake1"], med.START)
    task = case.task("review_application")
    name = "调解申请书（张三）.pdf"
    collab.upload(task.id, users["intake1"], name, "application/pdf", b"%PDF-1.4 jiefen")

    page = browser.new_page()
    login(page, live_server, case.user_for(task).username)
    page.goto(f"{live_server}/tasks/{task.id}")
    with page.expect_download() as info:
        page.click(f"text={name}")
    download = info.value
    assert download.failure() is None and download.suggested_filename == name
    assert open(download.path(), "rb").read() == b"%PDF-1.4 jiefen"
    page.close()
