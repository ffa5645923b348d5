"""Random walks over processes/compensation.bpmn (seeds 0..199) with random but valid form submissions.

Each walk starts a case as comp1 with a random registration, then repeatedly completes a random open task (as a user
eligible for it by role × organisation) with a random submission of its form; when nothing is open but a timer is set
it ticks the worker just after that timer is due. Because the only timer (the 30-day verification limit) runs while
`task_verify` is open, a walk also lets time pass to a set timer now and then (15 % of steps) so that the supervision
branch is walked too. About one walk in ten sends `enterprise_litigation` at a random step.

Every walk must end `completed` with an `outcome` the diagram can set, at the end event of that outcome, never in
`error`, never stalled; every task must have a candidate role and someone who may do it. Across the walks every option
of every form field that drives a gateway must have been chosen at least once.
"""
from __future__ import annotations

import random
import re
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from lxml import etree
from sqlalchemy import select

from app import config, db
from app.engine import clock
from app.models import Message, ProcessDefinition, ProcessInstance
from app.services.runtime import messages
from app.services.runtime import tasks
from tests.processes.formdata import random_submission
from tests.processes.harness import Case, Eligible, end_events

BJ = clock.BEIJING
SEEDS = range(200)
MAX_STEPS = 40                  # the longest legal path has about 16 user tasks and one timer
LITIGATION_SHARE = 0.10         # walks that receive enterprise_litigation at a random step
TIME_PASSES_SHARE = 0.15        # steps that let time run to a set timer although a task is open
NO_PRIOR_SHARE = 0.85           # walks registered without a prior lawsuit/review/arbitration (else random)
INTERRUPT = "enterprise_litigation"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}


def diagram():
    return etree.fromstring((config.PROCESSES_DIR / "compensation.bpmn").read_bytes())


def legal_outcomes(root) -> dict[str, str]:
    """outcome -> the top-level end event of that outcome. Every `outcome = "…"` a script sets must have one."""
    process = root.find("bpmn:process", NS)
    ends = {e.get("id") for e in process.findall("bpmn:endEvent", NS)}
    set_by_scripts = set()
    for script in root.iterfind(".//bpmn:script", NS):
        set_by_scripts |= set(re.findall(r'^outcome = "(\w+)"', script.text or "", re.M))
    assert set_by_scripts and {"end_" + o for o in set_by_scripts} == ends, (set_by_scripts, ends)
    return {o: "end_" + o for o in set_by_scripts}


def decision_fields(root, forms: dict) -> dict[str, set[str]]:
    """Form fields that a gateway condition compares with an option value -> all their options."""
    compared = set()
    for cond in root.iterfind(".//bpmn:conditionExpression", NS):
        compared |= {m.group(1) for m in re.finditer(r'\b([a-z_]+)\s*[!=]=\s*"\w+"', cond.text or "")}
    options: dict[str, set[str]] = {}

    def walk(components):
        for comp in components:
            if comp.get("key") in compared and comp.get("values"):
                options[comp["key"]] = {v["value"] for v in comp["values"]}
            walk(comp.get("components") or [])

    for form in forms.values():
        walk(form["components"])
    return options


def stats_overdue(case: Case) -> bool:
    return any(t.element_id == "task_verify_overdue" for t in case.tasks())


