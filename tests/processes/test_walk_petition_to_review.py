"""Random walks over processes/petition_to_review.bpmn (seeds 0..199) with random but valid form submissions.

Each walk starts a case as petition1 on a random day of 2026 (so walks cross 春节, 清明, 劳动节, 端午, 中秋 and 国庆 with their
调休 days) with a random registration, then repeatedly completes a random open task (as a user eligible for it by
role × organisation) with a random submission of its form; when nothing is open but a timer is set it ticks the worker
just after that timer is due.

Dates the review body enters start its working-day periods (`received_date`, `correction_notice_date`,
`correction_received_date`): random dates in the past would make the five-working-day timer due at once, so the walk
enters them as "today" of its moving clock (and the extended 补正 date a few days around today, so that an extension
earlier than the statutory date is tried too). So the correction loop and the final review are reachable; and now and
then (seeded, 20 % of steps with a timer set) the walk lets time run to the timer while a task is open, so that deemed
acceptance and abandonment happen too. A quarter of the walks run with `max_corrections` = 2, and 60 % are steered
into the import with consent (the other 40 % choose every decision at random), so that most walks reach the review
side where the periods and the 补正 loop are.

Every walk must end `completed` with an `outcome` the diagram can set, at the end event of that outcome, never in
`error`, never stalled; every task must have a candidate role, its lane's organisation, a due date exactly where the
diagram sets one, and someone who may do it; while a task with a deadline timer is open, the timer is due exactly when
the task is (the end of its due day), and that day is checked against an independent working-day count
(chinese_calendar). Across the walks every option of every form field that drives a gateway (per form) was chosen,
and every end event was reached.
"""
from __future__ import annotations

import random
import re
import time
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import chinese_calendar
from lxml import etree
from sqlalchemy import select

from app import config, db
from app.engine import clock
from app.models import ProcessDefinition
from app.services.admin import configure
from app.services.runtime import tasks
from app.services.runtime.forms import input_components
from tests.processes.formdata import random_submission
from tests.processes.harness import Case, Eligible, end_events, org_code

BJ = clock.BEIJING
KEY = "petition_to_review"
SEEDS = range(200)
MAX_STEPS = 40                  # the longest legal path has 14 user tasks and no more than one timer
TIME_PASSES_SHARE = 0.20        # steps that let time run to a set timer although a task is open
TWO_CORRECTIONS_SHARE = 0.25    # walks started with max_corrections = 2
IMPORT_SHARE = 0.60             # walks steered into the import (the review side is where the periods and loops are)
LATE_SHARE = 0.25               # walks whose applicant learnt of the act 50–400 days ago (deadline often passed)
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
LANE_ROLES = {"信访工作人员": "petition_officer", "复议工作人员": "review_officer"}
ROLE_ORG = {"petition_officer": "lyg_xfj", "review_officer": "lyg_fyjg"}
REVIEW_TASKS = {"review_acceptance", "review_acceptance_final"}
CORRECTION_TASKS = {"record_correction_reply", "record_correction_reply_extended"}


def diagram():
    return etree.fromstring((config.PROCESSES_DIR / f"{KEY}.bpmn").read_bytes())


def legal_outcomes(root) -> dict[str, str]:
    """outcome -> its end event, read from each end event's documentation (`outcome = "…"`). Every outcome a script
    sets must have exactly one end event and every end event one outcome."""
    process = root.find("bpmn:process", NS)
    by_end = {}
    for end in process.findall("bpmn:endEvent", NS):
        doc = end.findtext("bpmn:documentation", "", NS)
        found = re.findall(r'outcome = "(\w+)"', doc)
        assert len(found) == 1, (end.get("id"), doc)
        by_end[end.get("id")] = found[0]
    set_by_scripts = set()
    for script in root.iterfind(".//bpmn:script", NS):
        set_by_scripts |= set(re.findall(r'^\s*outcome = "(\w+)"', script.text or "", re.M))
    assert set_by_scripts == set(by_end.values()) and len(by_end) == len(set_by_scripts), (set_by_scripts, by_end)
    return {o: e for e, o in by_end.items()}


