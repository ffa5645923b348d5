"""Scenario tests for processes/mediation.bpmn: one test per path in docs/clauses.md (行政调解, §2).

Every case runs on the real diagram with the real forms, driven through the services as the people the tasks are
meant for (role × organisation), with the clock pinned so that legal dates are reproducible. Timers fire only
through the worker's tick.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.util.task import TaskState

from app import db
from app.engine import clock
from app.models import ProcessInstance
from app.services.runtime import commands
from app.services.runtime import messages
from tests.processes.harness import Case, eligible_users, org_code

BJ = clock.BEIJING
ID_CARD = "320706197901209702"       # valid GB 11643 checksum
CREDIT_CODE = "913207064CL12TH3BG"   # valid GB 32100 checksum

START = {
    "case_source": "application", "application_form": "written", "received_date": "2026-03-02",
    "dispute_type": "administrative", "dispute_subtype": "discretion",
    "applicant_type": "natural_person", "applicant_name": "张三", "applicant_id_number": ID_CARD,
    "applicant_phone": "13800138000", "other_party_name": "海州区市场监督管理局", "respondent_agency": "海州区市场监督管理局",
    "respondent_level": "county_department", "act_document_number": "海市监罚〔2026〕12号", "act_date": "2026-02-10",
    "act_known_date": "2026-02-12", "claims": "撤销罚款决定", "claim_amount": 5000, "facts": "申请人对罚款金额有异议",
    "major_case": False,
}
CIVIL_START = {**{k: v for k, v in START.items() if not k.startswith("act_")}, "dispute_type": "civil",
               "dispute_subtype": "consumer", "other_party_name": "某商贸公司", "respondent_agency": "海州区市场监督管理局"}
MAJOR = {"major_case": True, "major_case_reasons": ["many_people", "stability_risk"], "people_count": 60}


# ---- form data, one builder per form (only valid, visible fields) ---------------------------------------------------
def review(result="within_duties", consent="consent", is_complex=False, day="2026-03-03") -> dict:
    data = {"review_checks": ["parties_clear", "mediable"], "review_result": result, "is_complex": is_complex,
            "review_opinion": "经审查，符合第三十一条的规定"}
    if result != "not_within_duties":
        data.update(other_party_consent=consent, consent_record="电话联系对方当事人，已记录")
        if consent == "refuse":
            data.update(refusal_notice_date=day, refusal_other_routes=["administrative_review", "administrative_lawsuit"])
    return data


def coordination(mode="joint", result="handle_here", day="2026-03-04") -> dict:
    data = {"coordination_mode": mode, "related_units": "海州区市场监督管理局、海州区住房和城乡建设局",
            "coordination_date": day, "coordination_result": result, "coordination_opinion": "协调会议纪要"}
    if mode == "escalate":
        data["escalated_to"] = "海州区人民政府"
    if result == "designated_other":
        data["designated_agency"] = "海州区住房和城乡建设局"
    return data


def acceptance(decision="accept", day="2026-03-04") -> dict:
    data = {"acceptance_decision": decision, "decision_date": day, "notice_date": day}
    if decision == "reject":
        data.update(rejection_reasons="不符合受理条件", rejection_other_routes=["administrative_review"])
    else:
        data.update(deadline_warning_given=True, rights_duties_notified=True)
    return data


def assign(**extra) -> dict:
    return {"mediator_1": "李调解", "mediator_2": "赵调解", "head_presides": False, "mediation_place": "海州区司法局调解室",
            "first_session_date": "2026-03-10", "recusal_requested": False, **extra}


def investigation(day="2026-03-05") -> dict:
    return {"investigation_methods": ["review_documents", "interview_parties"], "investigation_date": day,
            "investigation_record": "调查笔录", "facts_found": "查明的事实"}


def session(result, day="2026-03-20", **extra) -> dict:
    data = {"session_date": day, "session_participants": "双方当事人、调解员", "session_record": "调解笔录",
            "session_result": result}
    if result == "recommend_head":
        data.update(head_recommendation_ground="decision_needed", head_recommendation_text="建议负责人直接参与化解")
    return {**data, **extra}


def head_participation(day="2026-03-25") -> dict:
    return {"head_participation_date": day, "head_participant": "陈局长", "head_participation_form": "meeting",
            "head_opinion": "同意调整方案"}


def extension(consent="both_consent", days=None) -> dict:
    data = {"parties_consent_extension": consent}
    if consent == "both_consent":
        data["extension_consent_record"] = "双方书面同意延期"
        if days is not None:
            data["extension_days"] = days
    return data


def termination(reason="no_agreement", day="2026-03-20") -> dict:
    return {"termination_date": day, "termination_reason": reason, "termination_detail": "调解不成",
            "termination_other_routes": ["administrative_review", "administrative_lawsuit"],
            "termination_notice_date": day}


def agreement(day="2026-03-20", performance_deadline="2026-04-10") -> dict:
    return {"agreement_number": "海司调协〔2026〕1号", "agreement_date": day, "dispute_facts": "争议事实",
            "agreement_terms": "协议内容", "performance_manner": "一次性支付", "performance_deadline": performance_deadline,
            "agreement_amount": 3000, "signed_and_sealed": True}


def confirmation(applied="applied", day="2026-03-25") -> dict:
    data = {"confirmation_applied": applied}
    if applied == "applied":
        data.update(confirmation_application_date=day, confirmation_court="海州区人民法院")
    return data


def court_ruling(ruling="valid", day="2026-04-01") -> dict:
    return {"court_ruling": ruling, "ruling_date": day, "court_case_number": "(2026)苏0706民特1号"}


def performance(status="fulfilled") -> dict:
    return {"performance_status": status, "performance_urged": False, "performance_note": "已按期履行"}


def followup(day="2026-04-26") -> dict:
    return {"followup_date": day, "followup_method": "phone", "followup_person": "李调解", "followup_respondent": "张三",
            "followup_performance_status": "fulfilled", "satisfaction": "satisfied", "followup_note": "回访记录"}


def archive(day="2026-04-28") -> dict:
    return {"archive_number": "海司调档〔2026〕1号", "archive_date": day,
            "archived_materials": ["application", "acceptance", "session_records"], "archivist": "王登记"}


def major_report(day="2026-03-03") -> dict:
    return {"major_report_date": day, "major_report_method": "system", "major_report_content": "涉及六十人的重大案件",
            "coordination_guidance": "行调办跟踪指导"}


def transfer(day="2026-03-04") -> dict:
    return {"transfer_target": "海州区住房和城乡建设局", "transfer_mode": "transfer", "transfer_reasons": "不属于本机关职责",
            "transfer_date": day, "applicant_notified": True, "applicant_notice_date": day}


# ---- helpers ----------------------------------------------------------------------------------------------------------
def at(y, m, d, h=10, minute=0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=BJ)


def end_of(y, m, d) -> datetime:
    """A due date on day d means: until the day ends in Beijing (next day 00:00)."""
    return datetime(y, m, d, tzinfo=BJ) + timedelta(days=1)


def do(case: Case, when: datetime, element_id: str, data: dict) -> dict:
    with clock.as_of(when):
        return case.complete(element_id, data)


def start(users, data: dict, when: datetime = None, starter: str = "intake1") -> Case:
    with clock.as_of(when or at(2026, 3, 2, 9)):
        return Case("mediation", users[starter], data)


def check_task(case: Case, element_id: str, role: str, org: str, due: datetime | None = None, users_expected=None):
    task = case.task(element_id)
    assert task.candidate_role == role, (element_id, task.candidate_role)
    assert org_code(task.organisation_id) == org, (element_id, org_code(task.organisation_id))
    assert task.due_at == due, (element_id, task.due_at, due)
    eligible = [u.username for u in eligible_users(task)]
    assert eligible, f"nobody may act on {element_id}"
    if users_expected is not None:
        assert eligible == users_expected, (element_id, eligible)
    return task


def end_events(case: Case) -> list[str]:
    """Ids of the end events the instance reached (read from the engine state)."""
    with db.transaction(write=False) as s:
        rt = commands.restore(s, s.get(ProcessInstance, case.id))
    return [t.task_spec.bpmn_id for t in rt.wf.get_tasks(state=TaskState.COMPLETED) if isinstance(t.task_spec, EndEvent)]


def open_ids(case: Case) -> list[str]:
    return sorted(t.element_id for t in case.open_tasks())


def assert_finished(case: Case, outcome: str, end_event: str, path: list[str]):
    assert case.path() == path
    assert case.status == "completed"
    assert case.open_tasks() == []
    assert case.instance.next_timer_due is None
    assert case.variables["outcome"] == outcome
    assert end_events(case) == [end_event]


A = ["review_application", "decide_acceptance", "assign_mediators", "investigate"]


def accept_and_prepare(case: Case, org="hz_sfj", decision_date="2026-03-04", received=(2026, 3, 2),
                       review_data=None, assign_data=None):
    """Path A: review (within duties, consent) → accept → assign mediators → investigate; checks each task."""
    check_task(case, "review_application", "intake", "hz_sfj", end_of(2026, 3, 5), ["intake1"])
    do(case, at(2026, 3, 3), "review_application", review_data or review())
    check_task(case, "decide_acceptance", "agency_head", org, end_of(2026, 3, 9))
    do(case, at(2026, 3, 4), "decide_acceptance", acceptance("accept", decision_date))
    check_task(case, "assign_mediators", "agency_head", org, None)
    do(case, at(2026, 3, 4, 15), "assign_mediators", assign_data or assign())
    check_task(case, "investigate", "mediator", org, None)
    do(case, at(2026, 3, 5), "investigate", investigation())


def finish_agreement(case: Case, org="hz_sfj", performance_deadline=(2026, 4, 10), others=()):
    """track_performance → 回访 timer (not due just before, due just after) → followup_visit → archive_case.
    `others`: tasks of the parallel report branch that stay open meanwhile."""
    pd = "%04d-%02d-%02d" % performance_deadline
    check_task(case, "track_performance", "mediator", org, end_of(*performance_deadline))
    do(case, at(*performance_deadline), "track_performance", performance())
    assert open_ids(case) == sorted(others) and case.status == "running"
    followup_at = end_of(*performance_deadline) + timedelta(days=15)            # end_of_day(deadline + followup_days)
    assert case.instance.next_timer_due == followup_at
    assert case.tick(followup_at - timedelta(hours=1)) == 0
    assert open_ids(case) == sorted(others)
    assert case.tick(followup_at + timedelta(minutes=1)) == 1
    check_task(case, "followup_visit", "mediator", org, None)
    day = followup_at.date()
    do(case, at(day.year, day.month, day.day), "followup_visit", followup(day.isoformat()))
    check_task(case, "archive_case", "mediator", org, None)
    assert case.variables["performance_deadline"] == pd
    do(case, at(day.year, day.month, day.day) + timedelta(days=2), "archive_case", archive())


# ---- §2 paths -----------------------------------------------------------------------------------------------------------
def test_agreement_administrative(deploy_process, users):
    deploy_process("mediation")
    case = start(users, START)
    data = case.variables
    assert data["review_deadline"] == "2026-04-13" and data["lawsuit_deadline"] == "2026-08-12"
    assert data["handling_organisation"] == "hz_sfj" and data["intake_organisation"] == "hz_sfj"
    assert data["mediation_basis"].startswith("第三十九条第二款")
    assert data["major_case"] is False and data["limits"]["accept_days"] == 5
    assert open_ids(case) == ["review_application"]
    assert case.task("review_application").priority == 0
    accept_and_prepare(case)
    assert case.variables["mediation_deadline"] == "2026-04-03"
    assert case.variables["mediation_start_date"] == "2026-03-04"
    check_task(case, "mediation_session", "mediator", "hz_sfj", end_of(2026, 4, 3))
    assert case.instance.next_timer_due == end_of(2026, 4, 3)                   # timer_mediation_period armed
    do(case, at(2026, 3, 20), "mediation_session", session("agreement"))
    check_task(case, "draft_agreement", "mediator", "hz_sfj", None)
    assert case.instance.next_timer_due is None                                 # the period timer left with the task
    do(case, at(2026, 3, 20, 15), "draft_agreement", agreement())
    assert case.variables["confirmation_applied"] == "not_applicable"          # administrative: no 司法确认
    finish_agreement(case)
    assert_finished(case, "agreement", "end_agreement", A + ["mediation_session", "draft_agreement", "track_performance",
                                                             "followup_visit", "archive_case"])
    data = case.variables
    assert data["sessions"] == [{"no": 1, "date": "2026-03-20", "result": "agreement"}]
    assert data["review_deadline"] == "2026-04-13" and data["lawsuit_deadline"] == "2026-08-12"
    assert data["handling_organisation"] == "hz_sfj"


def test_transferred_not_within_duties(deploy_process, users):
    deploy_process("mediation")
    case = start(users, START)
    do(case, at(2026, 3, 3), "review_application", review("not_within_duties"))
    check_task(case, "transfer_case", "intake", "hz_sfj", end_of(2026, 3, 5), ["intake1"])
    do(case, at(2026, 3, 4), "transfer_case", transfer())
    assert_finished(case, "transferred", "end_transferred", ["review_application", "transfer_case"])
    assert "other_party_consent" not in case.variables                         # hidden field: not stored


def test_cross_department_designated_other(deploy_process, users):
    deploy_process("mediation")
    case = start(users, START)
    do(case, at(2026, 3, 3), "review_application", review("cross_department"))
    check_task(case, "coordinate_joint", "agency_head", "hz_sfj", None, ["head1"])
    do(case, at(2026, 3, 4), "coordinate_joint", coordination("escalate", "designated_other"))
    check_task(case, "transfer_case", "intake", "hz_sfj", end_of(2026, 3, 5))
    do(case, at(2026, 3, 5), "transfer_case", transfer("2026-03-05"))
    assert_finished(case, "transferred", "end_transferred", ["review_application", "coordinate_joint", "transfer_case"])
    assert case.variables["designated_agency"] == "海州区住房和城乡建设局"


def test_cross_department_joint_then_not_accepted(deploy_process, users):
    deploy_process("mediation")
    case = start(users, START)
    do(case, at(2026, 3, 3), "review_application", review("cross_department"))
    do(case, at(2026, 3, 4), "coordinate_joint", coordination("joint", "handle_here"))
    # cross-department: 10 working days from 2026-03-02
    check_task(case, "decide_acceptance", "agency_head", "hz_sfj", end_of(2026, 3, 16), ["head1"])
    do(case, at(2026, 3, 10), "decide_acceptance", acceptance("reject", "2026-03-10"))
    assert_finished(case, "not_accepted", "end_not_accepted", ["review_application", "coordinate_joint", "decide_acceptance"])


def test_other_party_refused(deploy_process, users):
    deploy_process("mediation")
    case = start(users, START)
    do(case, at(2026, 3, 3), "review_application", review("within_duties", "refuse"))
    assert_finished(case, "other_party_refused", "end_other_party_refused", ["review_application"])
    assert case.variables["refusal_other_routes"] == ["administrative_review", "administrative_lawsuit"]


def test_not_accepted_complex_deadline(deploy_process, users):
    deploy_process("mediation")
    case = start(users, START)
    do(case, at(2026, 3, 3), "review_application", review(is_complex=True))
    check_task(case, "decide_acceptance", "agency_head", "hz_sfj", end_of(2026, 3, 16), ["head1"])
    do(case, at(2026, 3, 12), "decide_acceptance", acceptance("reject", "2026-03-12"))
    assert_finished(case, "not_accepted", "end_not_accepted", ["review_application", "decide_acceptance"])
    assert case.variables["is_complex"] is True


def test_terminated_by_mediator(deploy_process, users):
    deploy_process("mediation")
    case = start(users, {**START, "case_source": "own_initiative", "application_form": None})
    accept_and_prepare(case)
    do(case, at(2026, 3, 20), "mediation_session", session("terminate"))
    check_task(case, "terminate_mediation", "mediator", "hz_sfj", None)
    do(case, at(2026, 3, 21), "terminate_mediation", termination("no_agreement", "2026-03-21"))
    check_task(case, "archive_case", "mediator", "hz_sfj", None)
    do(case, at(2026, 3, 23), "archive_case", archive("2026-03-23"))
    assert_finished(case, "terminated", "end_terminated", A + ["mediation_session", "terminate_mediation", "archive_case"])
    data = case.variables
    assert data["case_source"] == "own_initiative" and "application_form" not in data   # hidden for own_initiative
    assert data["termination_other_routes"] == ["administrative_review", "administrative_lawsuit"]


def test_period_expired_extension_then_terminated(deploy_process, users):
    deploy_process("mediation")
    case = start(users, START)
    accept_and_prepare(case)
    # 1st expiry: end_of_day(2026-04-03)
    assert case.instance.next_timer_due == end_of(2026, 4, 3)
    assert case.tick(at(2026, 4, 3, 23, 59)) == 0
    assert open_ids(case) == ["mediation_session"]
    assert case.tick(end_of(2026, 4, 3) + timedelta(minutes=1)) == 1
    assert open_ids(case) == ["decide_extension"]
    assert [t.status for t in case.tasks() if t.element_id == "mediation_session"] == ["cancelled"]
    check_task(case, "decide_extension", "mediator", "hz_sfj", None)
    do(case, at(2026, 4, 4), "decide_extension", extension("both_consent", 10))
    data = case.variables
    assert data["mediation_deadline"] == "2026-04-13" and data["extension_count"] == 1
    check_task(case, "mediation_session", "mediator", "hz_sfj", end_of(2026, 4, 13))
    do(case, at(2026, 4, 8), "mediation_session", session("continue", "2026-04-08"))
    check_task(case, "mediation_session", "mediator", "hz_sfj", end_of(2026, 4, 13))
    # 2nd expiry: no days given → limits["extension_days"] (30)
    assert case.tick(at(2026, 4, 13, 23, 59)) == 0
    assert case.tick(end_of(2026, 4, 13) + timedelta(minutes=1)) == 1
    do(case, at(2026, 4, 14), "decide_extension", extension("both_consent"))
    data = case.variables
    assert data["mediation_deadline"] == "2026-05-13" and data["extension_count"] == 2
    check_task(case, "mediation_session", "mediator", "hz_sfj", end_of(2026, 5, 13))
    # 3rd expiry: both consent, but extension_count == max_extensions → terminate
    assert case.tick(end_of(2026, 5, 13) + timedelta(minutes=1)) == 1
    do(case, at(2026, 5, 14), "decide_extension", extension("both_consent", 20))
    check_task(case, "terminate_mediation", "mediator", "hz_sfj", None)
    do(case, at(2026, 5, 15), "terminate_mediation", termination("period_expired", "2026-05-15"))
    do(case, at(2026, 5, 18), "archive_case", archive("2026-05-18"))
    assert_finished(case, "terminated", "end_terminated",
                    A + ["decide_extension", "mediation_session", "decide_extension", "decide_extension",
                         "terminate_mediation", "archive_case"])
    data = case.variables
    assert data["extensions"] == [{"no": 1, "days": 10, "new_deadline": "2026-04-13"},
                                  {"no": 2, "days": 30, "new_deadline": "2026-05-13"}]
    assert data["extension_count"] == 2 and data["mediation_deadline"] == "2026-05-13"
    assert data["sessions"] == [{"no": 1, "date": "2026-04-08", "result": "continue"}]


def test_period_expired_no_consent(deploy_process, users):
    deploy_process("mediation")
    case = start(users, START)
    accept_and_prepare(case)
    assert case.tick(at(2026, 4, 3, 23, 59)) == 0
    assert case.tick(end_of(2026, 4, 3) + timedelta(minutes=1)) == 1
    check_task(case, "decide_extension", "mediator", "hz_sfj", None)
    do(case, at(2026, 4, 7), "decide_extension", extension("not_consent"))
    assert case.variables["extension_count"] == 0
    do(case, at(2026, 4, 7, 15), "terminate_mediation", termination("period_expired", "2026-04-07"))
    do(case, at(2026, 4, 9), "archive_case", archive("2026-04-09"))
    assert_finished(case, "terminated", "end_terminated",
                    A + ["decide_extension", "terminate_mediation", "archive_case"])
    assert case.variables["sessions"] == []


def test_head_participation_then_agreement(deploy_process, users):
    deploy_process("mediation")
    case = start(users, START)
    accept_and_prepare(case)
    do(case, at(2026, 3, 12), "mediation_session", session("recommend_head", "2026-03-12"))
    # no head_organisation chosen: the handling organisation's head
    check_task(case, "head_participation", "agency_head", "hz_sfj", None, ["head1"])
    assert case.instance.next_timer_due is None                                 # no session open: no period timer
    do(case, at(2026, 3, 16), "head_participation", head_participation("2026-03-16"))
    check_task(case, "mediation_session", "mediator", "hz_sfj", end_of(2026, 4, 3))
    do(case, at(2026, 3, 18), "mediation_session", session("continue", "2026-03-18"))
    do(case, at(2026, 3, 20), "mediation_session", session("agreement"))
    do(case, at(2026, 3, 20, 15), "draft_agreement", agreement())
    finish_agreement(case)
    assert_finished(case, "agreement", "end_agreement",
                    A + ["mediation_session", "head_participation", "mediation_session", "mediation_session",
                         "draft_agreement", "track_performance", "followup_visit", "archive_case"])
    assert [s["result"] for s in case.variables["sessions"]] == ["recommend_head", "continue", "agreement"]


def test_head_participation_respondent_agency_head(deploy_process, users):
    deploy_process("mediation")
    case = start(users, START)
    accept_and_prepare(case)
    do(case, at(2026, 3, 12), "mediation_session", session("recommend_head", "2026-03-12", head_organisation="hz_scjg"))
    check_task(case, "head_participation", "agency_head", "hz_scjg", None, ["head_scjg"])
    assert users["head1"].username not in [u.username for u in eligible_users(case.task("head_participation"))]
    do(case, at(2026, 3, 16), "head_participation", head_participation("2026-03-16"))
    assert case.path()[-1] == "head_participation"
    assert [t.completed_by for t in case.tasks() if t.element_id == "head_participation"] == ["head_scjg"]
    # the mediation goes on in the handling organisation
    check_task(case, "mediation_session", "mediator", "hz_sfj", end_of(2026, 4, 3))
    do(case, at(2026, 3, 18), "mediation_session", session("terminate", "2026-03-18"))
    do(case, at(2026, 3, 19), "terminate_mediation", termination("no_agreement", "2026-03-19"))
    do(case, at(2026, 3, 20), "archive_case", archive("2026-03-20"))
    assert_finished(case, "terminated", "end_terminated",
                    A + ["mediation_session", "head_participation", "mediation_session", "terminate_mediation",
                         "archive_case"])
    assert case.variables["head_organisation"] == "hz_scjg"


def test_head_participation_district_government_has_a_head(deploy_process, users):
    deploy_process("mediation")
    case = start(users, START)
    accept_and_prepare(case)
    do(case, at(2026, 3, 12), "mediation_session", session("recommend_head", "2026-03-12", head_organisation="hz"))
    task = case.task("head_participation")
    assert task.candidate_role == "agency_head" and org_code(task.organisation_id) == "hz"
    assert eligible_users(task), "nobody but the admin may act on head_participation for 海州区人民政府"


def _civil_to_agreement(deploy_process, users, result="agreement", performance_deadline="2026-04-10") -> Case:
    deploy_process("mediation")
    case = start(users, CIVIL_START)
    data = case.variables
    assert data["review_deadline"] is None and data["lawsuit_deadline"] is None and data["act_known_date"] is None
    accept_and_prepare(case)
    do(case, at(2026, 3, 20), "mediation_session", session(result))
    do(case, at(2026, 3, 20, 15), "draft_agreement", agreement(performance_deadline=performance_deadline))
    # 司法确认: within 30 days of 2026-03-20
    check_task(case, "record_confirmation_application", "mediator", "hz_sfj", end_of(2026, 4, 19))
    assert case.instance.next_timer_due == end_of(2026, 4, 19)
    return case


def test_civil_judicial_confirmation_valid(deploy_process, users):
    case = _civil_to_agreement(deploy_process, users)
    do(case, at(2026, 3, 25), "record_confirmation_application", confirmation("applied"))
    check_task(case, "record_court_ruling", "mediator", "hz_sfj", None)
    assert case.instance.next_timer_due is None
    do(case, at(2026, 4, 1), "record_court_ruling", court_ruling("valid"))
    finish_agreement(case)
    assert_finished(case, "agreement", "end_agreement",
                    A + ["mediation_session", "draft_agreement", "record_confirmation_application",
                         "record_court_ruling", "track_performance", "followup_visit", "archive_case"])
    data = case.variables
    assert data["confirmation_applied"] == "applied" and data["court_ruling"] == "valid"
    assert data["review_deadline"] is None and data["lawsuit_deadline"] is None


def test_civil_confirmation_declined(deploy_process, users):
    case = _civil_to_agreement(deploy_process, users)
    do(case, at(2026, 3, 25), "record_confirmation_application", confirmation("declined"))
    finish_agreement(case)
    assert_finished(case, "agreement", "end_agreement",
                    A + ["mediation_session", "draft_agreement", "record_confirmation_application",
                         "track_performance", "followup_visit", "archive_case"])
    assert case.variables["confirmation_applied"] == "declined"
    assert "court_ruling" not in case.variables


def test_civil_confirmation_window_lapses_partial_agreement(deploy_process, users):
    case = _civil_to_agreement(deploy_process, users, "partial_agreement", performance_deadline="2026-05-10")
    assert case.tick(at(2026, 4, 19, 23, 59)) == 0
    assert open_ids(case) == ["record_confirmation_application"]
    assert case.tick(end_of(2026, 4, 19) + timedelta(minutes=1)) == 1
    assert [t.status for t in case.tasks() if t.element_id == "record_confirmation_application"] == ["cancelled"]
    assert case.variables["confirmation_applied"] == "lapsed"
    finish_agreement(case, performance_deadline=(2026, 5, 10))                 # 回访 timer at 2026-05-26 00:00
    assert_finished(case, "agreement_partial", "end_agreement_partial",
                    A + ["mediation_session", "draft_agreement", "track_performance", "followup_visit", "archive_case"])
    assert case.variables["confirmation_applied"] == "lapsed"


def test_major_case_parallel_report_late(deploy_process, users):
    deploy_process("mediation")
    case = start(users, {**START, **MAJOR})
    assert open_ids(case) == ["report_major_case", "review_application"]
    report = check_task(case, "report_major_case", "justice_admin", "hz_sfj", end_of(2026, 3, 3), ["justice1"])
    assert report.priority == 20 and case.task("review_application").priority == 10
    accept_and_prepare(case)
    do(case, at(2026, 3, 20), "mediation_session", session("agreement"))
    do(case, at(2026, 3, 20, 15), "draft_agreement", agreement())
    finish_agreement(case, others=["report_major_case"])
    # main path done; the report branch still holds the join
    assert case.status == "running" and open_ids(case) == ["report_major_case"]
    assert case.instance.next_timer_due is None
    do(case, at(2026, 4, 29), "report_major_case", major_report("2026-04-29"))
    assert_finished(case, "agreement", "end_agreement",
                    A + ["mediation_session", "draft_agreement", "track_performance", "followup_visit", "archive_case",
                         "report_major_case"])
    data = case.variables                                                       # the join kept the main path's data
    assert data["sessions"] == [{"no": 1, "date": "2026-03-20", "result": "agreement"}]
    assert data["performance_deadline"] == "2026-04-10" and data["archive_number"] == "海司调档〔2026〕1号"
    assert data["major_case"] is True and data["major_report_method"] == "system"


def test_major_case_main_path_data_visible_while_report_pending(deploy_process, users):
    deploy_process("mediation")
    case = start(users, {**START, **MAJOR})
    do(case, at(2026, 3, 3), "review_application", review("not_within_duties"))
    do(case, at(2026, 3, 4), "transfer_case", transfer())
    assert open_ids(case) == ["report_major_case"]
    assert case.instance.search_values.get("outcome") == "transferred"
    assert case.variables.get("outcome") == "transferred"
    assert case.variables.get("transfer_target") == "海州区住房和城乡建设局"


def test_major_case_report_early_then_refused(deploy_process, users):
    deploy_process("mediation")
    case = start(users, {**START, **MAJOR})
    do(case, at(2026, 3, 2, 11), "report_major_case", major_report("2026-03-02"))
    assert case.status == "running" and open_ids(case) == ["review_application"]
    do(case, at(2026, 3, 3), "review_application", review("within_duties", "refuse"))
    assert_finished(case, "other_party_refused", "end_other_party_refused", ["report_major_case", "review_application"])


def test_major_case_transferred_report_pending_blocks_only_completion(deploy_process, users):
    deploy_process("mediation")
    case = start(users, {**START, **MAJOR})
    do(case, at(2026, 3, 3), "review_application", review("not_within_duties"))
    do(case, at(2026, 3, 4), "transfer_case", transfer())
    assert case.status == "running" and open_ids(case) == ["report_major_case"]
    do(case, at(2026, 3, 5), "report_major_case", major_report("2026-03-05"))
    assert_finished(case, "transferred", "end_transferred", ["review_application", "transfer_case", "report_major_case"])


def test_municipal_routing_art39(deploy_process, users):
    deploy_process("mediation")
    case = start(users, {**START, **MAJOR, "respondent_level": "municipal_department", "respondent_agency": "连云港市自然资源局"})
    data = case.variables
    assert data["handling_organisation"] == "lyg_sfj" and data["intake_organisation"] == "hz_sfj"
    assert data["mediation_basis"].startswith("第三十九条第一款")
    assert org_code(case.instance.organisation_id) == "lyg_sfj"
    check_task(case, "report_major_case", "justice_admin", "lyg_sfj", end_of(2026, 3, 3), ["justice_city"])
    accept_and_prepare(case, org="lyg_sfj")                                    # review at hz_sfj, the rest at lyg_sfj
    assert [t.completed_by for t in case.tasks() if t.status == "completed"] == \
        ["intake1", "head_city", "head_city", "mediator_city"]
    check_task(case, "mediation_session", "mediator", "lyg_sfj", end_of(2026, 4, 3), ["mediator_city"])
    do(case, at(2026, 3, 20), "mediation_session", session("terminate"))
    do(case, at(2026, 3, 20, 11), "report_major_case", major_report("2026-03-20"))
    check_task(case, "terminate_mediation", "mediator", "lyg_sfj", None, ["mediator_city"])
    do(case, at(2026, 3, 21), "terminate_mediation", termination("no_agreement", "2026-03-21"))
    check_task(case, "archive_case", "mediator", "lyg_sfj", None, ["mediator_city"])
    do(case, at(2026, 3, 23), "archive_case", archive("2026-03-23"))
    assert_finished(case, "terminated", "end_terminated",
                    A + ["mediation_session", "report_major_case", "terminate_mediation", "archive_case"])
    assert case.variables["handling_organisation"] == "lyg_sfj"


REFERRAL = {  # the shape compensation.bpmn throws (docs/clauses.md, 涉企合同补偿); no business_key
    "source_case": "补〔2026〕00007号", "source_process": "compensation", "case_source": "compensation_referral",
    "category": "行政争议", "dispute_type": "administrative", "dispute_subtype": "admin_compensation",
    "handling_organisation": "hz_sfj", "mediation_organisation": "hz_sfj", "received_date": "2026-03-02",
    "applicant_type": "enterprise", "applicant_name": "连云港某建材有限公司", "enterprise_name": "连云港某建材有限公司",
    "credit_code": CREDIT_CODE, "legal_representative": "钱某", "contact_phone": "0518-85551234",
    "respondent_agency": "海州区住房和城乡建设局", "respondent_level": "county_department",
    "claims": "按核定损失补偿", "claim_amount": 500000, "claimed_amount": 800000, "verified_amount": 450000,
    "facts": "合同不能履行及受损情况：停工；协商分歧：金额", "major_case": False,
}


def test_compensation_referral_message_start(deploy_process, users):
    deploy_process("mediation")
    with clock.as_of(at(2026, 3, 2, 9)):
        result = messages.send("mediation_request", {}, REFERRAL, users["comp1"])
    assert len(result["delivered_to"]) == 1
    case = Case.of(result["delivered_to"][0])
    assert case.instance.process_key == "mediation" and case.business_key.startswith("调〔2026〕")
    assert open_ids(case) == ["review_application"]
    data = case.variables
    assert data["case_source"] == "compensation_referral" and data["source_case"] == "补〔2026〕00007号"
    assert data["applicant_type"] == "legal_person" and data["application_form"] == "written"
    assert data["dispute_subtype"] == "admin_compensation" and data["dispute_type"] == "administrative"
    assert data["enterprise_name"] == data["applicant_name"] == "连云港某建材有限公司"
    assert data["credit_code"] == CREDIT_CODE and data["applicant_phone"] == "0518-85551234"
    assert data["respondent_agency"] == data["other_party_name"] == "海州区住房和城乡建设局"
    assert data["claims"] == "按核定损失补偿" and data["claim_amount"] == 500000
    assert data["received_date"] == "2026-03-02" and data["major_case"] is False
    assert data["handling_organisation"] == data["intake_organisation"] == "hz_sfj"
    assert data["review_deadline"] is None and data["lawsuit_deadline"] is None
    assert data["started_by"] == "comp1"
    accept_and_prepare(case)
    do(case, at(2026, 3, 20), "mediation_session", session("agreement"))
    do(case, at(2026, 3, 20, 15), "draft_agreement", agreement())
    finish_agreement(case)
    assert_finished(case, "agreement", "end_agreement",
                    A + ["mediation_session", "draft_agreement", "track_performance", "followup_visit", "archive_case"])
    assert case.variables["source_case"] == "补〔2026〕00007号"


def test_message_without_org(deploy_process, users):
    """§3: without `mediation_organisation` the case keeps the platform's handling organisation: the payload's
    `handling_organisation`, else the sender's organisation."""
    deploy_process("mediation")
    payload = {k: v for k, v in REFERRAL.items() if k not in ("mediation_organisation", "handling_organisation")}
    with clock.as_of(at(2026, 3, 2, 9)):
        with_handling = messages.send("mediation_request", {}, {**payload, "handling_organisation": "hz_sfj"}, users["comp1"])
        bare = messages.send("mediation_request", {}, {"enterprise_name": "某公司"}, users["intake1"])
    case = Case.of(with_handling["delivered_to"][0])
    check_task(case, "review_application", "intake", "hz_sfj", end_of(2026, 3, 5), ["intake1"])
    assert case.variables["handling_organisation"] == "hz_sfj"
    case = Case.of(bare["delivered_to"][0])                                      # the sender's organisation
    data = case.variables
    assert data["handling_organisation"] == "hz_sfj" and data["received_date"] == "2026-03-02"   # today()
    assert data["applicant_name"] == "某公司" and data["respondent_level"] == "county_department"
    check_task(case, "review_application", "intake", "hz_sfj", end_of(2026, 3, 5), ["intake1"])
    do(case, at(2026, 3, 3), "review_application", review("not_within_duties"))
    do(case, at(2026, 3, 4), "transfer_case", transfer())
    assert_finished(case, "transferred", "end_transferred", ["review_application", "transfer_case"])


def test_session_loop_bound(deploy_process, users):
    deploy_process("mediation")
    case = start(users, START)
    accept_and_prepare(case)
    limit = case.variables["limits"]["max_sessions"]
    assert limit == 20
    for n in range(limit):
        check_task(case, "mediation_session", "mediator", "hz_sfj", end_of(2026, 4, 3))
        do(case, at(2026, 3, 6) + timedelta(hours=n), "mediation_session", session("continue", "2026-03-06"))
    assert open_ids(case) == ["terminate_mediation"]                            # the loop left by the default flow
    assert case.variables["session_count"] == limit
    do(case, at(2026, 3, 9), "terminate_mediation", termination("no_agreement", "2026-03-09"))
    do(case, at(2026, 3, 10), "archive_case", archive("2026-03-10"))
    assert_finished(case, "terminated", "end_terminated",
                    A + ["mediation_session"] * limit + ["terminate_mediation", "archive_case"])
    assert [s["no"] for s in case.variables["sessions"]] == list(range(1, limit + 1))