def walk(seed: int, users, forms: dict, start_form_key: str, decisions: dict, eligible: Eligible, outcomes: dict,
         chosen: dict, stats: Counter) -> list[str]:
    """One walk; returns the problems found (empty when the walk is sound)."""
    rng = random.Random(seed)
    now = datetime(2026, 1, 5, 9, 0, tzinfo=BJ) + timedelta(days=rng.randrange(330), minutes=rng.randrange(480))
    fixed = {"prior_proceeding": "none"} if rng.random() < NO_PRIOR_SHARE else None
    litigation_step = rng.randrange(4) if rng.random() < LITIGATION_SHARE else None
    problems: list[str] = []

    def note(data: dict):
        for key in decisions.keys() & data.keys():
            chosen[key].add(data[key])

    start = random_submission(forms[start_form_key], rng, now.date(), fixed=fixed)
    note(start)
    with clock.as_of(now):
        case = Case("compensation", users["comp1"], start)
    trail = [f"start prior={start['prior_proceeding']}"]
    litigated = False
    for step in range(MAX_STEPS):
        inst = case.instance
        if inst.status != "running":
            break
        open_tasks = case.open_tasks()
        for task in open_tasks:
            if not task.candidate_role:
                problems.append(f"{task.element_id} has no candidate role")
            elif not eligible(task):
                problems.append(f"nobody may act on {task.element_id} "
                                f"({task.candidate_role}, org {task.organisation_id})")
        if problems:
            break
        timer = inst.next_timer_due
        if step == litigation_step:
            now += timedelta(hours=rng.randint(1, 48))
            payload = {"kind": rng.choice(["lawsuit", "review", "arbitration"]),
                       "date": now.astimezone(BJ).date().isoformat(), "body": "海州区人民法院"}
            with clock.as_of(now):
                result = messages.send(INTERRUPT, {"business_key": case.business_key}, payload, users["comp1"])
            trail.append(f"litigation {payload['kind']} with {[t.element_id for t in open_tasks]} open")
            litigated = True
            if result["delivered_to"] != [case.id]:
                problems.append(f"litigation delivered to {result['delivered_to']}")
            if any(t.status != "cancelled" for t in case.tasks() if t.id in {o.id for o in open_tasks}):
                problems.append("tasks open at the litigation were not cancelled")
            if case.variables.get("outcome") != "terminated_litigation" or case.variables.get("litigation") != payload:
                problems.append(f"litigation did not terminate: outcome {case.variables.get('outcome')}")
            continue
        if timer is not None and (not open_tasks or rng.random() < TIME_PASSES_SHARE):
            now = max(now, timer.astimezone(BJ) + timedelta(minutes=1))
            fired = case.tick(now)
            trail.append(f"tick {now.isoformat()} fired {fired}")
            stats["ticks"] += 1
            if fired != 1:
                problems.append(f"timer due {timer} did not fire at {now}")
                break
            continue
        if not open_tasks:
            awaited = set(inst.awaited_messages) - {INTERRUPT}
            if not awaited:
                problems.append(f"stalled: running, no open task, no timer, awaiting only {inst.awaited_messages}")
                break
            problems.append(f"waits for messages nobody sends in this walk: {sorted(awaited)}")
            break
        task = rng.choice(open_tasks)
        now += timedelta(hours=rng.randint(1, 72))
        data = random_submission(forms[task.form_key], rng, now.astimezone(BJ).date())
        note(data)
        with clock.as_of(now):
            tasks.complete(task.id, rng.choice(eligible(task)), data)
        stats[task.element_id] += 1
        trail.append(task.element_id + "".join(f" {k}={data[k]}" for k in decisions.keys() & data.keys()))
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
        if outcomes[outcome] not in ends or len(ends & set(outcomes.values())) != 1:
            problems.append(f"outcome {outcome} but end events {sorted(ends)}")
        if case.open_tasks() or inst.awaited_messages or inst.next_timer_due is not None:
            problems.append("completed with open tasks, subscriptions or timers left")
        if litigated and outcome != "terminated_litigation":
            problems.append(f"litigated but outcome {outcome}")
        if outcome == "referred_to_mediation":
            stats["referrals"] += 1
            with db.transaction(write=False) as s:
                sent = s.scalars(select(Message).where(Message.source_instance_id == case.id)).all()
                referred = [s.get(ProcessInstance, i) for m in sent for i in m.delivered_to]
            if [m.name for m in sent] != ["mediation_request"] or len(referred) != 1 \
                    or (referred[0].process_key, referred[0].status) != ("mediation", "running"):
                problems.append(f"referral: {[(m.name, m.status) for m in sent]} reached "
                                f"{[(i.process_key, i.status, i.error_message) for i in referred]}")
            else:
                m = Case.of(referred[0].id).variables
                if m.get("source_case") != case.business_key:
                    problems.append(f"referral source_case {m.get('source_case')}")
                if (m.get("enterprise_name"), m.get("claim_amount")) != \
                        (data["enterprise_name"], data["mediation_claim_amount"]):
                    problems.append("referral lost the enterprise name or the claim amount")
                if not any(t.element_id == "review_application" for t in Case.of(referred[0].id).open_tasks()):
                    problems.append("referred mediation case does not wait at review_application")
        if outcome != "terminated_litigation":
            # no branch hands back a stale copy: every field keeps the value last submitted for it
            submitted: dict = {}
            for t in sorted((t for t in case.tasks() if t.status == "completed"), key=lambda t: t.completed_at):
                submitted.update(t.data)
            stale = {k: (data.get(k), v) for k, v in submitted.items() if data.get(k, "<missing>") != v}
            if stale:
                problems.append(f"variables differ from the last submissions: {stale}")
            if stats_overdue(case) and data.get("verify_overdue") is not True:
                problems.append("the verification went overdue but verify_overdue was lost")
            done = Counter(t.element_id for t in case.tasks() if t.status == "completed")
            counters = {"negotiation_round": done["task_negotiate"], "appraisal_count": done["task_appraisal"],
                        "joint_meeting_count": done["task_joint_meeting"]}
            if any(data.get(k) != v for k, v in counters.items()):
                problems.append(f"counters {[(k, data.get(k)) for k in counters]} but tasks done {counters}")
            if data.get("joint_meeting_count", 0) > data["limits"]["max_joint_meetings"] \
                    or data.get("appraisal_count", 0) > data["limits"]["max_appraisals"]:
                problems.append("more appraisals or joint meetings than the configured maximum")
        if litigated:
            stats["litigated walks"] += 1
        if data.get("verify_overdue"):
            stats["overdue walks"] += 1
    return [f"seed {seed}: {p} | trail: {' → '.join(trail)}" for p in problems]


