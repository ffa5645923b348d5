"""统计报送: a month of real cases driven through the three procedures (the real diagrams and forms, each step done by
the person it is meant for, the clock pinned), and the figures of that month checked against numbers computed by hand
from the timeline below. The month's report is then run again after the clock has moved on and more happened in the
next month: the figures are identical.

March 2026 (Beijing time; "→" = the event the figures count):
  M0 mediation, registered Feb 26, 受理 Mar 2 09:00                       → accepted (registered in February)
  M1 mediation, registered Mar 2 09:00, 受理 Mar 4, 调解协议 Mar 20 15:00   → received, accepted, succeeded (18.25 days)
  M2 mediation (civil), Mar 3 09:00, 移送 Mar 5 09:00                      → received, transferred (2 days)
  M3 mediation, Mar 9 09:00, 不予受理 Mar 12 09:00                          → received, not accepted (3 days)
  M4 mediation, major, 市政府工作部门 → 连云港市司法局 (第三十九条), Mar 10 09:00,
     对方不同意调解 Mar 11 09:00                                          → received, not accepted (1 day), major
  M5 mediation, Mar 16 09:00, 受理 Mar 18, 终止调解 Mar 30 09:00            → received, accepted, terminated (14 days)
  M6 mediation, Mar 25 09:00, 受理决定 still open at the month's end (due Apr 1)  → received
  M7 mediation, Mar 2 10:00, 审查 due Mar 5 done Mar 9 09:00 (3.375 days late),
     受理 due Mar 9 done Mar 10 12:00 (0.5 days late)                     → received, accepted, overdue (1.9 days)
  C1 compensation (海州区市场监督管理局), Mar 2 09:00, 核查不符合条件 Mar 16 09:00 → received, not accepted (14 days)
  C2 compensation, Mar 5 09:00, 核查符合 Mar 16 10:00, 协商协议 Mar 25 09:00 → received, accepted, succeeded (20 days)
  P1 petition (连云港市信访局), Mar 4 09:00, 导入其他法定途径 Mar 6 09:00     → received, transferred (2 days)
"""
from __future__ import annotations

import copy

from datetime import datetime
from io import BytesIO
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from app.http import status_of
from app import db
from app.engine import clock
from app.services.people import access
from app.services.design import deployments
from app.services.reporting import counting, periods, stats
from app.services.reporting import stats_export
from app.services.errors import Invalid
from tests.processes import test_compensation as comp
from tests.processes import test_mediation as med
from tests.processes import test_petition_to_review as pet
from tests.processes.harness import Case

BJ = clock.BEIJING


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BJ)


def do(case: Case, when: datetime, element_id: str, data: dict) -> None:
    with clock.as_of(when):
        case.complete(element_id, data)


def mediation(users, when: datetime, base: dict = med.START, **changes) -> Case:
    data = {**base, "received_date": when.date().isoformat(), **changes}
    with clock.as_of(when):
        return Case("mediation", users["intake1"], data)


def compensation(users, when: datetime) -> Case:
    with clock.as_of(when):
        return Case("compensation", users["comp1"], {**comp.START, "received_date": when.date().isoformat()})


def accept(case: Case, reviewed: datetime, accepted: datetime, day: str) -> None:
    do(case, reviewed, "review_application", med.review())
    do(case, accepted, "decide_acceptance", med.acceptance("accept", day))


def prepare(case: Case, assigned: datetime, investigated: datetime) -> None:
    do(case, assigned, "assign_mediators", med.assign())
    do(case, investigated, "investigate", med.investigation(investigated.date().isoformat()))


