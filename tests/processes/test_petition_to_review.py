"""Scenario tests for processes/petition_to_review.bpmn: one test per path in docs/clauses.md (信访导入行政复议).

Every case runs on the real diagram with the real forms, driven through the services as the people the tasks are meant
for (信访工作人员 of 连云港市信访局 = petition1, 复议工作人员 of the review body 连云港市人民政府行政复议机构 = review1), with the
clock pinned and moved forward step by step so that legal dates are reproducible. Timers fire only through the worker's
tick. The review-side periods of 行政复议法 arts. 30–31 are working days (art. 88) on the official calendar with 调休, so
the timelines below cross 国庆 2026 (Oct 1–7 off, Sat Oct 10 worked) and 春节 2026 (Feb 15–23 off, Sat Feb 14 and
Sat Feb 28 worked); every due date is asserted exactly (a task due on day D is due at D+1 00:00 Beijing, and its
timer is not due one second before that instant and fires one second after).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.util.task import TaskState

from app import db
from app.engine import clock
from app.models import ProcessInstance
from app.services.runtime import commands
from app.services.inbox import worklist as inbox
from app.services.admin import configure
from app.services.errors import Invalid
from tests.processes.harness import Case, eligible_users, org_code

BJ = clock.BEIJING
ID_CARD = "320706197901209702"       # valid GB 11643 checksum
PETITION, REVIEW = "petition_officer", "review_officer"
ORG_OF = {PETITION: "lyg_xfj", REVIEW: "lyg_fyjg"}
ACTOR_OF = {PETITION: "petition1", REVIEW: "review1"}
ROLE_OF = {
    "assess_petition": PETITION, "route_other_procedure": PETITION, "explain_and_consent": PETITION,
    "prepare_review_application": PETITION, "transfer_to_review_body": PETITION, "handle_ordinary_petition": PETITION,
    "feedback_and_close": PETITION,
    "receive_transfer": REVIEW, "review_acceptance": REVIEW, "review_acceptance_final": REVIEW,
    "record_correction_reply": REVIEW, "record_correction_reply_extended": REVIEW,
}
WITHOUT_DUE_DATE = {"receive_transfer", "feedback_and_close"}
IMPORT_PATH = ["assess_petition", "explain_and_consent", "prepare_review_application", "transfer_to_review_body",
               "receive_transfer"]


def at(y, m, d, hh=0, mm=0, ss=0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=BJ)


def end_of(day: str) -> datetime:
    """The instant a legal day ends in Beijing (what a task due that day carries as due_at)."""
    return datetime.fromisoformat(day).replace(tzinfo=BJ) + timedelta(days=1)


# ---- two timelines crossing a holiday ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Timeline:
    start: datetime          # registration (the clock when the case starts)
    date_known: str          # the applicant learnt of the act (notified of the right to apply for review)
    review_deadline: str     # date_known + 60 days (行政复议法第二十条第一款)
    route_due: str           # petition received + 15 days (信访工作条例第二十二条)
    explained: datetime      # 释法告知 and consent
    applied: datetime        # application written
    transfer_due: str        # application + 3 working days (transfer_workdays)
    transferred: datetime
    received: datetime       # the review body receives the application
    review_due: str          # received + 5 working days (第三十条、第八十八条)

    @property
    def petition_received(self) -> str:
        return self.start.date().isoformat()


# 2026-09-30 (Wed) + 5 working days: Oct 1–7 off, Thu 8, Fri 9, Sat 10 (调休), Mon 12, Tue 13.
# (Mon–Fri only would give Oct 7; holidays without the 调休 Saturday, Oct 14.)
NATIONAL_DAY = Timeline(
    start=at(2026, 9, 28, 9), date_known="2026-09-10", review_deadline="2026-11-09", route_due="2026-10-13",
    explained=at(2026, 9, 29, 9), applied=at(2026, 9, 29, 10), transfer_due="2026-10-09",   # Sep 30, Oct 8, Oct 9
    transferred=at(2026, 9, 30, 9), received=at(2026, 9, 30, 15), review_due="2026-10-13")
# 2026-02-13 (Fri) + 5 working days: Sat 14 (调休), Feb 15–23 off, Tue 24, Wed 25, Thu 26, Fri 27.
SPRING_FESTIVAL = Timeline(
    start=at(2026, 2, 9, 9), date_known="2026-02-02", review_deadline="2026-04-03", route_due="2026-02-24",
    explained=at(2026, 2, 10, 9), applied=at(2026, 2, 12, 10), transfer_due="2026-02-24",   # Feb 13, Sat 14, Feb 24
    transferred=at(2026, 2, 13, 9), received=at(2026, 2, 13, 15), review_due="2026-02-27")


def start_data(t: Timeline, **changes) -> dict:
    return {
        "petition_number": "连信〔2026〕0928号", "petition_channel": "visit", "petition_received_date": t.petition_received,
        "request_summary": "请求撤销罚款决定", "facts_and_reasons": "信访人认为罚款决定认定事实不清",
        "applicant_type": "natural_person", "applicant_name": "张某某", "applicant_id_number": ID_CARD,
        "applicant_phone": "13800138000", "applicant_address": "连云港市海州区朝阳路1号", "group_petition": False,
        "respondent_agency": "连云港市市场监督管理局", "act_document_number": "连市监罚〔2026〕12号",
        "act_type": "administrative_penalty", "act_date": t.date_known, "date_known": t.date_known,
        "review_rights_notified": "notified", **changes,
    }


# ---- form data, one builder per form (only valid, visible fields) ---------------------------------------------------
def assessment(decision: str, day: str, justification: str | None = None, deadline_passed: bool = False) -> dict:
    """`review_deadline_passed` is the form's read-only field: the page shows the computed flag and sends it back."""
    data = {"petition_category": "appeal_claim", "review_conditions_checked": ["clear_applicant_and_respondent",
                                                                               "has_interest", "within_review_scope"],
            "review_pre_required": False, "lawsuit_filed": False, "assessment_decision": decision,
            "review_deadline_passed": deadline_passed, "assessment_opinion": "经研判，" + decision,
            "assessment_date": day}
    if justification:
        data["delay_justification"] = justification
    return data


