"""Scenario tests for processes/compensation.bpmn: one test per path in docs/clauses.md (涉企合同补偿, §2).

Every case runs on the real diagram with the real forms (and the real mediation diagram, which a referral starts),
driven through the services as the people the tasks are meant for (role × organisation), with the clock pinned and
moved forward step by step so that legal dates are reproducible. Timers fire only through the worker's tick.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.util.task import TaskState

from app import db
from app.engine import clock
from app.models import Message, ProcessInstance
from app.services.runtime import commands
from app.services.admin import configure
from tests.processes.harness import Case, eligible_users, org_code

BJ = clock.BEIJING
CREDIT_CODE = "913207064CL12TH3BG"   # valid GB 32100 checksum
OFFICER, HEAD = "compensation_officer", "agency_head"

START = {
    "enterprise_name": "连云港某某新能源科技有限公司", "credit_code": CREDIT_CODE, "enterprise_type": "private",
    "legal_representative": "王某某", "contact_phone": "13800000000", "counterparty_agency": "海州区市场监督管理局",
    "counterparty_level": "county_department", "instrument_type": "administrative_agreement",
    "contract_field": "investment_attraction", "instrument_name": "新能源产业园项目投资协议",
    "instrument_number": "海招协〔2024〕8号", "instrument_date": "2024-05-10", "cause_type": "planning_adjustment",
    "cause_document": "海政发〔2025〕20号", "cause_date": "2025-11-01",
    "damage_description": "区域规划调整致项目用地不能交付，合同不能履行，前期投入受损", "prior_proceeding": "none",
    "loss_items": "设备定金、厂房设计费、人员费用", "claimed_direct_loss": 300000, "claimed_sunk_cost": 150000,
    "claimed_other_loss": 50000, "received_date": "2026-03-02",
}
CLAIMED, VERIFIED, APPRAISED, AGREED = 500000, 420000, 410000, 400000


# ---- form data, one builder per form (only valid, visible fields) ---------------------------------------------------
def verify(result="eligible", day="2026-03-16", amount=VERIFIED) -> dict:
    data = {"verification_methods": ["document_review", "site_inspection"], "site_inspection_date": "2026-03-10",
            "verification_record": "查阅投资协议及规划调整文件，实地查勘项目用地", "condition_contract_field": True,
            "condition_cause": True, "condition_loss": True, "condition_no_exclusion": result == "eligible",
            "verify_result": result, "verification_date": day}
    if result == "eligible":
        data["verified_amount"] = amount
    else:
        data["refusal_reasons"] = "企业已就同一损失申请国家赔偿，不属于补偿救济范围"
    return data


def negotiate(result, day="2026-03-20") -> dict:
    data = {"negotiation_date": day, "negotiation_location": "海州区市场监督管理局会议室", "compensation_method": "monetary",
            "enterprise_claim_amount": CLAIMED, "agency_offer_amount": 380000, "negotiation_record": "协商笔录",
            "negotiation_result": result}
    if result == "appraisal":
        data["dispute_points"] = "设备定金损失金额有争议"
    return data


def appraisal(amount=APPRAISED, day="2026-03-25") -> dict:
    return {"appraisal_type": "evaluation", "appraisal_matters": "设备定金及沉没成本", "appraisal_firm": "江苏某某资产评估有限公司",
            "appraisal_firm_selection": "agreed", "appraisal_commission_date": day,
            "appraisal_report_number": "苏某评报字〔2026〕第15号", "appraisal_report_date": day, "appraised_amount": amount}


def joint_meeting(day="2026-04-03") -> dict:
    return {"major_reasons": ["major_project", "acute_conflict"], "joint_meeting_date": day,
            "joint_meeting_departments": "区发改委、区自然资源局、区财政局", "joint_meeting_opinion": "按评估金额协商补偿"}


def report_government(day="2026-04-05") -> dict:
    return {"government_report_recipient": "海州区人民政府", "government_report_date": day,
            "government_report_content": "联合会商协调情况"}


def report_outcome(day="2026-04-12") -> dict:
    return {"outcome_report_recipient": "海州区人民政府", "outcome_report_date": day, "outcome_report_content": "补偿救济情况"}


def agreement(amount=AGREED, day="2026-04-15") -> dict:
    return {"agreement_number": "海市监补协〔2026〕1号", "agreement_date": day, "agreement_method": "monetary",
            "agreed_amount": amount, "payment_deadline": "2026-06-30", "funding_source": "区级财政",
            "agreement_terms": "一次性支付补偿款，企业放弃其他请求"}


def no_agreement(applies="no", day="2026-04-15", claim_amount=480000) -> dict:
    data = {"no_agreement_date": day, "no_agreement_reason": "补偿金额差距较大", "routes_informed": True,
            "enterprise_applies_mediation": applies}
    if applies == "yes":
        data.update(mediation_apply_date="2026-04-16", mediation_organisation="hz_sfj",
                    mediation_claims="请求补偿损失 48 万元", mediation_claim_amount=claim_amount)
    return data


def refusal_notice(day="2026-03-18") -> dict:
    return {"refusal_notice_number": "海市监补告〔2026〕1号", "refusal_notice_date": day,
            "refusal_delivery_method": "direct", "refusal_remedies_informed": True}


def verify_overdue() -> dict:
    return {"overdue_instruction": "限五日内完成核查并报告", "overdue_responsible": "郑补偿", "overdue_deadline": "2026-04-08"}


def litigation(kind="lawsuit", day="2026-03-10") -> dict:
    body = {"lawsuit": "海州区人民法院", "review": "海州区人民政府", "arbitration": "连云港仲裁委员会"}[kind]
    return {"kind": kind, "date": day, "body": body}


# ---- driving a case on a moving clock --------------------------------------------------------------------------------
class Run:
    """A compensation case whose every action happens at a pinned instant that moves forward (one hour per action
    unless told), so completion order and every date the diagram computes are reproducible."""

    def __init__(self, users, data: dict | None = None, at: datetime = datetime(2026, 3, 2, 9, 0, tzinfo=BJ)):
        self.users, self.now = users, at
        with clock.as_of(self.now):
            self.case = Case("compensation", users["comp1"], {**START, **(data or {})})

    def _advance(self, at: datetime | None) -> datetime:
        self.now = at if at is not None else self.now + timedelta(hours=1)
        return self.now

    def complete(self, element_id: str, data: dict, at: datetime | None = None) -> dict:
        with clock.as_of(self._advance(at)):
            return self.case.complete(element_id, data)

    def send(self, payload: dict, at: datetime | None = None) -> dict:
        with clock.as_of(self._advance(at)):
            return self.case.send("enterprise_litigation", payload, self.users["comp1"])

    def tick(self, at: datetime) -> int:
        self.now = at
        return self.case.tick(at)

    def __getattr__(self, name):
        return getattr(self.case, name)


def assert_task(case: Case, element_id: str, role: str, due: datetime | None = None, users: tuple = ("comp1",),
                priority: int = 0):
    """The open task is for `role` in 海州区市场监督管理局, with that due instant, and exactly these people may do it."""
    task = case.task(element_id)
    assert task.candidate_role == role, (element_id, task.candidate_role)
    assert org_code(task.organisation_id) == "hz_scjg"
    assert task.due_at == due, (element_id, task.due_at, due)
    assert task.priority == priority
    assert [u.username for u in eligible_users(task)] == list(users)
    return task


def open_ids(case: Case) -> list[str]:
    return sorted(t.element_id for t in case.open_tasks())


def statuses(case: Case) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for t in case.tasks():
        found.setdefault(t.element_id, []).append(t.status)
    return found


def end_events(case: Case) -> set[str]:
    """Ids of the end events the instance reached (main process and subprocess)."""
    with db.transaction(write=False) as s:
        rt = commands.restore(s, s.get(ProcessInstance, case.id))
    return {t.task_spec.bpmn_id for t in rt.wf.get_tasks(state=TaskState.COMPLETED, spec_class=EndEvent)}


def instances_of(process_key: str) -> list[ProcessInstance]:
    with db.transaction(write=False) as s:
        return list(s.scalars(select(ProcessInstance).where(ProcessInstance.process_key == process_key)
                              .order_by(ProcessInstance.id)))


def amounts(data: dict) -> tuple:
    return tuple(data.get(k) for k in ("claimed_amount", "verified_amount", "appraised_amount", "agreed_amount"))


VERIFY_DUE = datetime(2026, 4, 2, 0, 0, tzinfo=BJ)   # received 2026-03-02 + 30 days = 2026-04-01, end of that day


@pytest.fixture
def procs(deploy_process):
    return deploy_process("compensation", "mediation")


def start_verified(users, **start) -> Run:
    run = Run(users, start)
    assert_task(run, "task_verify", OFFICER, due=VERIFY_DUE)
    run.complete("task_verify", verify())
    assert_task(run, "task_negotiate", OFFICER)
    return run


ROLE_OF = {"task_verify": OFFICER, "task_verify_overdue": HEAD, "task_refusal_notice": OFFICER,
           "task_negotiate": OFFICER, "task_appraisal": OFFICER, "task_joint_meeting": HEAD,
           "task_report_government": HEAD, "task_report_outcome": HEAD, "task_agreement": OFFICER,
           "task_no_agreement": OFFICER}
WITH_DUE_DATE = {"task_verify", "task_refusal_notice"}
ACTOR_OF = {OFFICER: "comp1", HEAD: "head_scjg"}


def finished(run: Run, outcome: str, path: list[str], ends: set[str]) -> dict:
    """The case ended with `outcome` after exactly these user tasks, at exactly these end events, leaving no task,
    subscription or timer behind; every task it showed was for its lane's role in 海州区市场监督管理局, had a due date
    only where the diagram sets one, and was done by the person holding that role there. Returns the variables."""
    data = run.variables
    assert run.path() == path
    assert (run.status, data.get("outcome")) == ("completed", outcome)
    assert run.open_tasks() == []
    assert end_events(run) == ends
    inst = run.instance
    assert inst.awaited_messages == [] and inst.next_timer_due is None and inst.ended_at is not None
    assert inst.search_values["outcome"] == outcome
    for t in run.tasks():
        assert t.candidate_role == ROLE_OF[t.element_id], t.element_id
        assert org_code(t.organisation_id) == "hz_scjg"
        assert (t.due_at is not None) == (t.element_id in WITH_DUE_DATE), t.element_id
        assert t.completed_by == (ACTOR_OF[t.candidate_role] if t.status == "completed" else None)
    return data


# ---- registration ----------------------------------------------------------------------------------------------------
def test_registration_sets_case_data(procs, users):
    run = Run(users)
    data = run.variables
    assert run.status == "running" and run.business_key == "补〔2026〕00001号"
    assert open_ids(run) == ["task_verify"]
    assert_task(run, "task_verify", OFFICER, due=VERIFY_DUE)
    assert data["claimed_amount"] == CLAIMED and "verified_amount" not in data
    assert data["registration_date"] == "2026-03-02" and data["verify_due_date"] == "2026-04-01"
    assert (data["applicant_name"], data["respondent_agency"]) == (START["enterprise_name"], "海州区市场监督管理局")
    assert (data["dispute_type"], data["dispute_subtype"], data["case_source"]) == \
        ("administrative", "admin_compensation", "enterprise_application")
    assert data["handling_organisation"] == "hz_scjg" and data["started_by"] == "comp1"
    assert data["limits"] == {"verify_days": 30, "refusal_notice_days": 5, "max_appraisals": 3, "max_joint_meetings": 1}
    assert run.instance.awaited_messages == ["enterprise_litigation"]
    assert run.instance.next_timer_due == VERIFY_DUE


# ---- refusal ---------------------------------------------------------------------------------------------------------
def test_refused(procs, users):
    run = Run(users, {"state_compensation_filed": True})
    run.complete("task_verify", verify("not_eligible", day="2026-03-20"))
    # 2026-03-20 is a Friday: five working days later is Friday 2026-03-27, due at the end of that day
    assert_task(run, "task_refusal_notice", OFFICER, due=datetime(2026, 3, 28, 0, 0, tzinfo=BJ))
    assert run.instance.next_timer_due is None                       # verification ended: the overdue timer is gone
    run.complete("task_refusal_notice", refusal_notice())
    data = finished(run, "refused", ["task_verify", "task_refusal_notice"], {"sub_end_refused", "end_refused"})
    assert data["verify_result"] == "not_eligible"
    assert data["refusal_reasons"].startswith("企业已就同一损失申请国家赔偿")
    assert data["refusal_notice_number"] == "海市监补告〔2026〕1号" and data["state_compensation_filed"] is True
    assert amounts(data) == (CLAIMED, None, None, None) and "verified_amount" not in data
    assert data.get("verify_overdue") is None


# ---- agreement -------------------------------------------------------------------------------------------------------
def test_agreement(procs, users):
    run = start_verified(users)
    assert run.instance.next_timer_due is None
    run.complete("task_negotiate", negotiate("agreement"))
    assert_task(run, "task_agreement", OFFICER)
    run.complete("task_agreement", agreement())
    data = finished(run, "agreement", ["task_verify", "task_negotiate", "task_agreement"],
                    {"sub_end_agreement", "end_agreement"})
    assert data["closed_on"] == "2026-03-02"
    assert amounts(data) == (CLAIMED, VERIFIED, None, AGREED)
    assert data["major_case"] is False and data["negotiation_round"] == 1
    assert (data["appraisal_count"], data["joint_meeting_count"]) == (0, 0)
    assert data["negotiation_log"] == [{"round": 1, "date": "2026-03-20", "result": "agreement",
                                        "appraised_amount": None}]
    assert data["agreement_number"] == "海市监补协〔2026〕1号" and data["payment_deadline"] == "2026-06-30"
    assert data["verification_methods"] == ["document_review", "site_inspection"]
    assert "verify_overdue" not in data


def test_agreement_after_appraisal(procs, users):
    run = start_verified(users)
    run.complete("task_negotiate", negotiate("appraisal"))
    assert_task(run, "task_appraisal", OFFICER)
    run.complete("task_appraisal", appraisal())
    assert_task(run, "task_negotiate", OFFICER)
    assert run.variables["appraised_amount"] == APPRAISED
    run.complete("task_negotiate", negotiate("agreement", day="2026-03-30"))
    run.complete("task_agreement", agreement())
    data = finished(run, "agreement",
                    ["task_verify", "task_negotiate", "task_appraisal", "task_negotiate", "task_agreement"],
                    {"sub_end_agreement", "end_agreement"})
    assert amounts(data) == (CLAIMED, VERIFIED, APPRAISED, AGREED)
    assert data["major_case"] is False and (data["appraisal_count"], data["negotiation_round"]) == (1, 2)
    assert [e["appraised_amount"] for e in data["negotiation_log"]] == [None, APPRAISED]
    assert data["appraisal_report_number"] == "苏某评报字〔2026〕第15号"


def test_agreement_after_appraisal_and_joint_consultation(procs, users):
    run = start_verified(users)
    run.complete("task_negotiate", negotiate("appraisal"))
    run.complete("task_appraisal", appraisal())
    run.complete("task_negotiate", negotiate("joint_consultation", day="2026-04-01"))
    assert_task(run, "task_joint_meeting", HEAD, users=("head_scjg",))
    run.complete("task_joint_meeting", joint_meeting())
    assert_task(run, "task_report_government", HEAD, users=("head_scjg",))
    run.complete("task_report_government", report_government())
    assert_task(run, "task_negotiate", OFFICER)
    run.complete("task_negotiate", negotiate("agreement", day="2026-04-10"))
    assert_task(run, "task_report_outcome", HEAD, users=("head_scjg",))
    run.complete("task_report_outcome", report_outcome())
    assert_task(run, "task_agreement", OFFICER)
    run.complete("task_agreement", agreement())
    data = finished(run, "agreement", ["task_verify", "task_negotiate", "task_appraisal", "task_negotiate",
                                       "task_joint_meeting", "task_report_government", "task_negotiate",
                                       "task_report_outcome", "task_agreement"], {"sub_end_agreement", "end_agreement"})
    assert [t.completed_by for t in sorted(run.tasks(), key=lambda t: t.completed_at)] == \
        ["comp1", "comp1", "comp1", "comp1", "head_scjg", "head_scjg", "comp1", "head_scjg", "comp1"]
    assert data["major_case"] is True
    assert (data["appraisal_count"], data["joint_meeting_count"], data["negotiation_round"]) == (1, 1, 3)
    assert amounts(data) == (CLAIMED, VERIFIED, APPRAISED, AGREED)
    assert [e["result"] for e in data["negotiation_log"]] == ["appraisal", "joint_consultation", "agreement"]
    assert data["major_reasons"] == ["major_project", "acute_conflict"]
    assert data["government_report_recipient"] == "海州区人民政府" and data["outcome_report_content"] == "补偿救济情况"


def test_appraisal_cap_falls_to_no_agreement(procs, users):
    run = start_verified(users)
    for n, amount in enumerate((410000, 405000, 402000), start=1):
        run.complete("task_negotiate", negotiate("appraisal"))
        assert_task(run, "task_appraisal", OFFICER)
        run.complete("task_appraisal", appraisal(amount=amount))
        assert run.variables["appraisal_count"] == n
    run.complete("task_negotiate", negotiate("appraisal"))                 # a 4th request: the negotiation concludes
    assert open_ids(run) == ["task_no_agreement"]
    assert_task(run, "task_no_agreement", OFFICER)
    run.complete("task_no_agreement", no_agreement("no"))
    data = finished(run, "no_agreement",
                    ["task_verify"] + ["task_negotiate", "task_appraisal"] * 3
                    + ["task_negotiate", "task_no_agreement"],
                    {"sub_end_no_agreement", "end_no_agreement"})
    # three appraisals were commissioned; the refused 4th request is only in the negotiation log
    assert (data["appraisal_count"], data["negotiation_round"], data["major_case"]) == (3, 4, False)
    assert data["appraisal_allowed"] is False
    assert [e["result"] for e in data["negotiation_log"]] == ["appraisal"] * 4
    assert amounts(data) == (CLAIMED, VERIFIED, 402000, None)
    assert [e["appraised_amount"] for e in data["negotiation_log"]] == [None, 410000, 405000, 402000]
    assert instances_of("mediation") == []


def test_appraisal_cap_is_configurable(procs, users):
    """max_appraisals is a configured count: a case started after an administrator lowers it to 1 stops there."""
    configure.set_time_limit("compensation", "max_appraisals", 1, "admin")
    run = start_verified(users)
    assert run.variables["limits"]["max_appraisals"] == 1
    run.complete("task_negotiate", negotiate("appraisal"))
    run.complete("task_appraisal", appraisal())
    run.complete("task_negotiate", negotiate("appraisal"))
    assert open_ids(run) == ["task_no_agreement"]
    run.complete("task_no_agreement", no_agreement("no"))
    data = finished(run, "no_agreement", ["task_verify", "task_negotiate", "task_appraisal", "task_negotiate",
                                          "task_no_agreement"], {"sub_end_no_agreement", "end_no_agreement"})
    assert data["appraisal_count"] == 1
    assert Run(users).variables["limits"]["max_appraisals"] == 1        # new cases take the value in force...
    configure.set_time_limit("compensation", "max_appraisals", 3, "admin")
    assert run.variables["limits"]["max_appraisals"] == 1                # ...running cases keep theirs


def test_second_joint_consultation_request_concludes(procs, users):
    run = start_verified(users)
    run.complete("task_negotiate", negotiate("joint_consultation"))
    assert_task(run, "task_joint_meeting", HEAD, users=("head_scjg",))
    run.complete("task_joint_meeting", joint_meeting())
    run.complete("task_report_government", report_government())
    run.complete("task_negotiate", negotiate("joint_consultation", day="2026-04-08"))   # beyond max_joint_meetings
    assert open_ids(run) == ["task_report_outcome"]
    assert_task(run, "task_report_outcome", HEAD, users=("head_scjg",))
    run.complete("task_report_outcome", report_outcome())
    assert_task(run, "task_no_agreement", OFFICER)
    run.complete("task_no_agreement", no_agreement("no"))
    data = finished(run, "no_agreement", ["task_verify", "task_negotiate", "task_joint_meeting",
                                          "task_report_government", "task_negotiate", "task_report_outcome",
                                          "task_no_agreement"],
                    {"sub_end_no_agreement", "end_no_agreement"})
    # one joint meeting was held; the refused 2nd request is only in the negotiation log
    assert (data["joint_meeting_count"], data["negotiation_round"], data["major_case"]) == (1, 2, True)
    assert data["joint_meeting_allowed"] is False
    assert [e["result"] for e in data["negotiation_log"]] == ["joint_consultation"] * 2
    assert amounts(data) == (CLAIMED, VERIFIED, None, None)


# ---- no agreement ----------------------------------------------------------------------------------------------------
def test_no_agreement_referred_to_mediation(procs, users):
    run = start_verified(users)
    run.complete("task_negotiate", negotiate("no_agreement"))
    assert_task(run, "task_no_agreement", OFFICER)
    run.complete("task_no_agreement", no_agreement("yes", claim_amount=480000))
    data = finished(run, "referred_to_mediation", ["task_verify", "task_negotiate", "task_no_agreement"],
                    {"sub_end_referred", "end_referred_to_mediation"})
    assert amounts(data) == (CLAIMED, VERIFIED, None, None) and data["mediation_claim_amount"] == 480000

    [mediation] = instances_of("mediation")
    with db.transaction(write=False) as s:
        [msg] = s.scalars(select(Message).where(Message.name == "mediation_request")).all()
    assert (msg.source_instance_id, msg.status, msg.delivered_to) == (run.id, "delivered", [mediation.id])
    assert mediation.status == "running" and mediation.business_key == "调〔2026〕00001号"
    assert org_code(mediation.organisation_id) == "hz_sfj"
    referred = Case.of(mediation.id)
    m = referred.variables
    assert m["source_case"] == run.business_key == "补〔2026〕00001号"
    assert m["case_source"] == "compensation_referral" and m["dispute_subtype"] == "admin_compensation"
    assert m["enterprise_name"] == m["applicant_name"] == START["enterprise_name"] and m["credit_code"] == CREDIT_CODE
    assert m["respondent_agency"] == "海州区市场监督管理局" and m["respondent_level"] == "county_department"
    assert m["claims"] == "请求补偿损失 48 万元" and m["claim_amount"] == 480000
    assert m["received_date"] == "2026-04-16" and m["handling_organisation"] == "hz_sfj"
    ref = m["referral"]
    assert (ref["claimed_amount"], ref["verified_amount"], ref["appraised_amount"], ref["claim_amount"]) == \
        (CLAIMED, VERIFIED, None, 480000)
    assert ref["compensation_received_date"] == "2026-03-02" and ref["major_case"] is False
    assert "补偿金额差距较大" in m["facts"]
    [first] = referred.open_tasks()
    assert first.element_id == "review_application" and first.candidate_role == "intake"
    assert org_code(first.organisation_id) == "hz_sfj"
    assert [u.username for u in eligible_users(first)] == ["intake1"]


def test_no_agreement_without_mediation(procs, users):
    run = start_verified(users)
    run.complete("task_negotiate", negotiate("no_agreement"))
    run.complete("task_no_agreement", no_agreement("no"))
    data = finished(run, "no_agreement", ["task_verify", "task_negotiate", "task_no_agreement"],
                    {"sub_end_no_agreement", "end_no_agreement"})
    assert data["enterprise_applies_mediation"] == "no" and "mediation_organisation" not in data
    assert amounts(data) == (CLAIMED, VERIFIED, None, None)
    assert instances_of("mediation") == []
    with db.transaction(write=False) as s:
        assert s.scalars(select(Message).where(Message.name == "mediation_request")).all() == []


# ---- litigation, review or arbitration: the procedure ends at any stage ---------------------------------------------
def assert_terminated(run: Run, kind: str, day: str, body: str, path: list[str], sub_ends: set[str] = frozenset()):
    data = finished(run, "terminated_litigation", path, {"end_terminated_litigation", *sub_ends})
    assert data["litigation"] == {"kind": kind, "date": day, "body": body}
    assert (data["termination_kind"], data["termination_date"], data["termination_body"]) == (kind, day, body)
    assert "第四十条第四款" in data["termination_reason"]
    assert data["claimed_amount"] == CLAIMED and data["enterprise_name"] == START["enterprise_name"]
    return data


def test_litigation_before_registration(procs, users):
    run = Run(users, {"prior_proceeding": "review", "prior_proceeding_date": "2026-02-20",
                      "prior_proceeding_body": "海州区人民政府"})
    assert run.tasks() == []
    data = assert_terminated(run, "review", "2026-02-20", "海州区人民政府", [])
    assert data["terminated_on"] == "2026-03-02"


def test_litigation_during_verification(procs, users):
    run = Run(users)
    sent = run.send(litigation("lawsuit", "2026-03-10"), at=datetime(2026, 3, 10, 15, 0, tzinfo=BJ))
    assert sent == {"delivered_to": [run.id]}
    assert statuses(run) == {"task_verify": ["cancelled"]}
    data = assert_terminated(run, "lawsuit", "2026-03-10", "海州区人民法院", [])
    assert data["terminated_on"] == "2026-03-10"
    assert run.tick(datetime(2026, 5, 1, tzinfo=BJ)) == 0                 # the overdue timer went with the subprocess
    assert [t.element_id for t in run.tasks()] == ["task_verify"]


def test_litigation_during_negotiation(procs, users):
    run = start_verified(users)
    run.complete("task_negotiate", negotiate("appraisal"))
    run.complete("task_appraisal", appraisal())
    assert_task(run, "task_negotiate", OFFICER)
    run.send(litigation("lawsuit", "2026-03-28"))
    assert statuses(run) == {"task_verify": ["completed"], "task_negotiate": ["completed", "cancelled"],
                             "task_appraisal": ["completed"]}
    assert_terminated(run, "lawsuit", "2026-03-28", "海州区人民法院", ["task_verify", "task_negotiate", "task_appraisal"])
    # what was entered inside the cancelled subprocess stays in the task records
    done = {t.element_id: t.data for t in run.tasks() if t.status == "completed"}
    assert done["task_verify"]["verified_amount"] == VERIFIED
    assert done["task_appraisal"]["appraised_amount"] == APPRAISED


def test_litigation_review_during_negotiation(procs, users):
    run = start_verified(users)
    run.send(litigation("review", "2026-03-19"))
    assert statuses(run) == {"task_verify": ["completed"], "task_negotiate": ["cancelled"]}
    assert_terminated(run, "review", "2026-03-19", "海州区人民政府", ["task_verify"])


def test_litigation_during_appraisal(procs, users):
    run = Run(users, {"instrument_type": "civil_contract", "contract_field": "government_procurement"})
    run.complete("task_verify", verify())
    run.complete("task_negotiate", negotiate("appraisal"))
    assert_task(run, "task_appraisal", OFFICER)
    run.send(litigation("arbitration", "2026-03-24"))
    assert statuses(run) == {"task_verify": ["completed"], "task_negotiate": ["completed"],
                             "task_appraisal": ["cancelled"]}
    assert_terminated(run, "arbitration", "2026-03-24", "连云港仲裁委员会", ["task_verify", "task_negotiate"])


def test_litigation_during_joint_consultation(procs, users):
    run = start_verified(users)
    run.complete("task_negotiate", negotiate("joint_consultation"))
    assert_task(run, "task_joint_meeting", HEAD, users=("head_scjg",))
    run.send(litigation("lawsuit", "2026-03-25"))
    assert statuses(run) == {"task_verify": ["completed"], "task_negotiate": ["completed"],
                             "task_joint_meeting": ["cancelled"]}
    assert_terminated(run, "lawsuit", "2026-03-25", "海州区人民法院", ["task_verify", "task_negotiate"])


def test_litigation_while_supervision_open(procs, users):
    # received 2026-04-01, registered 40 days later: the verification deadline (end of 2026-05-01) is already past
    run = Run(users, {"received_date": "2026-04-01"}, at=datetime(2026, 5, 11, 9, 0, tzinfo=BJ))
    assert open_ids(run) == ["task_verify", "task_verify_overdue"]
    assert_task(run, "task_verify", OFFICER, due=datetime(2026, 5, 2, tzinfo=BJ))
    assert_task(run, "task_verify_overdue", HEAD, users=("head_scjg",), priority=10)
    run.send(litigation("lawsuit", "2026-05-11"))
    assert statuses(run) == {"task_verify": ["cancelled"], "task_verify_overdue": ["cancelled"]}
    assert_terminated(run, "lawsuit", "2026-05-11", "海州区人民法院", [])


def test_litigation_message_for_another_case_is_not_delivered(procs, users):
    one, two = Run(users), Run(users)
    one.send(litigation())
    assert one.variables["outcome"] == "terminated_litigation"
    assert two.status == "running" and open_ids(two) == ["task_verify"] and "outcome" not in two.variables


# ---- the 30-day verification time limit ------------------------------------------------------------------------------
def test_verify_in_time_no_supervision(procs, users):
    run = Run(users)
    assert run.tick(datetime(2026, 4, 1, 23, 59, 59, tzinfo=BJ)) == 0
    run.complete("task_verify", verify(day="2026-04-01"), at=datetime(2026, 4, 1, 23, 59, 59, tzinfo=BJ))
    assert run.instance.next_timer_due is None
    assert run.tick(datetime(2026, 4, 3, tzinfo=BJ)) == 0
    assert open_ids(run) == ["task_negotiate"]
    assert "task_verify_overdue" not in statuses(run) and "verify_overdue" not in run.variables


def _overdue(users) -> Run:
    run = Run(users)
    assert run.instance.next_timer_due == VERIFY_DUE
    assert run.tick(datetime(2026, 4, 1, 23, 59, 59, tzinfo=BJ)) == 0      # day 30 has not ended yet
    assert open_ids(run) == ["task_verify"]
    assert run.tick(datetime(2026, 4, 2, 0, 0, 1, tzinfo=BJ)) == 1         # it has: supervision, verification goes on
    assert open_ids(run) == ["task_verify", "task_verify_overdue"]
    assert_task(run, "task_verify", OFFICER, due=VERIFY_DUE)
    assert_task(run, "task_verify_overdue", HEAD, users=("head_scjg",), priority=10)
    assert run.instance.next_timer_due is None and run.status == "running"
    data = run.variables
    assert data["verify_overdue"] is True and data["verify_overdue_at"] == "2026-04-02T00:00:01+08:00"
    return run


def test_verify_overdue_supervised_then_agreement(procs, users):
    run = _overdue(users)
    run.complete("task_verify_overdue", verify_overdue(), at=datetime(2026, 4, 2, 9, 0, tzinfo=BJ))
    assert open_ids(run) == ["task_verify"]
    run.complete("task_verify", verify(day="2026-04-07"), at=datetime(2026, 4, 7, 9, 0, tzinfo=BJ))
    run.complete("task_negotiate", negotiate("agreement", day="2026-04-10"))
    run.complete("task_agreement", agreement())
    data = finished(run, "agreement", ["task_verify_overdue", "task_verify", "task_negotiate", "task_agreement"],
                    {"sub_end_overdue", "sub_end_agreement", "end_agreement"})
    assert data["verify_overdue"] is True and data["overdue_instruction"] == "限五日内完成核查并报告"
    assert data["verification_completed_on"] == "2026-04-07"
    assert amounts(data) == (CLAIMED, VERIFIED, None, AGREED)


def test_verify_overdue_auto_closed_when_verified(procs, users):
    run = _overdue(users)
    run.complete("task_verify", verify(day="2026-04-03"), at=datetime(2026, 4, 3, 9, 0, tzinfo=BJ))
    assert statuses(run) == {"task_verify": ["completed"], "task_verify_overdue": ["cancelled"],
                             "task_negotiate": ["open"]}
    run.complete("task_negotiate", negotiate("agreement", day="2026-04-10"))
    run.complete("task_agreement", agreement())
    data = finished(run, "agreement", ["task_verify", "task_negotiate", "task_agreement"],
                    {"sub_end_overdue_closed", "sub_end_agreement", "end_agreement"})
    assert data["verify_overdue"] is True and data["verify_overdue_at"] == "2026-04-02T00:00:01+08:00"
    assert amounts(data) == (CLAIMED, VERIFIED, None, AGREED) and data["major_case"] is False
    assert "overdue_instruction" not in data


def test_verify_overdue_then_refused(procs, users):
    run = _overdue(users)
    run.complete("task_verify", verify("not_eligible", day="2026-04-03"), at=datetime(2026, 4, 3, 9, 0, tzinfo=BJ))
    assert statuses(run)["task_verify_overdue"] == ["cancelled"]
    # Friday 2026-04-03, a weekend and 清明 Monday 04-06 off: working days 04-07..04-10, then the 5th is Monday 04-13
    assert_task(run, "task_refusal_notice", OFFICER, due=datetime(2026, 4, 14, tzinfo=BJ))
    run.complete("task_refusal_notice", refusal_notice(day="2026-04-08"))
    data = finished(run, "refused", ["task_verify", "task_refusal_notice"],
                    {"sub_end_overdue_closed", "sub_end_refused", "end_refused"})
    assert data["verify_overdue"] is True and data["refusal_notice_date"] == "2026-04-08"
    assert amounts(data) == (CLAIMED, None, None, None)