def user_tasks(root) -> dict[str, dict]:
    """element id -> {role, form, has_due} for every user task, the role from its lane."""
    process = root.find("bpmn:process", NS)
    lane_of = {ref.text: LANE_ROLES[lane.get("name")] for lane in process.iterfind(".//bpmn:lane", NS)
               for ref in lane.findall("bpmn:flowNodeRef", NS)}
    found = {}
    for el in process.findall("bpmn:userTask", NS):
        props = {p.get("name"): p.get("value") for p in el.iterfind(".//spiffworkflow:property", NS)}
        found[el.get("id")] = {"role": lane_of[el.get("id")], "form": props["formKey"], "has_due": "dueDate" in props}
    return found


def decision_fields(root, forms: dict) -> dict[tuple[str, str], set]:
    """(form key, field) -> all its options, for every form field a gateway condition compares with an option value
    (`decision == "accept"`) or tests as a flag (`grant_extension`)."""
    compared, flags = set(), set()
    for cond in root.iterfind(".//bpmn:conditionExpression", NS):
        text = (cond.text or "").strip()
        compared |= {m.group(1) for m in re.finditer(r'\b([a-z_]+)\s*[!=]=\s*"\w+"', text)}
        if re.fullmatch(r"(not\s+)?[a-z_]+", text):
            flags.add(text.split()[-1])
    options: dict[tuple[str, str], set] = {}
    for form_key, form in forms.items():
        for comp in input_components(form):
            if comp["key"] in compared and comp.get("values"):
                options[(form_key, comp["key"])] = {v["value"] for v in comp["values"]}
            elif comp["key"] in flags and comp["type"] == "checkbox" and not comp.get("readonly"):
                options[(form_key, comp["key"])] = {True, False}
    return options


# ---- an independent working-day oracle (the engine uses its own calendar; this one reads chinese_calendar only) ----
def workdays_after(day: str, n: int) -> str:
    d = date.fromisoformat(day)
    while n:
        d += timedelta(days=1)
        n -= chinese_calendar.is_workday(d)
    return d.isoformat()


def end_of(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=BJ) + timedelta(days=1)


def set_max_corrections(value: int, current: list) -> None:
    if current[0] != value:
        configure.set_time_limit(KEY, "max_corrections", value, "admin")
        current[0] = value


def pinned(element_id: str, today: date, rng: random.Random, start: dict, steer: bool) -> dict:
    """Dates the officer enters as "today" so that the working-day periods run from the present; a steered walk
    also imports with consent."""
    iso = today.isoformat()
    extended = (today + timedelta(days=rng.randint(-3, 30))).isoformat()
    return {
        "assess_petition": {"assessment_date": iso, **({"assessment_decision": "import_review"} if steer else {})},
        "explain_and_consent": {"explanation_date": iso, "consent_date": iso,
                                **({"consent_decision": "consent"} if steer else {})},
        "prepare_review_application": {"application_date": iso, "date_known": start["date_known"]},
        "transfer_to_review_body": {"transfer_date": iso},
        "receive_transfer": {"received_date": iso},
        "review_acceptance": {"acceptance_date": iso, "correction_notice_date": iso, "refusal_date": iso},
        "review_acceptance_final": {"acceptance_date": iso, "refusal_date": iso},
        "record_correction_reply": {"correction_received_date": iso, "correction_extended_due_date": extended},
        "record_correction_reply_extended": {"correction_received_date": iso},
    }.get(element_id, {})


def echo_read_only(form: dict, variables: dict, data: dict) -> dict:
    """What the task page sends back for read-only fields: the values it was shown."""
    for comp in input_components(form):
        if comp.get("readonly") and comp["key"] in variables:
            data[comp["key"]] = variables[comp["key"]]
    return data


