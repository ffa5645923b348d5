"""统计报送 (procedures.md §1 step 12; 恩阳方案: each unit reports the disputes it received and mediated by the 25th of every
month, the 司法局 reports to the district government every half year, major cases are reported at once): the figures
of a month ("2026-10"), a quarter ("2026-Q3") or a half year ("2026-H2"), per handling organisation, per dispute type,
per procedure, and in total, with the list of major cases.

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
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, func, not_, or_, select
from sqlalchemy.orm import Session, aliased

from app.engine import clock
from app.models import InstanceVariable, Organisation, ProcessInstance, Task
from app.services.errors import Invalid


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
PROCESS_LABELS = {"mediation": "行政调解", "compensation": "涉企合同补偿", "petition_to_review": "信访导入行政复议"}
DISPUTE_TYPES = {"civil": "与行政管理职能相关的民事纠纷", "administrative": "行政争议"}  # forms/mediation_start.json
UNCLASSIFIED = "未分类"
EVENTS = ("accepted", "not_accepted", "transferred", "succeeded", "terminated", "major")

COLUMNS = [  # key, label (the order of the report's figures)
    ("received", "收案"), ("accepted", "受理"), ("not_accepted", "不予受理"), ("transferred", "移送"),
    ("succeeded", "调解成功"), ("terminated", "终止"), ("concluded", "办结"), ("success_rate", "调解成功率（%）"),
    ("avg_days", "平均办理天数"), ("overdue", "超期案件"), ("overdue_days", "平均超期天数"), ("major", "重大案件"),
]
DEFINITIONS = {
    "received": "期间内登记的案件（以系统登记时间计，补录案件计入登记当月）",
    "accepted": "期间内作出受理的案件：行政调解进入指定调解员；涉企补偿核查符合条件进入协商；信访导入复议由复议机构受理或视为受理",
    "not_accepted": "期间内不予受理的案件：行政调解不予受理或对方不同意调解；涉企补偿核查不符合条件；复议机构不予受理",
    "transferred": "期间内移送的案件：行政调解移送有权机关；涉企补偿转入行政调解；信访导入其他法定途径或转普通信访程序",
    "succeeded": "期间内达成协议的案件：制作调解协议书（含部分达成）或协商协议书",
    "terminated": "期间内终止的案件：终止调解；补偿协商不成或因诉讼、复议、仲裁自动终止；复议申请视为放弃",
    "concluded": "期间内有办理结果的案件（不予受理、移送、调解成功、终止；信访导入复议另含受理）",
    "success_rate": "调解成功 ÷（调解成功 + 终止）× 100，即期间内调解（协商）结束的案件中达成协议的比例",
    "avg_days": "期间内办结案件自登记至办理结果的平均日历天数",
    "overdue": "法定期限届满于期间内而未按期办理的案件（逾期办理或期末仍未办理）",
    "overdue_days": "上述超期环节的平均超期天数（计至办理完成或期末）",
    "major": "期间内认定的重大案件：行政调解重大案件报告（涉及人数较多、社会影响大、可能影响社会稳定）；涉企补偿召开联合会商会",
}
CN_NUMBERS = "一二三四"
_CHUNK = 500


@dataclass(frozen=True)
class Period:
    code: str
    kind: str          # month | quarter | half
    label: str
    first_day: date
    end_day: date      # exclusive

    @property
    def start(self) -> datetime:
        return clock.beijing_start(self.first_day)

    @property
    def end(self) -> datetime:
        return clock.beijing_start(self.end_day)

    @property
    def due(self) -> date | None:
        """恩阳方案: the monthly figures are submitted by the 25th; taken here as the 25th of the following month."""
        return self.end_day.replace(day=25) if self.kind == "month" else None


def parse_period(code: str) -> Period:
    text = (code or "").strip()
    m = re.fullmatch(r"(\d{4})-(?:(\d{2})|Q([1-4])|H([12]))", text)
    year = int(m.group(1)) if m else 0
    if not m or not 2000 <= year <= 2100 or (m.group(2) and not 1 <= int(m.group(2)) <= 12):
        raise Invalid("统计期间格式不正确，应为 2026-10（月）、2026-Q3（季度）或 2026-H2（半年） / period must be YYYY-MM, "
                      "YYYY-Qn or YYYY-Hn", fields={"period": "格式应为 2026-10、2026-Q3 或 2026-H2 / bad period"})
    if m.group(2):
        month = int(m.group(2))
        first, months, kind, label = date(year, month, 1), 1, "month", f"{year}年{month}月"
    elif m.group(3):
        q = int(m.group(3))
        first, months, kind, label = date(year, 3 * q - 2, 1), 3, "quarter", f"{year}年第{CN_NUMBERS[q - 1]}季度"
    else:
        h = int(m.group(4))
        first, months, kind, label = date(year, 6 * h - 5, 1), 6, "half", f"{year}年{'上' if h == 1 else '下'}半年"
    end_month = first.month - 1 + months
    end_day = date(first.year + end_month // 12, end_month % 12 + 1, 1)
    return Period(text, kind, label, first, end_day)


def month_code(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def default_period(today: date | None = None) -> str:
    """The month due for submission: the last closed month."""
    today = today or clock.today()
    return month_code(today.replace(day=1) - timedelta(days=1))


def recent_periods(today: date | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Choices for the period picker: the last 24 months, 8 quarters and 4 half years, the current one first."""
    today = today or clock.today()
    months, day = [], today.replace(day=1)
    for _ in range(24):
        months.append(month_code(day))
        day = (day - timedelta(days=1)).replace(day=1)
    quarter = today.year * 4 + (today.month - 1) // 3   # quarters since year 0, counting from 0
    quarters = [f"{i // 4}-Q{i % 4 + 1}" for i in range(quarter, quarter - 8, -1)]
    half = today.year * 2 + (today.month - 1) // 6
    halves = [f"{i // 2}-H{i % 2 + 1}" for i in range(half, half - 4, -1)]
    return [(title, [(c, parse_period(c).label) for c in codes])
            for title, codes in (("月度", months), ("季度", quarters), ("半年度", halves))]