def consent(decision: str, day: str) -> dict:
    data = {"explanation_date": day, "explanation_method": "in_person",
            "explanation_content": "告知申请期限、复议机关、复议前置、不收费及可以在复议中调解", "consent_decision": decision}
    if decision == "consent":
        data.update(consent_date=day, consent_form="signed_written")
    else:
        data["refusal_reason"] = "信访人坚持通过信访渠道解决"
    return data


def application(day: str, date_known: str) -> dict:
    return {"application_method": "written", "application_date": day, "applicant_type": "natural_person",
            "applicant_name": "张某某", "applicant_id_number": ID_CARD, "applicant_phone": "13800138000",
            "applicant_address": "连云港市海州区朝阳路1号", "respondent_agency": "连云港市市场监督管理局",
            "act_document_number": "连市监罚〔2026〕12号", "date_known": date_known,
            "review_request": "撤销连市监罚〔2026〕12号行政处罚决定", "review_facts_and_reasons": "认定事实不清，适用法律错误",
            "request_mediation": True}


def transfer(day: str) -> dict:
    return {"review_body": "lyg_fyjg", "transfer_letter_number": "连信移〔2026〕5号", "transfer_date": day,
            "transfer_method": "in_person", "transfer_materials": ["review_application", "identity_proof",
                                                                    "consent_record"],
            "transfer_material_count": 3}


def receive(day: str) -> dict:
    return {"received_date": day, "review_registration_number": "连复收〔2026〕88号", "materials_as_listed": True}


def decide(decision: str, day: str, procedure: str = "normal", reason: str = "out_of_scope") -> dict:
    data = {"acceptance_conditions_met": ["clear_applicant_and_respondent", "has_interest"],
            "import_conditions_confirmed": True, "acceptance_decision": decision}
    if decision == "accept":
        data.update(acceptance_date=day, review_case_number="连政复〔2026〕101号", procedure_type=procedure,
                    acceptance_notice_number="连政复受〔2026〕101号")
    elif decision == "refuse":
        data.update(refusal_reason=reason, refusal_explanation="不符合行政复议法第三十条第一款的受理条件",
                    refusal_decision_number="连政复不受〔2026〕7号", refusal_date=day)
        if reason == "no_jurisdiction":
            data["competent_review_body"] = "江苏省人民政府"
    else:
        data.update(correction_items="补充提交行政处罚决定书副本及送达回证", correction_notice_number="连政复补〔2026〕3号",
                    correction_notice_date=day)
    return data


def correction_reply(day: str) -> dict:
    return {"grant_extension": False, "correction_received_date": day, "correction_materials": "处罚决定书副本、送达回证"}


def correction_extension(until: str) -> dict:
    return {"grant_extension": True, "correction_extended_due_date": until, "extension_reason": "申请人住院治疗，无法按期补正"}


def extended_reply(day: str) -> dict:
    return {"correction_received_date": day, "correction_materials": "处罚决定书副本、送达回证"}


def feedback(day: str) -> dict:
    return {"feedback_received_date": day, "review_result_summary": "复议机构已作出处理", "petitioner_informed": True,
            "closure_date": day, "closure_note": "以导入行政复议方式办结"}


def ordinary(day: str, extension: bool = False) -> dict:
    data = {"ordinary_accepted_date": day, "handling_facts": "查明事实", "handling_opinion": "维持原处理意见",
            "opinion_document_number": "连信处〔2026〕9号", "hearing_held": False, "extension_approved": extension,
            "opinion_served_date": day, "closure_date": day}
    if extension:
        data["extension_reason"] = "情况复杂，经负责人批准延长"
    return data


def other_route(day: str, route: str = "litigation") -> dict:
    return {"other_route": route, "route_target": "连云港市海州区人民法院", "route_date": day,
            "route_notice_method": "written", "route_note": "告知信访人依法提起行政诉讼"}


# ---- driving a case on a moving clock --------------------------------------------------------------------------------
class Run:
    """A case whose every action happens at a pinned instant that moves forward (one hour per action unless told)."""

    def __init__(self, users, t: Timeline = NATIONAL_DAY, **changes):
        self.users, self.t, self.now = users, t, t.start
        with clock.as_of(self.now):
            self.case = Case("petition_to_review", users["petition1"], start_data(t, **changes))

    def complete(self, element_id: str, data: dict, when: datetime | None = None) -> dict:
        self.now = when if when is not None else self.now + timedelta(hours=1)
        with clock.as_of(self.now):
            return self.case.complete(element_id, data)

    def tick(self, when: datetime) -> int:
        self.now = when
        return self.case.tick(when)

    def __getattr__(self, name):
        return getattr(self.case, name)