@pytest.fixture
def march(deploy_process, users) -> dict[str, Case]:
    deploy_process("mediation", "compensation", "petition_to_review")
    cases = {}
    cases["M0"] = m0 = mediation(users, at(2, 26))
    do(m0, at(2, 27, 10), "review_application", med.review())
    do(m0, at(3, 2), "decide_acceptance", med.acceptance("accept", "2026-03-02"))

    cases["M1"] = m1 = mediation(users, at(3, 2))
    accept(m1, at(3, 3, 10), at(3, 4, 10), "2026-03-04")
    prepare(m1, at(3, 4, 15), at(3, 5, 10))
    do(m1, at(3, 20, 10), "mediation_session", med.session("agreement"))
    do(m1, at(3, 20, 15), "draft_agreement", med.agreement())

    cases["M2"] = m2 = mediation(users, at(3, 3), med.CIVIL_START)
    do(m2, at(3, 4, 10), "review_application", med.review("not_within_duties"))
    do(m2, at(3, 5), "transfer_case", med.transfer("2026-03-05"))

    cases["M3"] = m3 = mediation(users, at(3, 9))
    do(m3, at(3, 10, 10), "review_application", med.review())
    do(m3, at(3, 12), "decide_acceptance", med.acceptance("reject", "2026-03-12"))

    cases["M4"] = m4 = mediation(users, at(3, 10), respondent_level="municipal_department", **med.MAJOR)
    do(m4, at(3, 11), "review_application", med.review("within_duties", "refuse", day="2026-03-11"))
    do(m4, at(3, 11, 15), "report_major_case", med.major_report("2026-03-11"))

    cases["M5"] = m5 = mediation(users, at(3, 16))
    accept(m5, at(3, 17, 10), at(3, 18, 10), "2026-03-18")
    prepare(m5, at(3, 18, 15), at(3, 19, 10))
    do(m5, at(3, 27, 10), "mediation_session", med.session("terminate", "2026-03-27"))
    do(m5, at(3, 30), "terminate_mediation", med.termination("no_agreement", "2026-03-30"))

    cases["M6"] = m6 = mediation(users, at(3, 25))
    do(m6, at(3, 26, 10), "review_application", med.review())

    cases["M7"] = m7 = mediation(users, at(3, 2, 10))
    accept(m7, at(3, 9), at(3, 10, 12), "2026-03-10")

    cases["C1"] = c1 = compensation(users, at(3, 2))
    do(c1, at(3, 16), "task_verify", comp.verify("not_eligible", day="2026-03-16"))
    do(c1, at(3, 18, 10), "task_refusal_notice", comp.refusal_notice("2026-03-18"))

    cases["C2"] = c2 = compensation(users, at(3, 5))
    do(c2, at(3, 16, 10), "task_verify", comp.verify("eligible", day="2026-03-16"))
    do(c2, at(3, 20, 10), "task_negotiate", comp.negotiate("agreement", "2026-03-20"))
    do(c2, at(3, 25), "task_agreement", comp.agreement(day="2026-03-25"))

    with clock.as_of(at(3, 4)):
        cases["P1"] = p1 = Case("petition_to_review", users["petition1"], pet.start_data(
            SimpleNamespace(petition_received="2026-03-04", date_known="2026-03-01")))
    do(p1, at(3, 5), "assess_petition", pet.assessment("other_procedure", "2026-03-05"))
    do(p1, at(3, 6), "route_other_procedure", pet.other_route("2026-03-06"))
    return cases


def run_report(user, period: str, when: datetime, process_key: str | None = None) -> dict:
    with clock.as_of(when), db.transaction(write=False) as s:
        return stats.report(s, access.supervision_org_ids(s, user), period, process_key)


def figures(**given) -> dict:
    row = {"received": 0, "accepted": 0, "not_accepted": 0, "transferred": 0, "succeeded": 0, "terminated": 0,
           "concluded": 0, "success_rate": None, "avg_days": None, "overdue": 0, "overdue_days": None, "major": 0}
    return {**row, **given}


def rows(report: dict, part: str) -> dict:
    return {r["name"]: {k: r[k] for k in figures()} for r in report[part]}


MARCH_TOTALS = figures(received=10, accepted=5, not_accepted=3, transferred=2, succeeded=2, terminated=1, concluded=8,
                       success_rate=66.7, avg_days=9.3, overdue=1, overdue_days=1.9, major=1)


def test_a_seeded_month_matches_the_hand_computed_figures(march, users):
    report = run_report(users["supervisor1"], "2026-03", at(4, 1, 8))
    assert report["period"] == {"code": "2026-03", "kind": "month", "label": "2026年3月", "first_day": "2026-03-01",
                                "last_day": "2026-03-31", "closed": True, "as_of": "2026-04-01T00:00:00+08:00",
                                "due": "2026-04-25"}
    assert report["scope"] == "连云港市"
    assert report["totals"] == MARCH_TOTALS
    assert rows(report, "organisations") == {
        "连云港市司法局": figures(received=1, not_accepted=1, concluded=1, avg_days=1.0, major=1),
        "连云港市信访局": figures(received=1, transferred=1, concluded=1, avg_days=2.0),
        "连云港市人民政府行政复议机构": figures(),
        "海州区司法局": figures(received=6, accepted=4, not_accepted=1, transferred=1, succeeded=1, terminated=1,
                          concluded=4, success_rate=50.0, avg_days=9.3, overdue=1, overdue_days=1.9),
        "海州区市场监督管理局": figures(received=2, accepted=1, not_accepted=1, succeeded=1, concluded=2,
                               success_rate=100.0, avg_days=17.0),
        "连云区司法局": figures(),
    }
    assert [r["name"] for r in report["organisations"]][:2] == ["连云港市司法局", "连云港市信访局"]  # tree order
    assert rows(report, "dispute_types") == {
        "与行政管理职能相关的民事纠纷": figures(received=1, transferred=1, concluded=1, avg_days=2.0),
        "行政争议": figures(received=8, accepted=5, not_accepted=3, succeeded=2, terminated=1, concluded=6,
                        success_rate=66.7, avg_days=11.7, overdue=1, overdue_days=1.9, major=1),
        "未分类": figures(received=1, transferred=1, concluded=1, avg_days=2.0),
    }
    assert rows(report, "by_process") == {
        "行政调解": figures(received=7, accepted=4, not_accepted=2, transferred=1, succeeded=1, terminated=1,
                        concluded=5, success_rate=50.0, avg_days=7.7, overdue=1, overdue_days=1.9, major=1),
        "涉企合同补偿": figures(received=2, accepted=1, not_accepted=1, succeeded=1, concluded=2, success_rate=100.0,
                          avg_days=17.0),
        "信访导入行政复议": figures(received=1, transferred=1, concluded=1, avg_days=2.0),
    }
    assert report["major_cases"] == [{
        "instance_id": march["M4"].id, "business_key": march["M4"].business_key, "process": "行政调解",
        "organisation": "连云港市司法局", "applicant_name": "张三", "dispute_type": "行政争议",
        "registered_on": "2026-03-10", "major_on": "2026-03-10", "standing": "不予受理"}]