# ---- the report ------------------------------------------------------------------------------------------------------
def report(session: Session, org_ids: set[int], period: str, process_key: str | None = None) -> dict:
    """The figures of `period` for the cases handled by `org_ids` (a supervisor's subtree), of one procedure or all."""
    per = parse_period(period)
    now = clock.now()
    if per.start > now:
        raise Invalid(f"统计期间 {per.label} 尚未开始 / the period has not started", fields={"period": "统计期间尚未开始"})
    if process_key is not None and process_key not in RULES:
        raise Invalid(f"没有程序 {process_key} 的统计口径 / no statistics for this process",
                      fields={"process_key": "可选：" + "、".join(RULES)})
    keys = [process_key] if process_key else list(RULES)
    closed = per.end <= now
    cut = per.end if closed else now  # an open period counts what has happened up to now
    orgs = {o.id: o for o in session.execute(
        select(Organisation.id, Organisation.code, Organisation.name, Organisation.kind, Organisation.parent_id)
        .where(Organisation.id.in_(org_ids)))} if org_ids else {}
    scope = sorted(orgs)

    received = _received(session, keys, scope, per.start, cut)
    events: dict[str, dict[int, datetime]] = {e: {} for e in EVENTS}
    closing_at: dict[int, datetime] = {}
    for key in keys:
        for event, rules in RULES[key].items():
            for rule in rules:
                for iid, at in _events(session, key, rule, scope, per.start, cut).items():
                    events[event][iid] = min(at, events[event].get(iid, at))
                    if event in CLOSING[key]:
                        closing_at[iid] = min(at, closing_at.get(iid, at))
    late = _overdue(session, keys, scope, per.start, cut)

    ids = set(received) | set(closing_at) | {i for i, _days in late} | {i for found in events.values() for i in found}
    facts = _facts(session, ids)
    groups: dict[tuple, dict] = {}

    def add(iid: int, figure: str, value=1):
        fact = facts[iid]
        for group in (("org", fact["organisation_id"]), ("type", fact["dispute_type"]), ("process", fact["process_key"]),
                      ("total", None)):
            acc = groups.setdefault(group, _blank())
            if figure in ("durations", "late_days"):
                acc[figure].append(value)
            elif figure == "overdue":
                acc["overdue_ids"].add(iid)
            else:
                acc[figure] += 1

    for iid in received:
        add(iid, "received")
    for event, found in events.items():
        for iid in found:
            add(iid, event)
    for iid, at in closing_at.items():
        add(iid, "concluded")
        add(iid, "durations", (at - facts[iid]["started_at"]).total_seconds() / 86400)
    for iid, days in late:
        add(iid, "overdue")
        add(iid, "late_days", days)

    tree = _tree_order(orgs)
    org_rows = [{"id": oid, "code": orgs[oid].code, "name": orgs[oid].name, **_figures(groups.get(("org", oid)))}
                for oid in tree if ("org", oid) in groups or orgs[oid].kind == "department"]
    type_rows = [{"code": code, "name": label, **_figures(groups.get(("type", code)))}
                 for code, label in (*DISPUTE_TYPES.items(), (None, UNCLASSIFIED)) if ("type", code) in groups]
    process_rows = [{"code": key, "name": PROCESS_LABELS[key], **_figures(groups.get(("process", key)))} for key in keys]
    major_ids = sorted(events["major"], key=lambda i: (events["major"][i], i))
    return {
        "period": {"code": per.code, "kind": per.kind, "label": per.label, "first_day": per.first_day.isoformat(),
                   "last_day": (per.end_day - timedelta(days=1)).isoformat(), "closed": closed,
                   "as_of": cut.astimezone(clock.BEIJING).isoformat(), "due": per.due.isoformat() if per.due else None},
        "process_key": process_key,
        "processes": [{"code": k, "name": PROCESS_LABELS[k]} for k in keys],
        "scope": "、".join(orgs[o].name for o in tree if orgs[o].parent_id not in orgs),
        "columns": [{"key": k, "label": label, "definition": DEFINITIONS[k]} for k, label in COLUMNS],
        "organisations": org_rows,
        "dispute_types": type_rows,
        "by_process": process_rows,
        "totals": _figures(groups.get(("total", None))),
        "major_cases": _major_list(session, major_ids, events["major"], facts, orgs, cut),
    }