def test_random_walks(deploy_process, users):
    began = time.perf_counter()
    definitions = deploy_process("compensation", "mediation")
    with db.transaction(write=False) as s:
        forms = s.scalar(select(ProcessDefinition.forms).where(ProcessDefinition.id == definitions["compensation"].id))
    root = diagram()
    outcomes = legal_outcomes(root)
    decisions = decision_fields(root, forms)
    assert set(decisions) == {"prior_proceeding", "verify_result", "negotiation_result", "enterprise_applies_mediation"}
    start_form_key = root.find(".//bpmn:startEvent[@id='start_registration']//*[@name='formKey']", NS).get("value")
    chosen: dict[str, set] = defaultdict(set)
    stats: Counter = Counter()
    eligible = Eligible()

    problems = []
    for seed in SEEDS:
        try:
            problems += walk(seed, users, forms, start_form_key, decisions, eligible, outcomes, chosen, stats)
        except Exception as err:  # a refused submission or a service error: report the seed, go on with the others
            problems.append(f"seed {seed}: {type(err).__name__}: {err} {getattr(err, 'fields', '')}")
    elapsed = time.perf_counter() - began
    print(f"\n{len(SEEDS)} walks in {elapsed:.1f} s; {dict(sorted(stats.items()))}")

    assert not problems, "\n".join(problems[:20])
    missing = {k: sorted(v - chosen[k]) for k, v in decisions.items() if v - chosen[k]}
    assert not missing, f"options never chosen: {missing}"
    assert {o for o in outcomes if stats["outcome " + o]} == set(outcomes), stats
    assert stats["litigated walks"] > 0 and stats["overdue walks"] > 0 and stats["task_verify_overdue"] > 0
    assert stats["task_appraisal"] > 0 and stats["task_joint_meeting"] > 0 and stats["referrals"] > 0
