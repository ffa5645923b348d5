"""统计报送 (procedures.md §1 step 12; 恩阳方案: each unit reports the disputes it received and mediated by the 25th of every
month, the 司法局 reports to the district government every half year, major cases are reported at once): the figures
of a month ("2026-10"), a quarter ("2026-Q3") or a half year ("2026-H2"), per handling organisation, per dispute type,
per procedure, and in total, with the list of major cases. What each figure counts, and how it is found:
`reporting.counting`; the periods: `reporting.periods`.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.engine import clock
from app.i18n import N_, Text
from app.models import Organisation
from app.services.errors import Invalid
from app.services.reporting import counting
from app.services.reporting.counting import CLOSING, EVENTS, RULES
from app.services.reporting.periods import parse_period

PROCESS_LABELS = {"mediation": "行政调解", "compensation": "涉企合同补偿", "petition_to_review": "信访导入行政复议"}
UNCLASSIFIED = "未分类"

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


def report(session: Session, org_ids: set[int], period: str, process_key: str | None = None) -> dict:
    """The figures of `period` for the cases handled by `org_ids` (a supervisor's subtree), of one procedure or all."""
    per = parse_period(period)
    now = clock.now()
    if per.start > now:
        raise Invalid(N_("统计期间 {period} 尚未开始"), period=per.label, fields={"period": N_("统计期间尚未开始")})
    if process_key is not None and process_key not in RULES:
        raise Invalid(N_("没有程序 {key} 的统计口径"), key=process_key,
                      fields={"process_key": Text(N_("可选：{choices}"), choices="、".join(RULES))})
    keys = [process_key] if process_key else list(RULES)
    closed = per.end <= now
    cut = per.end if closed else now  # an open period counts what has happened up to now
    orgs = {o.id: o for o in session.execute(
        select(Organisation.id, Organisation.code, Organisation.name, Organisation.kind, Organisation.parent_id)
        .where(Organisation.id.in_(org_ids)))} if org_ids else {}
    scope = sorted(orgs)

    received = counting.received(session, keys, scope, per.start, cut)
    events: dict[str, dict[int, datetime]] = {e: {} for e in EVENTS}
    closing_at: dict[int, datetime] = {}
    for key in keys:
        for event, rules in RULES[key].items():
            for rule in rules:
                for iid, at in counting.events(session, key, rule, scope, per.start, cut).items():
                    events[event][iid] = min(at, events[event].get(iid, at))
                    if event in CLOSING[key]:
                        closing_at[iid] = min(at, closing_at.get(iid, at))
    late = counting.overdue(session, keys, scope, per.start, cut)

    ids = set(received) | set(closing_at) | {i for i, _days in late} | {i for found in events.values() for i in found}
    dispute_types = counting.dispute_type_labels(session)
    facts = counting.facts(session, ids, dispute_types)
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
                 for code, label in (*dispute_types.items(), (None, UNCLASSIFIED)) if ("type", code) in groups]
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
        "major_cases": _major_list(session, major_ids, events["major"], facts, dispute_types, orgs, cut),
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


def _major_list(session, ids: list[int], became: dict[int, datetime], facts: dict, dispute_types: dict, orgs: dict,
                cut: datetime) -> list:
    """The major cases of the period with where each stood at the period's end (its result by then, if any)."""
    standing: dict[int, tuple[datetime, str]] = {}
    by_key: dict[str, list[int]] = {}
    for iid in ids:
        by_key.setdefault(facts[iid]["process_key"], []).append(iid)
    for key, members in by_key.items():
        for event in (*CLOSING[key], "accepted"):
            for rule in RULES[key].get(event, []):
                for iid, at in counting.events(session, key, rule, sorted(orgs), None, cut, only=members).items():
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
            "dispute_type": dispute_types.get(fact["dispute_type"], UNCLASSIFIED),
            "registered_on": _day(fact["started_at"]), "major_on": _day(became[iid]),
            "standing": ("已受理，办理中" if event == "accepted" else labels[event]) if event else "办理中",
        })
    return out


def _day(moment: datetime) -> str:
    return moment.astimezone(clock.BEIJING).date().isoformat()