def walk(seed: int, users, forms: dict, spec: dict, decisions: dict, eligible: Eligible, outcomes: dict,
         chosen: dict, stats: Counter, max_corrections: list) -> list[str]:
    """One walk; returns the problems found (empty when the walk is sound)."""
    rng = random.Random(seed)
    now = datetime(2026, 1, 5, 9, 0, tzinfo=BJ) + timedelta(days=rng.randrange(330), minutes=rng.randrange(480))
    set_max_corrections(2 if rng.random() < TWO_CORRECTIONS_SHARE else 1, max_corrections)
    steer = rng.random() < IMPORT_SHARE
    today = now.date()
    known_ago = rng.randint(50, 400) if rng.random() < LATE_SHARE else rng.randint(0, 40)
    fixed = {"petition_received_date": (today - timedelta(days=rng.randint(0, 5))).isoformat(),
             "date_known": (today - timedelta(days=known_ago)).isoformat()}
    problems: list[str] = []

    def note(form_key: str, data: dict):
        for (fk, key) in decisions:
            if fk == form_key and key in data:
                chosen[(fk, key)].add(data[key])
        for key in ("review_rights_notified", "procedure_type"):
            if key in data:
                chosen[("script", key)].add(data[key])

    start_form = spec["start_form"]
    start = random_submission(forms[start_form], rng, today, fixed=fixed)
    note(start_form, start)
    with clock.as_of(now):
        case = Case(KEY, users["petition1"], start)
    submitted: list[tuple[str, dict]] = [("start", start)]
    trail = [f"start {today} known={start['date_known']} notified={start['review_rights_notified']} "
             f"max_corrections={max_corrections[0]} steered={steer}"]
    timers_fired: list[tuple[str, datetime]] = []
    for step in range(MAX_STEPS):
        inst = case.instance
        if inst.status != "running":
            break
        open_tasks = case.open_tasks()
        if len(open_tasks) > 1:
            problems.append(f"more than one task open: {[t.element_id for t in open_tasks]}")
        for task in open_tasks:
            want = spec["tasks"][task.element_id]
            if not task.candidate_role:
                problems.append(f"{task.element_id} has no candidate role")
            elif task.candidate_role != want["role"] or org_code(task.organisation_id) != ROLE_ORG[want["role"]]:
                problems.append(f"{task.element_id} for {task.candidate_role} in {org_code(task.organisation_id)}")
            elif not eligible(task):
                problems.append(f"nobody may act on {task.element_id} "
                                f"({task.candidate_role}, org {task.organisation_id})")
            if (task.due_at is not None) != want["has_due"]:
                problems.append(f"{task.element_id} due_at {task.due_at} "
                                f"but the diagram sets dueDate: {want['has_due']}")
            if task.element_id in REVIEW_TASKS | CORRECTION_TASKS:
                v = case.variables
                if task.element_id in REVIEW_TASKS:
                    day = workdays_after(v["received_date"], v["limits"]["accept_decide_workdays"])
                else:
                    day = v["correction_due_date"]
                    if task.element_id == "record_correction_reply" and \
                            day != workdays_after(v["correction_notice_date"], v["limits"]["correction_workdays"]):
                        problems.append(f"correction_due_date {day} for notice {v['correction_notice_date']}")
                if (task.due_at, inst.next_timer_due) != (end_of(day), end_of(day)):
                    problems.append(f"{task.element_id}: due {task.due_at}, timer {inst.next_timer_due}, "
                                    f"expected the end of {day}")
            elif inst.next_timer_due is not None:
                problems.append(f"timer {inst.next_timer_due} set while only {task.element_id} is open")
        if problems:
            break
        timer = inst.next_timer_due
        if timer is not None and (not open_tasks or rng.random() < TIME_PASSES_SHARE):
            if case.tick(timer - timedelta(seconds=1)) != 0:
                problems.append(f"timer due {timer} fired a second early")
                break
            now = max(now, timer.astimezone(BJ) + timedelta(minutes=1))
            fired = case.tick(now)
            trail.append(f"tick {now.isoformat()} with {[t.element_id for t in open_tasks]} open, fired {fired}")
            timers_fired.append((open_tasks[0].element_id if open_tasks else "", timer))
            stats["ticks"] += 1
            stats["timer on " + (open_tasks[0].element_id if open_tasks else "-")] += 1
            if fired != 1:
                problems.append(f"timer due {timer} did not fire at {now}")
                break
            continue
        if not open_tasks:
            problems.append(f"stalled: running, no open task, no timer, awaiting {inst.awaited_messages}")
            break
        task = rng.choice(open_tasks)
        now += timedelta(hours=rng.randint(1, 48))
        today = now.astimezone(BJ).date()
        form = forms[task.form_key]
        data = random_submission(form, rng, today, fixed=pinned(task.element_id, today, rng, start, steer))
        data = echo_read_only(form, case.variables, data)
        note(task.form_key, data)
        with clock.as_of(now):
            tasks.complete(task.id, rng.choice(eligible(task)), data)
        done = [t for t in case.tasks() if t.id == task.id][0]
        submitted.append((task.element_id, done.data))
        stats[task.element_id] += 1
        trail.append(task.element_id + "".join(f" {k}={data[k]}" for (fk, k) in decisions
                                                if fk == task.form_key and k in data))
    else:
        problems.append(f"not finished after {MAX_STEPS} steps")

    inst = case.instance
    data = case.variables
    outcome = data.get("outcome")
    if inst.status != "completed":
        problems.append(f"status {inst.status} {inst.error_element or ''} {inst.error_message or ''}")
    elif outcome not in outcomes:
        problems.append(f"illegal outcome {outcome!r}")
    else:
        stats["outcome " + outcome] += 1
        ends = end_events(case.id)
        if ends != {outcomes[outcome]}:
            problems.append(f"outcome {outcome} but end events {sorted(ends)}")
        if case.open_tasks() or inst.awaited_messages or inst.next_timer_due is not None:
            problems.append("completed with open tasks, subscriptions or timers left")
        if inst.search_values.get("outcome") != outcome:
            problems.append(f"searchable outcome {inst.search_values.get('outcome')}")
        problems += consistent(case, data, outcome, submitted, timers_fired, stats)
    return [f"seed {seed}: {p} | trail: {' → '.join(trail)}" for p in problems]