def assert_task(run, element_id: str, due: datetime | None, priority: int = 0):
    """The open task is for its lane's role in its organisation, with that due instant and priority, and exactly the
    person holding that role there may do it."""
    task = run.task(element_id)
    role = ROLE_OF[element_id]
    assert task.candidate_role == role, (element_id, task.candidate_role)
    assert org_code(task.organisation_id) == ORG_OF[role], (element_id, org_code(task.organisation_id))
    assert task.due_at == due, (element_id, task.due_at, due)
    assert task.priority == priority, (element_id, task.priority)
    assert [u.username for u in eligible_users(task)] == [ACTOR_OF[role]]
    return task


def open_ids(run) -> list[str]:
    return sorted(t.element_id for t in run.open_tasks())


def statuses(run) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for t in run.tasks():
        found.setdefault(t.element_id, []).append(t.status)
    return found


def end_events(run) -> set[str]:
    with db.transaction(write=False) as s:
        rt = commands.restore(s, s.get(ProcessInstance, run.id))
    return {t.task_spec.bpmn_id for t in rt.wf.get_tasks(state=TaskState.COMPLETED, spec_class=EndEvent)}


def finished(run, outcome: str, path: list[str], end: str, cancelled: tuple[str, ...] = ()) -> dict:
    """The case ended with `outcome` after exactly these user tasks (and no other task than the `cancelled` ones, which
    a deadline timer took away), at exactly this end event, leaving no task, subscription or timer behind; every task
    it showed was for its lane's role in its organisation (信访 tasks in lyg_xfj, review tasks in the review body
    lyg_fyjg), had a due date wherever the diagram sets one, and was done by the person holding that role there.
    Returns the variables."""
    data = run.variables
    assert run.path() == path
    assert sorted(t.element_id for t in run.tasks() if t.status != "completed") == sorted(cancelled)
    assert all(t.status in ("completed", "cancelled") for t in run.tasks())
    assert (run.status, data.get("outcome")) == ("completed", outcome)
    assert run.open_tasks() == []
    assert end_events(run) == {end}
    inst = run.instance
    assert inst.awaited_messages == [] and inst.next_timer_due is None and inst.ended_at is not None
    assert inst.search_values["outcome"] == outcome and inst.search_values["case_source"] == "petition"
    assert (data["case_source"], data["handling_organisation"], data["started_by"]) == ("petition", "lyg_xfj",
                                                                                         "petition1")
    assert org_code(inst.organisation_id) == "lyg_xfj"
    for t in run.tasks():
        role = ROLE_OF[t.element_id]
        assert t.candidate_role == role, t.element_id
        assert org_code(t.organisation_id) == ORG_OF[role], t.element_id
        assert (t.due_at is not None) == (t.element_id not in WITHOUT_DUE_DATE), t.element_id
        assert t.completed_by == (ACTOR_OF[role] if t.status == "completed" else None), t.element_id
    return data


def imported(users, t: Timeline = NATIONAL_DAY, **changes) -> Run:
    """Common prefix IMPORT: assessed for import, consent given, application prepared, transferred and received;
    `review_acceptance` is open. Checks every task on the way (role, organisation, due date, priority)."""
    run = Run(users, t, **changes)
    assert open_ids(run) == ["assess_petition"]
    assert_task(run, "assess_petition", end_of(t.route_due))
    run.complete("assess_petition", assessment("import_review", t.petition_received))
    assert_task(run, "explain_and_consent", end_of(t.route_due))
    run.complete("explain_and_consent", consent("consent", t.explained.date().isoformat()), when=t.explained)
    assert_task(run, "prepare_review_application", end_of(t.review_deadline))
    run.complete("prepare_review_application", application(t.applied.date().isoformat(), t.date_known), when=t.applied)
    assert_task(run, "transfer_to_review_body", end_of(t.transfer_due))
    run.complete("transfer_to_review_body", transfer(t.transferred.date().isoformat()), when=t.transferred)
    assert_task(run, "receive_transfer", None)
    assert run.instance.next_timer_due is None
    run.complete("receive_transfer", receive(t.received.date().isoformat()), when=t.received)
    assert open_ids(run) == ["review_acceptance"]
    assert_task(run, "review_acceptance", end_of(t.review_due), priority=1)
    assert run.instance.next_timer_due == end_of(t.review_due)
    data = run.variables
    assert (data["received_date"], data["review_deadline"], data["review_deadline_passed"]) == \
        (t.received.date().isoformat(), t.review_deadline, False)
    assert data["correction_count"] == 0 and "initial_received_date" not in data
    assert run.instance.search_values["received_date"] == t.received.date().isoformat()
    return run


def fires_exactly_at(run, due: datetime) -> None:
    """The deadline timer is not due one second before `due` and fires (once) one second after it."""
    assert run.instance.next_timer_due == due
    assert run.tick(due - timedelta(seconds=1)) == 0
    assert run.instance.next_timer_due == due
    assert run.tick(due + timedelta(seconds=1)) == 1


