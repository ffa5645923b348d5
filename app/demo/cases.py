"""Demo cases for a fresh installation, so that every page has something real to show: mediation cases of 海州区司法局
at different steps (one just registered, one whose review is overdue, one in mediation, one that ended in an
agreement-less termination), run through the real services with the clock set back to when each step happened.
Seeded once, only when no case exists yet; refused in production like the rest of the demo."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from app import config, db
from app.engine import clock
from app.engine.workdays import calendar
from app.i18n import N_
from app.models import ProcessInstance, Task, User
from app.services.design import deployments
from app.services.runtime import instances
from app.services.admin import settings
from app.services.runtime import tasks
from app.services.errors import Forbidden
from app.vocabulary import TaskState

ID_CARDS = ("320706197901209702", "320706198503150017", "320706199007070020", "320706196812240033")  # valid checksums


def seed_demo_cases() -> int:
    """Returns how many cases were created (0 when cases exist already or mediation is not deployed)."""
    if config.environment() == "production":
        raise Forbidden(N_("生产环境禁止写入演示数据"))
    with db.transaction(write=False) as session:
        if session.scalar(select(func.count()).select_from(ProcessInstance)):
            return 0
        if deployments.latest_definition(session, "mediation", required=False) is None:
            return 0
        settings.refresh_calendar(session)
        users = {u.username: u for u in session.scalars(select(User))}
    today = clock.today()

    def workday(n: int):
        """The n-th working day before today."""
        day = today
        while n:
            day -= timedelta(days=1)
            n -= calendar.is_workday(day)
        return day

    _registered(users, "张三", ID_CARDS[0], today)
    _registered(users, "李四", ID_CARDS[1], workday(12))                 # review never done: overdue
    case = _registered(users, "王五", ID_CARDS[2], workday(6))
    _accepted(users, case, workday(6))                                  # now in mediation
    case = _registered(users, "赵六", ID_CARDS[3], workday(20))
    _accepted(users, case, workday(20))
    _complete(users, case, "mediation_session", workday(10), {
        "session_date": workday(10).isoformat(), "session_participants": "双方当事人、调解员", "session_record": "调解笔录",
        "session_result": "terminate"}, "mediator1")
    _complete(users, case, "terminate_mediation", workday(10), {
        "termination_date": workday(10).isoformat(), "termination_reason": "no_agreement", "termination_detail": "调解不成",
        "termination_other_routes": ["administrative_review", "administrative_lawsuit"],
        "termination_notice_date": workday(10).isoformat()}, "mediator1", hour=15)
    return 4


def _at(day, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=clock.BEIJING)


def _registered(users: dict, name: str, id_card: str, day) -> int:
    data = {"case_source": "application", "application_form": "written", "received_date": day.isoformat(),
            "dispute_type": "administrative", "dispute_subtype": "discretion", "applicant_type": "natural_person",
            "applicant_name": name, "applicant_id_number": id_card, "applicant_phone": "13800138000",
            "other_party_name": "海州区市场监督管理局", "respondent_agency": "海州区市场监督管理局",
            "respondent_level": "county_department", "act_document_number": "海市监罚〔2026〕12号",
            "act_date": (day - timedelta(days=20)).isoformat(), "act_known_date": (day - timedelta(days=18)).isoformat(),
            "claims": "撤销罚款决定", "claim_amount": 5000, "facts": "申请人对罚款金额有异议", "major_case": False}
    with clock.as_of(_at(day, 9)):
        return instances.start("mediation", users["intake1"], data)["id"]


def _accepted(users: dict, instance_id: int, day) -> None:
    iso = day.isoformat()
    _complete(users, instance_id, "review_application", day, {
        "review_checks": ["parties_clear", "mediable"], "review_result": "within_duties", "is_complex": False,
        "review_opinion": "经审查，符合受理条件", "other_party_consent": "consent", "consent_record": "电话联系对方当事人，已记录"},
        "intake1")
    _complete(users, instance_id, "decide_acceptance", day, {
        "acceptance_decision": "accept", "decision_date": iso, "notice_date": iso, "deadline_warning_given": True,
        "rights_duties_notified": True}, "head1", hour=11)
    _complete(users, instance_id, "assign_mediators", day, {
        "mediator_1": "李调解", "mediator_2": "赵调解", "head_presides": False, "mediation_place": "海州区司法局调解室",
        "first_session_date": iso, "recusal_requested": False}, "head1", hour=14)
    _complete(users, instance_id, "investigate", day, {
        "investigation_methods": ["review_documents", "interview_parties"], "investigation_date": iso,
        "investigation_record": "调查笔录", "facts_found": "查明的事实"}, "mediator1", hour=16)


def _complete(users: dict, instance_id: int, element_id: str, day, data: dict, username: str, hour: int = 10) -> None:
    with db.transaction(write=False) as session:
        task_id = session.scalar(select(Task.id).where(Task.instance_id == instance_id, Task.element_id == element_id,
                                                       Task.status == TaskState.OPEN))
    with clock.as_of(_at(day, hour)):
        tasks.complete(task_id, users[username], data)
