"""What the statistics count, and the SQL that finds it (the figures are put together in `reporting.stats`).

Reproducible by construction: every figure counts events dated by an instant that was stored when the event happened
and is never rewritten — a case's registration (process_instance.started_at), the first time a step was shown
(task.created_at), the time a step was done or withdrawn (task.completed_at), a case's end (ended_at) — falling in
[start, end) of the period in Beijing time. All of it is SQL over stored columns (the task projection, the searchable
instance variables); no workflow state is deserialized. A closed period gives the same numbers whenever it is run,
whatever has happened since; an open period (the current month) counts up to now.

What is counted (a "case" is an instance of one of the procedures in RULES; each figure counts cases, not steps):
- 收案 received: cases registered in the period (started_at). The form's received_date is not used: a clerk may
  backdate it, and 信访导入复议 rewrites it after 补正; a late entry counts in the month it was entered and never changes
  a closed month.
- 受理 accepted: mediation — 指定调解员 first shown (the step after 受理决定「受理」); compensation — 与企业协商 first
  shown (核查符合补偿救济条件); petition — the review body accepted, or its 5 working days passed (视为受理), dated by
  the review step that decided it.
- 不予受理 not_accepted: mediation — outcome not_accepted (受理决定) or other_party_refused (对方不同意调解, decided at
  审查 or 协调); compensation — 告知企业不予补偿 shown (核查不符合条件); petition — outcome refused (复议机构不予受理).
- 移送 transferred: mediation — 移送并告知申请人 done; compensation — outcome referred_to_mediation (企业申请行政调解);
  petition — 导入其他法定途径 done, or the ordinary petition track entered.
- 调解成功 succeeded: mediation — 制作调解协议书 done (the agreement, full or partial; 履行与回访 follow later);
  compensation — 制作协商协议书 done.
- 终止 terminated: mediation — 终止调解 done; compensation — outcome no_agreement (企业不申请调解), or
  terminated_litigation (诉讼、复议或仲裁, dated by the case's end); petition — outcome abandoned (补正期满视为放弃).
- 办结 concluded: cases with a result in the period: 不予受理, 移送, 调解成功 or 终止 (for petition also 受理, which
  ends the import).
- 调解成功率 success_rate: 调解成功 ÷ (调解成功 + 终止) × 100, i.e. of the mediations and negotiations that ended in
  the period, the share that ended in agreement; empty when none ended.
- 平均办理天数 avg_days: mean calendar days from registration to the result, over the cases concluded in the period.
- 超期 overdue: cases with a step whose legal due time (task.due_at) fell in the period and that was not done by it:
  done late, or still open when the period ended (a step withdrawn before the period ended — a window closed by its
  timer, a cancelled case — is not counted). overdue_days: mean days late of those steps, up to the step's completion
  or the period's end, whichever came first.
- 重大案件 major: cases that became major in the period: mediation's 重大案件报告 shown (涉及人数较多、社会影响大、可能影响
  社会稳定, reported at once), compensation's 联合会商会 shown (项目特别重大、矛盾突出).

An outcome-coded result (outcome is a searchable variable) is dated by the step that decided it; the shipped diagrams
set those outcomes in the same command as that step and never change them afterwards, so the date and the result are
both fixed once written. Rows: the handling organisation (process_instance.organisation_id, which 第三十九条 routing
sets at registration) and the searchable dispute_type (civil / administrative, set at registration; petitions carry
none). A supervisor who edits outcome or dispute_type by repair changes the figures of the periods they touch.
The labels of the dispute types are the options of the `dispute_type` field in the forms deployed with the procedures.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, not_, or_, select
from sqlalchemy.orm import Session, aliased

from app.models import InstanceVariable, ProcessDefinition, ProcessInstance, Task
from app.services.runtime.forms import input_components


@dataclass(frozen=True)
class Rule:
    """How one kind of event is found: `reached` (first time a step was shown), `done` (first time a step was
    completed), `decided` (outcome in `outcomes`, dated by the last completion or withdrawal of the deciding steps),
    `ended` (outcome in `outcomes`, dated by the case's end)."""
    how: str
    elements: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()


def reached(*elements: str) -> Rule:
    return Rule("reached", elements)


def done(*elements: str) -> Rule:
    return Rule("done", elements)


def decided(outcomes: tuple[str, ...], *elements: str) -> Rule:
    return Rule("decided", elements, outcomes)


def ended(*outcomes: str) -> Rule:
    return Rule("ended", (), outcomes)


RULES: dict[str, dict[str, list[Rule]]] = {
    "mediation": {
        "accepted": [reached("assign_mediators")],
        "not_accepted": [decided(("not_accepted",), "decide_acceptance"),
                         decided(("other_party_refused",), "review_application", "coordinate_joint")],
        "transferred": [done("transfer_case")],
        "succeeded": [done("draft_agreement")],
        "terminated": [done("terminate_mediation")],
        "major": [reached("report_major_case")],
    },
    "compensation": {
        "accepted": [reached("task_negotiate")],
        "not_accepted": [reached("task_refusal_notice")],
        "transferred": [decided(("referred_to_mediation",), "task_no_agreement")],
        "succeeded": [done("task_agreement")],
        "terminated": [decided(("no_agreement",), "task_no_agreement"), ended("terminated_litigation")],
        "major": [reached("task_joint_meeting")],
    },
    "petition_to_review": {
        "accepted": [decided(("accepted", "deemed_accepted"), "review_acceptance", "review_acceptance_final")],
        "not_accepted": [decided(("refused",), "review_acceptance", "review_acceptance_final")],
        "transferred": [done("route_other_procedure"), reached("handle_ordinary_petition")],
        "terminated": [decided(("abandoned",), "record_correction_reply", "record_correction_reply_extended")],
    },
}
CLOSING = {  # the results that conclude a case of each procedure
    "mediation": ("not_accepted", "transferred", "succeeded", "terminated"),
    "compensation": ("not_accepted", "transferred", "succeeded", "terminated"),
    "petition_to_review": ("accepted", "not_accepted", "transferred", "terminated"),
}
EVENTS = ("accepted", "not_accepted", "transferred", "succeeded", "terminated", "major")
DISPUTE_FIELD = "dispute_type"  # the searchable variable the report's rows of dispute types are split by
_CHUNK = 500


def dispute_type_labels(session: Session) -> dict[str, str]:
    """{value: label} of the dispute-type options in the forms deployed with the procedures, in the order the newest
    version lists them (options only older versions had follow, so their cases keep their label)."""
    labels: dict[str, str] = {}
    for forms in session.scalars(select(ProcessDefinition.forms).where(ProcessDefinition.key.in_(list(RULES)))
                                 .order_by(ProcessDefinition.key, ProcessDefinition.version.desc())):
        for form in (forms or {}).values():
            for comp in input_components(form):
                if comp["key"] == DISPUTE_FIELD:
                    for option in comp.get("values") or []:
                        labels.setdefault(option["value"], option.get("label") or option["value"])
    return labels


def received(session: Session, keys: list[str], scope: list[int], start: datetime, end: datetime) -> list[int]:
    P = ProcessInstance
    return list(session.scalars(select(P.id).where(P.process_key.in_(keys), P.organisation_id.in_(scope),
                                                   P.started_at >= start, P.started_at < end)))


def events(session: Session, key: str, rule: Rule, scope: list[int], start: datetime | None, end: datetime,
            only: list[int] | None = None) -> dict[int, datetime]:
    """{instance id: when} for the cases of `key` in `scope` whose event of `rule` happened in [start, end)."""
    P, T, V = ProcessInstance, Task, InstanceVariable
    if rule.how == "ended":
        instance, at = P.id, P.ended_at
        query = (select(P.id, at).join(V, and_(V.instance_id == P.id, V.name == "outcome"))
                 .where(P.process_key == key, P.organisation_id.in_(scope), V.value.in_(rule.outcomes), at < end))
        if start is not None:
            query = query.where(at >= start)
    else:
        instance = T.instance_id
        at = {"reached": func.min(T.created_at), "done": func.min(T.completed_at),
              "decided": func.max(T.completed_at)}[rule.how]
        query = (select(T.instance_id, at).join(P, P.id == T.instance_id)
                 .where(T.process_key == key, T.element_id.in_(rule.elements), P.organisation_id.in_(scope)))
        if rule.how == "reached":
            query = query.where(T.created_at < end)   # the first showing is before `end` iff some showing is
        elif rule.how == "done":
            query = query.where(T.status == "completed", T.completed_at < end)
        else:
            query = (query.where(T.status.in_(("completed", "cancelled")))
                     .join(V, and_(V.instance_id == T.instance_id, V.name == "outcome"))
                     .where(V.value.in_(rule.outcomes)))
        query = query.group_by(T.instance_id).having(at < end)
        if start is not None:
            query = query.having(at >= start)
    if only is not None:
        query = query.where(instance.in_(only))
    return {iid: when for iid, when in session.execute(query)}


def overdue(session: Session, keys: list[str], scope: list[int], start: datetime, cut: datetime
             ) -> list[tuple[int, float]]:
    """(instance id, days late) of the steps due in [start, cut) not done by their due time."""
    P, T = ProcessInstance, Task
    rows = session.execute(
        select(T.instance_id, T.due_at, T.completed_at).join(P, P.id == T.instance_id)
        .where(T.process_key.in_(keys), P.organisation_id.in_(scope), T.due_at >= start, T.due_at < cut,
               T.created_at < cut,
               or_(T.completed_at.is_(None), T.completed_at > T.due_at),
               not_(and_(T.status == "cancelled", T.completed_at < cut))))
    return [(iid, (min(completed or cut, cut) - due).total_seconds() / 86400) for iid, due, completed in rows]


def facts(session: Session, ids: set[int], dispute_types: dict[str, str]) -> dict[int, dict]:
    """What the report shows of each case; a dispute type that is not one of `dispute_types` is unclassified."""
    P = ProcessInstance
    dtype, applicant = aliased(InstanceVariable), aliased(InstanceVariable)
    out = {}
    ordered = sorted(ids)
    for i in range(0, len(ordered), _CHUNK):
        query = (select(P.id, P.process_key, P.business_key, P.organisation_id, P.started_at, dtype.value, applicant.value)
                 .outerjoin(dtype, and_(dtype.instance_id == P.id, dtype.name == DISPUTE_FIELD))
                 .outerjoin(applicant, and_(applicant.instance_id == P.id, applicant.name == "applicant_name"))
                 .where(P.id.in_(ordered[i:i + _CHUNK])))
        for iid, key, bkey, org_id, started, dispute, name in session.execute(query):
            out[iid] = {"process_key": key, "business_key": bkey, "organisation_id": org_id, "started_at": started,
                        "dispute_type": dispute if dispute in dispute_types else None, "applicant_name": name or ""}
    return out