@pytest.fixture
def procs(deploy_process):
    return deploy_process("petition_to_review")


# ---- 信访 side: not imported -----------------------------------------------------------------------------------------
def test_start_registers_the_petition(procs, users):
    run = Run(users)
    data = run.variables
    assert run.status == "running" and run.business_key == "访复〔2026〕00001号"
    assert open_ids(run) == ["assess_petition"]
    assert_task(run, "assess_petition", end_of("2026-10-13"))
    assert (data["review_deadline"], data["review_deadline_passed"], data["route_due_date"]) == \
        ("2026-11-09", False, "2026-10-13")
    assert (data["case_source"], data["review_body"], data["correction_count"]) == ("petition", "lyg_fyjg", 0)
    assert data["handling_organisation"] == "lyg_xfj" and data["started_by"] == "petition1"
    assert data["limits"]["accept_decide_workdays"] == 5 and data["limits"]["correction_workdays"] == 10
    assert data["limits"]["max_corrections"] == 1
    assert run.instance.search_values["applicant_name"] == "张某某"
    assert run.instance.next_timer_due is None and run.instance.awaited_messages == []


@pytest.mark.parametrize("extension", [False, True])
def test_ordinary_track(procs, users, extension):
    """信访工作条例第二十二条: routed within 15 days of receipt; 第三十四条: 60 days from acceptance."""
    run = Run(users)
    assert_task(run, "assess_petition", end_of("2026-10-13"))          # 2026-09-28 + 15 days (calendar days)
    run.complete("assess_petition", assessment("ordinary_petition", "2026-09-30"), when=at(2026, 9, 30, 10))
    assert open_ids(run) == ["handle_ordinary_petition"]
    assert_task(run, "handle_ordinary_petition", end_of("2026-11-29"))  # 2026-09-30 + 60 days
    run.complete("handle_ordinary_petition", ordinary("2026-11-20", extension), when=at(2026, 11, 20, 10))
    data = finished(run, "ordinary_track", ["assess_petition", "handle_ordinary_petition"], "end_ordinary_track")
    assert (data["ordinary_start_date"], data["ordinary_due_date"]) == ("2026-09-30", "2026-11-29")
    assert data["assessment_decision"] == "ordinary_petition" and data["consent_decision"] == ""
    assert data["extension_approved"] is extension and ("extension_reason" in data) is extension
    assert "received_date" not in data and "acceptance_date" not in data


def test_routed_other_procedure(procs, users):
    """信访工作条例第二十八条、第三十一条第一至五项: led into litigation, not into review."""
    run = Run(users)
    run.complete("assess_petition", assessment("other_procedure", "2026-09-29"))
    assert open_ids(run) == ["route_other_procedure"]
    assert_task(run, "route_other_procedure", end_of("2026-10-13"))
    run.complete("route_other_procedure", other_route("2026-09-29"))
    data = finished(run, "routed_other_procedure", ["assess_petition", "route_other_procedure"],
                    "end_routed_other_procedure")
    assert (data["other_route"], data["route_target"], data["route_date"]) == \
        ("litigation", "连云港市海州区人民法院", "2026-09-29")
    assert "ordinary_due_date" not in data and "received_date" not in data


def test_consent_refused(procs, users):
    """行政复议法第二条 (review only on application) and 办法第五十一条第二款: without consent, ordinary petition."""
    run = Run(users)
    run.complete("assess_petition", assessment("import_review", "2026-09-28"))
    assert_task(run, "explain_and_consent", end_of("2026-10-13"))
    run.complete("explain_and_consent", consent("refuse", "2026-10-09"), when=at(2026, 10, 9, 9))
    assert open_ids(run) == ["handle_ordinary_petition"]
    assert_task(run, "handle_ordinary_petition", end_of("2026-12-08"))  # 2026-10-09 + 60 days
    run.complete("handle_ordinary_petition", ordinary("2026-11-30"))
    data = finished(run, "consent_refused_ordinary_track",
                    ["assess_petition", "explain_and_consent", "handle_ordinary_petition"], "end_consent_refused")
    assert data["consent_decision"] == "refuse" and data["refusal_reason"] == "信访人坚持通过信访渠道解决"
    assert (data["ordinary_start_date"], data["ordinary_due_date"]) == ("2026-10-09", "2026-12-08")
    assert "consent_date" not in data and "application_date" not in data and "received_date" not in data


# ---- imported: the review body decides in five working days -------------------------------------------------------
@pytest.mark.parametrize("procedure,decision_due", [("normal", "2026-12-11"), ("simple", "2026-11-11")])
def test_accepted(procs, users, procedure, decision_due):
    run = imported(users)
    run.complete("review_acceptance", decide("accept", "2026-10-12", procedure), when=at(2026, 10, 12, 10))
    assert open_ids(run) == ["feedback_and_close"]
    assert_task(run, "feedback_and_close", None)
    assert run.instance.next_timer_due is None                           # the review timer went with the decision
    run.complete("feedback_and_close", feedback("2026-10-13"))
    data = finished(run, "accepted", IMPORT_PATH + ["review_acceptance", "feedback_and_close"], "end_accepted")
    assert (data["received_date"], data["acceptance_date"], data["procedure_type"]) == \
        ("2026-09-30", "2026-10-12", procedure)
    assert data["review_decision_due"] == decision_due                   # 第六十二条: 60 / 30 days from acceptance
    assert data["review_deadline"] == "2026-11-09" and data["review_deadline_passed"] is False
    assert data["import_conditions_confirmed"] is True and data["review_case_number"] == "连政复〔2026〕101号"
    assert (data["application_method"], data["request_mediation"], data["review_pre_required"]) == \
        ("written", True, False)
    assert (data["consent_decision"], data["consent_date"], data["transfer_date"]) == \
        ("consent", "2026-09-29", "2026-09-30")
    assert data["correction_count"] == 0 and "initial_received_date" not in data
    assert data["closure_date"] == "2026-10-13"
    assert run.instance.search_values["received_date"] == "2026-09-30"