class RolledBack(Exception):
    pass


def test_dispute_types_are_named_as_the_deployed_form_names_them(march, users):
    """The rows of dispute types are the options of the dispute_type field in the deployed forms: a new version that
    renames an option renames its row and the major cases' type, the cases of the older version included."""
    with pytest.raises(RolledBack), clock.as_of(at(4, 1, 8)), db.transaction() as s:
        latest = deployments.latest_definition(s, "mediation")
        assert counting.dispute_type_labels(s) == {"civil": "与行政管理职能相关的民事纠纷", "administrative": "行政争议"}
        forms = copy.deepcopy(latest.forms)
        [field] = [c for c in forms["mediation_start"]["components"] if c.get("key") == "dispute_type"]
        field["values"] = [{**o, "label": "行政争议（含行政协议）"} if o["value"] == "administrative" else o
                           for o in field["values"]]
        deployments.deploy(s, latest.bpmn_xml, "tester", forms=forms)
        report = stats.report(s, access.supervision_org_ids(s, users["supervisor1"]), "2026-03")
        assert [r["name"] for r in report["dispute_types"]] == ["与行政管理职能相关的民事纠纷", "行政争议（含行政协议）", "未分类"]
        assert report["major_cases"][0]["dispute_type"] == "行政争议（含行政协议）"
        raise RolledBack


def test_scope_and_process_filter(march, users):
    hz = run_report(users["justice1"], "2026-03", at(4, 1, 8))       # 海州区司法局 supervises 海州区 only
    assert hz["scope"] == "海州区"
    assert [r["name"] for r in hz["organisations"]] == ["海州区司法局", "海州区市场监督管理局"]
    assert hz["totals"] == figures(received=8, accepted=5, not_accepted=2, transferred=1, succeeded=2, terminated=1,
                                   concluded=6, success_rate=66.7, avg_days=11.9, overdue=1, overdue_days=1.9)
    assert hz["major_cases"] == []
    only = run_report(users["supervisor1"], "2026-03", at(4, 1, 8), "mediation")
    assert only["totals"] == rows(only, "by_process")["行政调解"] and only["totals"]["received"] == 7
    assert [p["code"] for p in only["processes"]] == ["mediation"]


def test_the_month_is_reproducible_after_more_happened(march, users):
    first = run_report(users["supervisor1"], "2026-03", at(4, 1, 8))
    quarter = run_report(users["supervisor1"], "2026-Q1", at(4, 1, 8))
    assert quarter["totals"]["received"] == 11 and quarter["totals"]["accepted"] == 5   # M0 was registered in February

    # April: a new case, M6 accepted late, M1's performance tracked, M5 archived, M7 mediated
    m8 = mediation(users, at(4, 1))
    accept(m8, at(4, 2, 10), at(4, 3, 10), "2026-04-03")
    do(march["M6"], at(4, 3), "decide_acceptance", med.acceptance("accept", "2026-04-03"))
    do(march["M1"], at(4, 10), "track_performance", med.performance())
    do(march["M5"], at(4, 1, 10), "archive_case", med.archive("2026-04-01"))
    prepare(march["M7"], at(4, 2), at(4, 2, 15))
    do(march["M7"], at(4, 8), "mediation_session", med.session("agreement", "2026-04-08"))
    do(march["M7"], at(4, 8, 15), "draft_agreement", med.agreement("2026-04-08", "2026-04-30"))
    assert march["M5"].status == "completed" and m8.status == "running"

    again = run_report(users["supervisor1"], "2026-03", at(5, 1))
    assert again == first
    assert run_report(users["supervisor1"], "2026-Q1", at(5, 20)) == quarter
    april = run_report(users["supervisor1"], "2026-04", at(5, 1))
    assert (april["totals"]["received"], april["totals"]["accepted"], april["totals"]["succeeded"]) == (1, 2, 1)
    # M6: 受理决定 due Apr 1 (end of day), done Apr 3 09:00; M1: 履行跟踪 due Apr 10, done on the day
    assert (april["totals"]["overdue"], april["totals"]["overdue_days"]) == (1, 1.4)