def consistent(case: Case, data: dict, outcome: str, submitted: list, timers_fired: list, stats: Counter) -> list[str]:
    """The final variables agree with what was submitted and with the path taken."""
    problems = []
    by_task = defaultdict(list)
    for element_id, values in submitted:
        by_task[element_id].append(values)
    cancelled = [t.element_id for t in case.tasks() if t.status == "cancelled"]
    if [e for e, _ in timers_fired] != cancelled:
        problems.append(f"timers fired on {timers_fired} but cancelled tasks {cancelled}")
    reviews = [(e, v) for e, v in submitted if e in REVIEW_TASKS]
    replies = [v for e, v in submitted if e == "record_correction_reply_extended"
               or e == "record_correction_reply" and not v.get("grant_extension")]
    expected = None
    assessment = by_task["assess_petition"][0]["assessment_decision"] if by_task["assess_petition"] else None
    if assessment == "other_procedure":
        expected = "routed_other_procedure"
    elif assessment == "ordinary_petition":
        expected = "ordinary_track"
    elif by_task["explain_and_consent"] and by_task["explain_and_consent"][0]["consent_decision"] == "refuse":
        expected = "consent_refused_ordinary_track"
    elif cancelled and cancelled[-1] in REVIEW_TASKS:
        expected = "deemed_accepted"
    elif cancelled and cancelled[-1] in CORRECTION_TASKS:
        expected = "abandoned"
    elif reviews:
        expected = {"accept": "accepted", "refuse": "refused"}.get(reviews[-1][1]["acceptance_decision"])
    if outcome != expected:
        problems.append(f"outcome {outcome} but the path says {expected}")
    # no branch hands back a stale copy: every field keeps the value last submitted for it, except the two the
    # diagram itself moves on (received_date restarts at each 补正 reply; grant_extension is reset once used)
    last: dict = {}
    for _, values in submitted:
        last.update(values)
    stale = {k: (data.get(k), v) for k, v in last.items()
             if k not in ("received_date", "grant_extension") and data.get(k, "<missing>") != v}
    if stale:
        problems.append(f"variables differ from the last submissions: {stale}")
    if by_task["receive_transfer"]:
        first = by_task["receive_transfer"][0]["received_date"]
        want = replies[-1]["correction_received_date"] if replies else first
        if data.get("received_date") != want:
            problems.append(f"received_date {data.get('received_date')}, expected {want}")
        if data["correction_count"] != len(replies):
            problems.append(f"correction_count {data['correction_count']} after {len(replies)} replies")
        if data["correction_count"] > data["limits"]["max_corrections"]:
            problems.append("more 补正 rounds than the configured maximum")
        notices = [v for e, v in reviews if v.get("acceptance_decision") == "request_correction"]
        if notices and data.get("initial_received_date") != first:
            problems.append(f"initial_received_date {data.get('initial_received_date')}, expected {first}")
        if reviews and reviews[-1][0] == "review_acceptance_final" and data["correction_count"] < \
                data["limits"]["max_corrections"]:
            problems.append("final review before the 补正 limit was reached")
        if notices:
            stats["corrections"] += len(notices)
        due = None                      # the 补正 period as the law and the extensions granted make it
        for e, v in submitted:
            if e in REVIEW_TASKS and v.get("acceptance_decision") == "request_correction":
                due = workdays_after(v["correction_notice_date"], data["limits"]["correction_workdays"])
            elif e == "record_correction_reply" and v.get("grant_extension"):
                stats["extensions"] += 1
                stats["extensions ignored"] += v["correction_extended_due_date"] <= due
                due = max(due, v["correction_extended_due_date"])
        if due is not None and data["correction_due_date"] != due:
            problems.append(f"correction_due_date {data['correction_due_date']}, expected {due}")
    if outcome == "deemed_accepted":
        want = workdays_after(data["received_date"], data["limits"]["accept_decide_workdays"])
        if (data["acceptance_date"], data["procedure_type"]) != (want, "normal"):
            problems.append(f"deemed accepted on {data['acceptance_date']}, expected {want}")
    if outcome in ("accepted", "deemed_accepted"):
        limit = "review_simple_decide_days" if data["procedure_type"] == "simple" else "review_decide_days"
        want = date.fromisoformat(data["acceptance_date"]) + timedelta(days=data["limits"][limit])
        if data["review_decision_due"] != want.isoformat():
            problems.append(f"review_decision_due {data['review_decision_due']} for {data['acceptance_date']}")
    if data.get("review_deadline_passed"):
        stats["late walks"] += 1
        if assessment == "import_review" and not data.get("delay_justification"):
            problems.append("a late application was imported without a justification")
    if by_task["review_acceptance_final"] or "review_acceptance_final" in cancelled:
        stats["final reviews"] += 1
    if data["limits"]["max_corrections"] == 2 and data.get("correction_count") == 2:
        stats["two corrections"] += 1
    return problems