@pytest.mark.parametrize("reason", ["out_of_scope", "no_jurisdiction"])
def test_refused(procs, users, reason):
    """第三十条第二款: refusal with reasons; outside its jurisdiction it names the competent review body."""
    run = imported(users)
    run.complete("review_acceptance", decide("refuse", "2026-10-13", reason=reason), when=at(2026, 10, 13, 16))
    assert_task(run, "feedback_and_close", None)
    run.complete("feedback_and_close", feedback("2026-10-14"))
    data = finished(run, "refused", IMPORT_PATH + ["review_acceptance", "feedback_and_close"], "end_refused")
    assert (data["refusal_reason"], data["refusal_date"]) == (reason, "2026-10-13")
    assert data["refusal_decision_number"] == "连政复不受〔2026〕7号"
    assert data.get("competent_review_body") == ("江苏省人民政府" if reason == "no_jurisdiction" else None)
    assert "acceptance_date" not in data and "review_decision_due" not in data


@pytest.mark.parametrize("t,deemed_on,decision_due", [(NATIONAL_DAY, "2026-10-13", "2026-12-12"),
                                                        (SPRING_FESTIVAL, "2026-02-27", "2026-04-28")],
                         ids=["national_day", "spring_festival"])
def test_deemed_accepted(procs, users, t, deemed_on, decision_due):
    """第三十条第三款: no decision within five working days → deemed accepted from the last day of the period."""
    run = imported(users, t)
    fires_exactly_at(run, end_of(deemed_on))
    assert statuses(run)["review_acceptance"] == ["cancelled"]
    assert open_ids(run) == ["feedback_and_close"]
    assert_task(run, "feedback_and_close", None)
    run.complete("feedback_and_close", feedback(deemed_on))
    data = finished(run, "deemed_accepted", IMPORT_PATH + ["feedback_and_close"], "end_deemed_accepted",
                    cancelled=("review_acceptance",))
    assert (data["acceptance_date"], data["procedure_type"], data["review_decision_due"]) == \
        (deemed_on, "normal", decision_due)
    assert data["received_date"] == t.received.date().isoformat() and "acceptance_decision" not in data


# ---- 补正 (第三十一条) -----------------------------------------------------------------------------------------------
# Notice served Fri 2026-10-09: ten working days are Sat 10 (调休), 12–16, 19–22 → Thu 2026-10-22.
CORRECTION_DUE = "2026-10-22"


def corrected(users, reply_day: str = "2026-10-16") -> Run:
    """IMPORT → 补正 ordered on 2026-10-09 → materials received on `reply_day`: `review_acceptance_final` is open."""
    run = imported(users)
    request_correction(run)
    run.complete("record_correction_reply", correction_reply(reply_day), when=at(2026, 10, 16, 10))
    return run


def request_correction(run, day: str = "2026-10-09", due: str = CORRECTION_DUE) -> None:
    run.complete("review_acceptance", decide("request_correction", day),
                 when=datetime.fromisoformat(day).replace(hour=11, tzinfo=BJ))
    assert open_ids(run) == ["record_correction_reply"]
    assert_task(run, "record_correction_reply", end_of(due))
    assert run.instance.next_timer_due == end_of(due)
    data = run.variables
    assert (data["correction_notice_date"], data["correction_due_date"]) == (day, due)
    assert data["grant_extension"] is False


def correction_then(users, decision: str) -> dict:
    """第三十一条第三款: after the materials arrive the five working days restart (Fri 2026-10-16 → Fri 10-23);
    补正 was used once (max_corrections = 1), so the final review offers only accept or refuse."""
    run = corrected(users)
    data = run.variables
    assert (data["received_date"], data["initial_received_date"], data["correction_count"]) == \
        ("2026-10-16", "2026-09-30", 1)
    assert open_ids(run) == ["review_acceptance_final"]
    assert_task(run, "review_acceptance_final", end_of("2026-10-23"), priority=1)
    assert run.instance.next_timer_due == end_of("2026-10-23")
    assert run.instance.search_values["received_date"] == "2026-10-16"
    options = [v["value"] for c in run.form("petition_acceptance_review_final")["components"]
               if c.get("key") == "acceptance_decision" for v in c["values"]]
    assert options == ["accept", "refuse"]
    run.complete("review_acceptance_final", decide(decision, "2026-10-21"), when=at(2026, 10, 21, 10))
    assert run.instance.next_timer_due is None
    assert_task(run, "feedback_and_close", None)
    run.complete("feedback_and_close", feedback("2026-10-22"))
    outcome = {"accept": "accepted", "refuse": "refused"}[decision]
    data = finished(run, outcome, IMPORT_PATH + ["review_acceptance", "record_correction_reply",
                                                 "review_acceptance_final", "feedback_and_close"], "end_" + outcome)
    assert (data["correction_items"], data["correction_received_date"]) == \
        ("补充提交行政处罚决定书副本及送达回证", "2026-10-16")
    assert (data["received_date"], data["initial_received_date"], data["correction_count"]) == \
        ("2026-10-16", "2026-09-30", 1)
    assert data["correction_due_date"] == CORRECTION_DUE
    return data


