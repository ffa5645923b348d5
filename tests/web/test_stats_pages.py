"""统计报送 page and API: who may see them (supervisors, 司法局, admin — over their own area), the figures and charts on
the page, the Excel download, and the errors for bad input."""
from __future__ import annotations

from datetime import datetime
from io import BytesIO
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from app.engine import clock
from app.services.reporting.stats_export import XLSX_MIME
from tests.api.conftest import client, login  # noqa: F401  (the API client and token fixtures)
from tests.processes import test_mediation as med
from tests.processes.harness import Case
from tests.web.test_pages import sign_in

BJ = clock.BEIJING
APRIL = datetime(2026, 4, 1, 9, tzinfo=BJ)


@pytest.fixture
def major_case(deploy_process, users) -> Case:
    """A major mediation case of 海州区司法局 registered on 2026-03-02 and not accepted on 2026-03-04."""
    deploy_process("mediation")
    with clock.as_of(datetime(2026, 3, 2, 9, tzinfo=BJ)):
        case = Case("mediation", users["intake1"], {**med.START, **med.MAJOR})
    with clock.as_of(datetime(2026, 3, 3, 9, tzinfo=BJ)):
        case.complete("review_application", med.review())
        case.complete("report_major_case", med.major_report())
    with clock.as_of(datetime(2026, 3, 4, 9, tzinfo=BJ)):
        case.complete("decide_acceptance", med.acceptance("reject"))
    return case


def get(client, url: str, **kwargs):
    with clock.as_of(APRIL):
        return client.get(url, **kwargs)


def test_page_shows_the_figures_charts_and_download(client, major_case):
    sign_in(client, "supervisor1")
    res = get(client, "/supervision/stats")                          # default: the last closed month
    page = res.get_data(as_text=True)
    assert res.status_code == 200
    assert "行政争议多元化解工作统计表（2026年3月）" in page and '<option value="2026-03" selected>' in page
    assert "报送期限：2026-04-25 前" in page and "统计范围：连云港市" in page
    row = page[page.index("<td data-label=\"名称\">海州区司法局</td>"):]
    cells = [c.split(">", 1)[1] for c in row.split("</tr>")[0].split("</td>")[1:-1]]
    assert cells[:12] == ["1", "0", "1", "0", "0", "0", "1", "—", "2.0", "0", "—", "1"]
    assert page.count("<svg") == 3 and "各单位收案与办结" in page and "办理结果构成" in page
    assert major_case.business_key in page and "不予受理" in page
    assert 'href="/supervision/stats.xlsx?period=2026-03"' in page
    mediation_only = get(client, "/supervision/stats?period=2026-Q1&process_key=mediation").get_data(as_text=True)
    assert "行政调解工作统计表（2026年第一季度）" in mediation_only
    client.get("/lang/en")
    english = get(client, "/supervision/stats?period=2026-03").get_data(as_text=True)
    assert "Statistics returns" in english and "Settlement rate (%)" in english and "Administrative dispute" in english


def test_page_refuses_bad_input_and_non_supervisors(client, major_case):
    sign_in(client, "mediator1")
    denied = get(client, "/supervision/stats?period=2026-03")
    assert denied.status_code == 403 and "您没有督办权限" in denied.get_data(as_text=True)
    assert get(client, "/supervision/stats.xlsx?period=2026-03").status_code == 403

    sign_in(client, "justice1")
    bad = get(client, "/supervision/stats?period=2026-13")
    assert bad.status_code == 422 and "统计期间格式不正确" in bad.get_data(as_text=True)
    assert "<select name=\"period\"" in bad.get_data(as_text=True)           # the picker stays usable
    assert get(client, "/supervision/stats?period=2026-03&format=pdf").status_code == 422
    assert get(client, "/supervision/stats?period=2026-05").status_code == 422   # not started yet
    assert get(client, "/supervision/stats.xlsx?period=x").status_code == 422


def test_xlsx_download_from_the_page(client, major_case):
    sign_in(client, "justice1")
    for url in ("/supervision/stats.xlsx?period=2026-03", "/supervision/stats?period=2026-03&format=xlsx"):
        res = get(client, url)
        assert res.status_code == 200 and res.mimetype == XLSX_MIME
        assert res.headers["Content-Disposition"] == (
            "attachment; filename=\"2026-03.xlsx\"; filename*=UTF-8''" + quote("统计报表_2026-03.xlsx"))
        ws = load_workbook(BytesIO(res.data))["统计表"]
        assert ws["A2"].value == "填报单位（盖章）：海州区司法局"
        assert [ws.cell(r, 2).value for r in range(6, 9)] == ["海州区司法局", "海州区市场监督管理局", "合计"]
        assert ws.cell(8, 3).value == 1 and ws.cell(8, 14).value == 1


def test_api_figures_xlsx_and_errors(client, login, major_case):
    sup, mediator = login("supervisor1"), login("mediator1")
    ok = get(client, "/api/v1/supervision/stats?period=2026-03", headers=sup)
    assert ok.status_code == 200
    assert ok.json["totals"]["received"] == 1 and ok.json["totals"]["not_accepted"] == 1
    assert ok.json["totals"]["major"] == 1 and ok.json["major_cases"][0]["business_key"] == major_case.business_key
    assert get(client, "/api/v1/supervision/stats?period=2026-03&process_key=compensation",
               headers=sup).json["totals"]["received"] == 0
    assert get(client, "/api/v1/supervision/stats?period=2026-03", headers=login("admin")).status_code == 200
    old_month = get(client, "/api/v1/supervision/stats?period=2025-01", headers=login("justice1"))
    assert old_month.status_code == 200 and old_month.json["scope"] == "海州区" and old_month.json["totals"]["received"] == 0

    xlsx = get(client, "/api/v1/supervision/stats.xlsx?period=2026-Q1", headers=sup)
    assert xlsx.status_code == 200 and xlsx.mimetype == XLSX_MIME
    assert xlsx.headers["Content-Disposition"] == (
        "attachment; filename=\"2026-Q1.xlsx\"; filename*=UTF-8''" + quote("统计报表_2026-Q1.xlsx"))
    assert load_workbook(BytesIO(xlsx.data))["统计表"]["A1"].value == "行政争议多元化解工作统计表（2026年第一季度）"

    forbidden = get(client, "/api/v1/supervision/stats?period=2026-03", headers=mediator)
    assert forbidden.status_code == 403 and forbidden.json["error"]["code"] == "forbidden"
    assert get(client, "/api/v1/supervision/stats.xlsx?period=2026-03", headers=mediator).status_code == 403
    assert get(client, "/api/v1/supervision/stats?period=2026-03").status_code == 401

    missing = get(client, "/api/v1/supervision/stats", headers=sup)
    assert missing.status_code == 422 and "period" in missing.json["error"]["fields"]
    bad = get(client, "/api/v1/supervision/stats?period=2026-Q7", headers=sup)
    assert bad.status_code == 422 and "统计期间格式不正确" in bad.json["error"]["message"]
    assert "period" in bad.json["error"]["fields"]
    unknown = get(client, "/api/v1/supervision/stats?period=2026-03&process_key=approval", headers=sup)
    assert unknown.status_code == 422 and "process_key" in unknown.json["error"]["fields"]
    extra = get(client, "/api/v1/supervision/stats?period=2026-03&x=1", headers=sup)
    assert extra.status_code == 422 and "x" in extra.json["error"]["fields"]