def test_random_walks(deploy_process, users):
    began = time.perf_counter()
    definitions = deploy_process(KEY)
    with db.transaction(write=False) as s:
        forms = s.scalar(select(ProcessDefinition.forms).where(ProcessDefinition.id == definitions[KEY].id))
    root = diagram()
    outcomes = legal_outcomes(root)
    assert set(outcomes) == {"routed_other_procedure", "ordinary_track", "consent_refused_ordinary_track", "accepted",
                             "refused", "deemed_accepted", "abandoned"}
    decisions = decision_fields(root, forms)
    assert set(decisions) == {("petition_assessment", "assessment_decision"), ("petition_consent", "consent_decision"),
                              ("petition_acceptance_review", "acceptance_decision"),
                              ("petition_acceptance_review_final", "acceptance_decision"),
                              ("petition_correction_reply", "grant_extension")}
    start_form = root.find(".//bpmn:startEvent[@id='start_registration']//*[@name='formKey']", NS).get("value")
    spec = {"tasks": user_tasks(root), "start_form": start_form}
    chosen: dict = defaultdict(set)
    stats: Counter = Counter()
    eligible = Eligible()
    max_corrections = [1]

    problems = []
    for seed in SEEDS:
        try:
            problems += walk(seed, users, forms, spec, decisions, eligible, outcomes, chosen, stats, max_corrections)
        except Exception as err:  # a refused submission or a service error: report the seed, go on with the others
            problems.append(f"seed {seed}: {type(err).__name__}: {err} {getattr(err, 'fields', '')}")
    elapsed = time.perf_counter() - began
    print(f"\n{len(SEEDS)} walks in {elapsed:.1f} s; {dict(sorted(stats.items()))}")

    assert not problems, "\n".join(problems[:20])
    missing = {k: sorted(v - chosen[k], key=str) for k, v in decisions.items() if v - chosen[k]}
    assert not missing, f"options never chosen: {missing}"
    assert chosen[("script", "review_rights_notified")] == {"notified", "not_notified"}
    assert chosen[("script", "procedure_type")] == {"normal", "simple"}
    assert {o for o in outcomes if stats["outcome " + o]} == set(outcomes), stats
    assert stats["final reviews"] > 0 and stats["two corrections"] > 0 and stats["late walks"] > 0
    assert stats["record_correction_reply_extended"] > 0 and stats["extensions ignored"] > 0
    assert {k for k in stats if k.startswith("timer on ")} == {"timer on " + e for e in REVIEW_TASKS | CORRECTION_TASKS}