def test_correction_then_accepted(procs, users):
    data = correction_then(users, "accept")
    assert (data["acceptance_date"], data["review_decision_due"]) == ("2026-10-21", "2026-12-20")


def test_correction_then_refused(procs, users):
    data = correction_then(users, "refuse")
    assert data["refusal_date"] == "2026-10-21" and "acceptance_date" not in data


def test_correction_then_deemed_accepted(procs, users):
    """Across 春节: notice Fri 2026-02-13 → ten working days Sat 14, 24–27, Sat 28, Mar 2–5 → Thu 2026-03-05;
    materials on Fri 02-27 → five working days Sat 28, Mar 2–5 → Thu 2026-03-05; no decision → deemed accepted."""
    run = imported(users, SPRING_FESTIVAL)
    run.complete("review_acceptance", decide("request_correction", "2026-02-13"), when=at(2026, 2, 13, 16))
    assert_task(run, "record_correction_reply", end_of("2026-03-05"))
    run.complete("record_correction_reply", correction_reply("2026-02-27"), when=at(2026, 2, 27, 10))
    assert_task(run, "review_acceptance_final", end_of("2026-03-05"), priority=1)
    fires_exactly_at(run, end_of("2026-03-05"))
    assert statuses(run)["review_acceptance_final"] == ["cancelled"]
    run.complete("feedback_and_close", feedback("2026-03-06"))
    data = finished(run, "deemed_accepted", IMPORT_PATH + ["review_acceptance", "record_correction_reply",
                                                           "feedback_and_close"], "end_deemed_accepted",
                    cancelled=("review_acceptance_final",))
    assert (data["acceptance_date"], data["review_decision_due"], data["procedure_type"]) == \
        ("2026-03-05", "2026-05-04", "normal")
    assert (data["received_date"], data["initial_received_date"], data["correction_count"]) == \
        ("2026-02-27", "2026-02-13", 1)
    assert data["correction_due_date"] == "2026-03-05"


def test_correction_abandoned(procs, users):
    """第三十一条第二款: no materials within ten working days → the application is deemed withdrawn."""
    run = imported(users)
    request_correction(run)
    fires_exactly_at(run, end_of(CORRECTION_DUE))
    assert statuses(run)["record_correction_reply"] == ["cancelled"]
    assert_task(run, "feedback_and_close", None)
    run.complete("feedback_and_close", feedback("2026-10-23"))
    data = finished(run, "abandoned", IMPORT_PATH + ["review_acceptance", "feedback_and_close"], "end_abandoned",
                    cancelled=("record_correction_reply",))
    assert (data["abandoned_date"], data["correction_due_date"]) == ("2026-10-23", CORRECTION_DUE)
    assert (data["initial_received_date"], data["received_date"], data["correction_count"]) == \
        ("2026-09-30", "2026-09-30", 0)
    assert "correction_received_date" not in data and "acceptance_date" not in data


def extended(users) -> Run:
    """第三十一条第二款: with good reason the review body extends the period (once, to a date it sets)."""
    run = imported(users)
    request_correction(run)
    run.complete("record_correction_reply", correction_extension("2026-11-06"), when=at(2026, 10, 20, 10))
    assert open_ids(run) == ["record_correction_reply_extended"]
    assert_task(run, "record_correction_reply_extended", end_of("2026-11-06"))
    assert run.instance.next_timer_due == end_of("2026-11-06")         # the 10-22 timer went with the first task
    assert run.tick(end_of(CORRECTION_DUE) + timedelta(seconds=1)) == 0
    data = run.variables
    assert (data["correction_due_date"], data["grant_extension"]) == ("2026-11-06", False)
    return run


def extension_kept(data: dict) -> None:
    assert (data["correction_extended_due_date"], data["extension_reason"]) == ("2026-11-06", "申请人住院治疗，无法按期补正")
    assert (data["correction_due_date"], data["initial_received_date"]) == ("2026-11-06", "2026-09-30")


def test_correction_extended_then_accepted(procs, users):
    run = extended(users)
    run.complete("record_correction_reply_extended", extended_reply("2026-11-05"), when=at(2026, 11, 5, 10))
    # 2026-11-05 (Thu) + 5 working days: Fri 6, Mon 9 – Thu 12
    assert_task(run, "review_acceptance_final", end_of("2026-11-12"), priority=1)
    assert run.instance.next_timer_due == end_of("2026-11-12")
    run.complete("review_acceptance_final", decide("accept", "2026-11-10"), when=at(2026, 11, 10, 10))
    run.complete("feedback_and_close", feedback("2026-11-11"))
    data = finished(run, "accepted", IMPORT_PATH + ["review_acceptance", "record_correction_reply",
                                                    "record_correction_reply_extended", "review_acceptance_final",
                                                    "feedback_and_close"], "end_accepted")
    assert (data["received_date"], data["correction_count"], data["acceptance_date"]) == \
        ("2026-11-05", 1, "2026-11-10")
    assert data["correction_received_date"] == "2026-11-05"
    extension_kept(data)