def test_an_open_period_counts_up_to_now(march, users):
    midway = run_report(users["supervisor1"], "2026-03", at(3, 10, 11))
    assert midway["period"]["closed"] is False and midway["period"]["as_of"] == "2026-03-10T11:00:00+08:00"
    # by then: M1, M2, M3, M7, C1, C2, P1, M4 registered; M0 and M1 accepted; M2 and P1 transferred;
    # nobody refused yet; M7's 审查 (due Mar 5) done late on Mar 9, its 受理决定 (due Mar 9) still open: 11 hours late
    assert {k: midway["totals"][k] for k in ("received", "accepted", "not_accepted", "transferred", "overdue")} == \
        {"received": 8, "accepted": 2, "not_accepted": 0, "transferred": 2, "overdue": 1}
    assert midway["totals"]["overdue_days"] == round((3.375 + 11 / 24) / 2, 1)


def test_bad_and_future_periods_are_refused(users, database_url):
    for bad in ("2026-13", "2026-Q5", "26-03", "2026/03", "", "2026-H3"):
        with pytest.raises(Invalid) as err:
            run_report(users["supervisor1"], bad, at(4, 1))
        assert status_of(err.value) == 422 and "统计期间格式不正确" in err.value.message and "period" in err.value.fields
    with pytest.raises(Invalid, match="尚未开始"):
        run_report(users["supervisor1"], "2026-05", at(4, 30))
    with pytest.raises(Invalid, match="没有程序"):
        run_report(users["supervisor1"], "2026-03", at(4, 1), "approval")
    assert periods.parse_period("2026-H2").label == "2026年下半年"
    assert (periods.parse_period("2026-Q4").first_day.isoformat(), periods.parse_period("2026-Q4").end_day.isoformat()) \
        == ("2026-10-01", "2027-01-01")


def test_xlsx_is_the_return_a_justice_bureau_submits(march, users):
    report = run_report(users["supervisor1"], "2026-03", at(4, 1, 8))
    content = stats_export.to_xlsx(report, unit="连云港市司法局", filled_on=datetime(2026, 4, 3).date())
    wb = load_workbook(BytesIO(content))
    assert wb.sheetnames == ["统计表", "按纠纷类型", "按程序", "重大案件", "指标说明"]
    ws = wb["统计表"]
    assert ws["A1"].value == "行政争议多元化解工作统计表（2026年3月）"
    assert ws["A2"].value == "填报单位（盖章）：连云港市司法局"
    assert "2026-03-01 至 2026-03-31" in ws.cell(2, 8).value
    assert [ws.cell(4, c).value for c in (1, 2, 3, 4, 7)] == ["序号", "单位", "收案", "受理情况", "办理结果"]
    assert [ws.cell(5, c).value for c in range(4, 10)] == ["受理", "不予受理", "移送", "调解成功", "终止", "办结"]
    table = {ws.cell(r, 2).value: [ws.cell(r, c).value for c in range(3, 15)] for r in range(6, 13)}
    assert table["海州区司法局"] == [6, 4, 1, 1, 1, 1, 4, 50, 9.3, 1, 1.9, 0]
    assert table["连云区司法局"] == [0, 0, 0, 0, 0, 0, 0, "—", "—", 0, "—", 0]
    assert table["合计"] == [10, 5, 3, 2, 2, 1, 8, 66.7, 9.3, 1, 1.9, 1]
    footer = [ws.cell(14, c).value for c in range(1, 15) if ws.cell(14, c).value]
    assert footer == ["填报人：", "审核人：", "填报日期：2026年4月3日"]
    types = wb["按纠纷类型"]
    assert [types.cell(r, 2).value for r in range(6, 10)] == ["与行政管理职能相关的民事纠纷", "行政争议", "未分类", "合计"]
    major = wb["重大案件"]
    assert [major.cell(4, c).value for c in range(1, 10)] == [
        1, march["M4"].business_key, "行政调解", "连云港市司法局", "张三", "行政争议", "2026-03-10", "2026-03-10", "不予受理"]
    assert wb["指标说明"]["A2"].value == "收案" and "登记" in wb["指标说明"]["B2"].value