def _blank() -> dict:
    return {"received": 0, **{e: 0 for e in EVENTS}, "concluded": 0, "durations": [], "late_days": [],
            "overdue_ids": set()}


def _figures(acc: dict | None) -> dict:
    acc = acc or _blank()
    ended_mediations = acc["succeeded"] + acc["terminated"]
    return {
        "received": acc["received"], "accepted": acc["accepted"], "not_accepted": acc["not_accepted"],
        "transferred": acc["transferred"], "succeeded": acc["succeeded"], "terminated": acc["terminated"],
        "concluded": acc["concluded"],
        "success_rate": _round1(100 * acc["succeeded"] / ended_mediations) if ended_mediations else None,
        "avg_days": _round1(sum(acc["durations"]) / len(acc["durations"])) if acc["durations"] else None,
        "overdue": len(acc["overdue_ids"]),
        "overdue_days": _round1(sum(acc["late_days"]) / len(acc["late_days"])) if acc["late_days"] else None,
        "major": acc["major"],
    }


def _round1(value: float) -> float:
    """四舍五入 to one decimal, as a statistics return is rounded (Python's round() halves to even)."""
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def _tree_order(orgs: dict) -> list[int]:
    """Organisations parent first, siblings by id (the order a 司法局 lists its units)."""
    children: dict = {}
    for oid, org in orgs.items():
        children.setdefault(org.parent_id if org.parent_id in orgs else None, []).append(oid)
    out, stack = [], sorted(children.get(None, []), reverse=True)
    while stack:
        oid = stack.pop()
        out.append(oid)
        stack.extend(sorted(children.get(oid, []), reverse=True))
    return out


# ---- queries ---------------------------------------------------------------------------------------------------------
def _received(session: Session, keys: list[str], scope: list[int], start: datetime, end: datetime) -> list[int]:
    P = ProcessInstance
    return list(session.scalars(select(P.id).where(P.process_key.in_(keys), P.organisation_id.in_(scope),
                                                   P.started_at >= start, P.started_at < end)))


def _events(session: Session, key: str, rule: Rule, scope: list[int], start: datetime | None, end: datetime,
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


def _overdue(session: Session, keys: list[str], scope: list[int], start: datetime, cut: datetime
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


def _facts(session: Session, ids: set[int]) -> dict[int, dict]:
    P = ProcessInstance
    dtype, applicant = aliased(InstanceVariable), aliased(InstanceVariable)
    out = {}
    ordered = sorted(ids)
    for i in range(0, len(ordered), _CHUNK):
        query = (select(P.id, P.process_key, P.business_key, P.organisation_id, P.started_at, dtype.value, applicant.value)
                 .outerjoin(dtype, and_(dtype.instance_id == P.id, dtype.name == "dispute_type"))
                 .outerjoin(applicant, and_(applicant.instance_id == P.id, applicant.name == "applicant_name"))
                 .where(P.id.in_(ordered[i:i + _CHUNK])))
        for iid, key, bkey, org_id, started, dispute, name in session.execute(query):
            out[iid] = {"process_key": key, "business_key": bkey, "organisation_id": org_id, "started_at": started,
                        "dispute_type": dispute if dispute in DISPUTE_TYPES else None, "applicant_name": name or ""}
    return out


def _major_list(session, ids: list[int], became: dict[int, datetime], facts: dict, orgs: dict, cut: datetime) -> list:
    """The major cases of the period with where each stood at the period's end (its result by then, if any)."""
    standing: dict[int, tuple[datetime, str]] = {}
    by_key: dict[str, list[int]] = {}
    for iid in ids:
        by_key.setdefault(facts[iid]["process_key"], []).append(iid)
    for key, members in by_key.items():
        for event in (*CLOSING[key], "accepted"):
            for rule in RULES[key].get(event, []):
                for iid, at in _events(session, key, rule, sorted(orgs), None, cut, only=members).items():
                    rank = (0 if event in CLOSING[key] else 1, at)
                    if iid not in standing or rank < standing[iid][0]:
                        standing[iid] = (rank, event)
    labels = dict(COLUMNS)
    out = []
    for iid in ids:
        fact = facts[iid]
        event = standing.get(iid, (None, None))[1]
        out.append({
            "instance_id": iid, "business_key": fact["business_key"], "process": PROCESS_LABELS[fact["process_key"]],
            "organisation": orgs[fact["organisation_id"]].name, "applicant_name": fact["applicant_name"],
            "dispute_type": DISPUTE_TYPES.get(fact["dispute_type"], UNCLASSIFIED),
            "registered_on": _day(fact["started_at"]), "major_on": _day(became[iid]),
            "standing": ("已受理，办理中" if event == "accepted" else labels[event]) if event else "办理中",
        })
    return out


def _day(moment: datetime) -> str:
    return moment.astimezone(clock.BEIJING).date().isoformat()