def test_correction_extended_then_abandoned(procs, users):
    run = extended(users)
    fires_exactly_at(run, end_of("2026-11-06"))
    assert statuses(run)["record_correction_reply_extended"] == ["cancelled"]
    assert_task(run, "feedback_and_close", None)
    run.complete("feedback_and_close", feedback("2026-11-09"))
    data = finished(run, "abandoned", IMPORT_PATH + ["review_acceptance", "record_correction_reply",
                                                     "feedback_and_close"], "end_abandoned",
                    cancelled=("record_correction_reply_extended",))
    assert (data["abandoned_date"], data["correction_count"], data["received_date"]) == ("2026-11-07", 0, "2026-09-30")
    assert "correction_received_date" not in data
    extension_kept(data)


def test_correction_extension_cannot_shorten_the_period(procs, users):
    """An 'extended' date before the statutory one is ignored (set_extension keeps the later date)."""
    run = imported(users)
    request_correction(run)
    run.complete("record_correction_reply", correction_extension("2026-10-20"), when=at(2026, 10, 15, 10))
    assert_task(run, "record_correction_reply_extended", end_of(CORRECTION_DUE))
    fires_exactly_at(run, end_of(CORRECTION_DUE))
    run.complete("feedback_and_close", feedback("2026-10-23"))
    data = finished(run, "abandoned", IMPORT_PATH + ["review_acceptance", "record_correction_reply",
                                                     "feedback_and_close"], "end_abandoned",
                    cancelled=("record_correction_reply_extended",))
    assert (data["correction_due_date"], data["correction_extended_due_date"]) == (CORRECTION_DUE, "2026-10-20")


def test_two_corrections_when_configured(procs, users):
    """max_corrections is a configured count: at 2 the first review after 补正 may order 补正 again."""
    configure.set_time_limit("petition_to_review", "max_corrections", 2, "admin")
    run = imported(users)
    assert run.variables["limits"]["max_corrections"] == 2
    request_correction(run)
    run.complete("record_correction_reply", correction_reply("2026-10-16"), when=at(2026, 10, 16, 10))
    assert open_ids(run) == ["review_acceptance"]                        # not yet the final review
    assert_task(run, "review_acceptance", end_of("2026-10-23"), priority=1)
    # 2nd notice Mon 2026-10-19: ten working days 20–23, 26–30, Mon 11-02
    request_correction(run, "2026-10-19", "2026-11-02")
    run.complete("record_correction_reply", correction_reply("2026-10-26"), when=at(2026, 10, 26, 10))
    assert open_ids(run) == ["review_acceptance_final"]
    assert_task(run, "review_acceptance_final", end_of("2026-11-02"), priority=1)   # 27–30, Mon 11-02
    run.complete("review_acceptance_final", decide("accept", "2026-10-30"), when=at(2026, 10, 30, 10))
    run.complete("feedback_and_close", feedback("2026-10-30"))
    data = finished(run, "accepted", IMPORT_PATH + ["review_acceptance", "record_correction_reply"] * 2
                    + ["review_acceptance_final", "feedback_and_close"], "end_accepted")
    assert (data["correction_count"], data["received_date"], data["initial_received_date"]) == \
        (2, "2026-10-26", "2026-09-30")
    assert data["correction_due_date"] == "2026-11-02" and data["acceptance_date"] == "2026-10-30"


# ---- 复议申请期限 (第二十条) -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("known,at_assessment,after_consent,priority", [
    ("2026-03-01", "2027-03-01", "2026-11-28", 0),     # one year from knowing; 60 days from the explanation is sooner
    ("2025-10-05", "2026-10-05", "2026-10-05", 2),     # the one-year cap is sooner, and within ten days
], ids=["sixty_days_from_explanation", "one_year_cap"])
def test_not_notified_deadline(procs, users, known, at_assessment, after_consent, priority):
    """第二十条第三款: not told of the right to apply → 60 days from learning of it (at the latest the explanation on
    2026-09-29), but never more than one year from learning of the act."""
    run = Run(users, NATIONAL_DAY, date_known=known, act_date=known, review_rights_notified="not_notified")
    assert run.variables["review_deadline"] == at_assessment
    assert_task(run, "assess_petition", end_of("2026-10-13"), priority=priority)
    run.complete("assess_petition", assessment("import_review", "2026-09-28"))
    assert_task(run, "explain_and_consent", end_of("2026-10-13"), priority=priority)
    run.complete("explain_and_consent", consent("consent", "2026-09-29"), when=at(2026, 9, 29, 9))
    data = run.variables
    assert (data["review_deadline"], data["review_deadline_passed"]) == (after_consent, False)
    assert_task(run, "prepare_review_application", end_of(after_consent), priority=priority)
    run.complete("prepare_review_application", application("2026-09-29", known))
    assert_task(run, "transfer_to_review_body", end_of("2026-10-09"), priority=priority)
    run.complete("transfer_to_review_body", transfer("2026-09-30"), when=at(2026, 9, 30, 9))
    run.complete("receive_transfer", receive("2026-09-30"))
    run.complete("review_acceptance", decide("accept", "2026-10-08"), when=at(2026, 10, 8, 10))
    run.complete("feedback_and_close", feedback("2026-10-09"))
    data = finished(run, "accepted", IMPORT_PATH + ["review_acceptance", "feedback_and_close"], "end_accepted")
    assert data["review_deadline"] == after_consent and data["review_rights_notified"] == "not_notified"


@pytest.mark.parametrize("known,deadline,passed,priority", [
    ("2026-07-20", "2026-09-18", True, 2),             # 60 days ran out ten days before the petition
    ("2026-08-05", "2026-10-04", False, 2),            # within ten days of today (2026-09-28)
    ("2026-08-09", "2026-10-08", False, 2),            # exactly ten days ahead
    ("2026-08-10", "2026-10-09", False, 0),            # eleven days ahead
])
def test_deadline_passed_flag_and_priority(procs, users, known, deadline, passed, priority):
    run = Run(users, NATIONAL_DAY, date_known=known, act_date=known)
    data = run.variables
    assert (data["review_deadline"], data["review_deadline_passed"]) == (deadline, passed)
    assert_task(run, "assess_petition", end_of("2026-10-13"), priority=priority)
    run.complete("assess_petition", assessment("other_procedure", "2026-09-28", deadline_passed=passed))
    assert_task(run, "route_other_procedure", end_of("2026-10-13"))      # no priority property there
    run.complete("route_other_procedure", other_route("2026-09-29", "arbitration"))
    finished(run, "routed_other_procedure", ["assess_petition", "route_other_procedure"], "end_routed_other_procedure")


def test_late_application_imported_with_justification_then_refused(procs, users):
    """第二十条第二款: a late application is imported only with a justification for the delay (the form shows the
    computed flag read-only and then requires `delay_justification`); the review body may still refuse it as out of
    time (第三十条第一款第四项)."""
    run = Run(users, NATIONAL_DAY, date_known="2026-07-20", act_date="2026-07-20")
    assert run.variables["review_deadline_passed"] is True
    with db.transaction(write=False) as s:
        shown = inbox.task_detail(s, users["petition1"], run.task("assess_petition").id)["data"]
    assert shown["review_deadline_passed"] is True                       # what the page shows in the read-only field
    with pytest.raises(Invalid) as refused:
        run.complete("assess_petition", assessment("import_review", "2026-09-28", deadline_passed=True))
    assert set(refused.value.fields) == {"delay_justification"}
    leaving_out_the_flag = assessment("import_review", "2026-09-28")
    del leaving_out_the_flag["review_deadline_passed"]
    with pytest.raises(Invalid) as refused:                              # a client that omits the flag must justify
        run.complete("assess_petition", leaving_out_the_flag)
    assert set(refused.value.fields) == {"delay_justification"}
    assert open_ids(run) == ["assess_petition"] and run.path() == []
    run.complete("assess_petition", assessment("import_review", "2026-09-28", justification="信访人住院治疗耽误申请期限",
                                               deadline_passed=True))
    data = run.variables
    assert data["review_deadline_passed"] is True and data["delay_justification"] == "信访人住院治疗耽误申请期限"
    assert_task(run, "explain_and_consent", end_of("2026-10-13"), priority=2)
    run.complete("explain_and_consent", consent("consent", "2026-09-29"), when=at(2026, 9, 29, 9))
    assert run.variables["review_deadline_passed"] is True
    assert_task(run, "prepare_review_application", end_of("2026-09-18"), priority=2)
    run.complete("prepare_review_application", application("2026-09-29", "2026-07-20"))
    assert_task(run, "transfer_to_review_body", end_of("2026-10-09"), priority=2)
    run.complete("transfer_to_review_body", transfer("2026-09-30"), when=at(2026, 9, 30, 9))
    run.complete("receive_transfer", receive("2026-09-30"))
    run.complete("review_acceptance", decide("refuse", "2026-10-08", reason="out_of_time"), when=at(2026, 10, 8, 9))
    run.complete("feedback_and_close", feedback("2026-10-09"))
    data = finished(run, "refused", IMPORT_PATH + ["review_acceptance", "feedback_and_close"], "end_refused")
    assert data["delay_justification"] == "信访人住院治疗耽误申请期限" and data["refusal_reason"] == "out_of_time"


def test_read_only_flag_is_not_stored(procs, users):
    """The read-only `review_deadline_passed` only decides whether the justification is asked for: a submission
    cannot change the computed variable, and an on-time import needs no justification."""
    run = Run(users)
    run.complete("assess_petition", assessment("import_review", "2026-09-28", deadline_passed=False))
    [done] = [t for t in run.tasks() if t.status == "completed"]
    assert "review_deadline_passed" not in done.data and "delay_justification" not in done.data
    assert run.variables["review_deadline_passed"] is False and run.variables["delay_justification"] == ""
    late = Run(users, NATIONAL_DAY, date_known="2026-07-20", act_date="2026-07-20")
    late.complete("assess_petition", assessment("ordinary_petition", "2026-09-28", deadline_passed=False))
    assert late.variables["review_deadline_passed"] is True
    assert open_ids(late) == ["handle_ordinary_petition"]
