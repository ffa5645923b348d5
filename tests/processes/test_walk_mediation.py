"""Random walks through processes/mediation.bpmn with random but valid form data (seeds 0..199).

Each walk starts a case with a random start form, then repeatedly completes a random open task (as a user eligible
by role × organisation) with a random submission of its form, or — when no task is open, and now and then also while
tasks are open — lets the legal time pass to just after the next timer and ticks the worker. Every walk must end
"completed" through the end event its `outcome` names, never in error and never stalled, and every task created must
have a candidate role and somebody who may act on it. Across all walks every option of every form field that a
gateway condition reads must have been chosen.
"""
from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.util.task import TaskState

from app import config, db
from app.engine import clock
from app.models import ProcessInstance
from app.services.runtime import commands
from app.services.runtime import instances
from app.services.runtime.forms import input_components
from tests.processes.formdata import random_submission
from tests.processes.harness import Case, eligible_users, org_code

pytestmark = pytest.mark.slow

BJ = clock.BEIJING
SEEDS = 200
MAX_STEPS = 200
START_AT = datetime(2026, 3, 2, 9, 0, tzinfo=BJ)    # the walks' fixed "today"
P_LET_TIME_PASS = 0.25                               # while tasks are open and a timer is pending
STARTER = "intake1"

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
XML = ET.parse(config.PROCESSES_DIR / "mediation.bpmn").getroot()
# outcome code per end event, from the end events' documentation (`outcome = "…"`)
END_OUTCOMES = {e.get("id"): re.search(r'outcome = "(\w+)"', e.findtext("bpmn:documentation", "", NS)).group(1)
                for e in XML.iter(f"{{{NS['bpmn']}}}endEvent")}
LEGAL_OUTCOMES = set(END_OUTCOMES.values())
USER_TASKS = {e.get("id") for e in XML.iter(f"{{{NS['bpmn']}}}userTask")}
# names read by gateway conditions
CONDITION_NAMES = {name for c in XML.iter(f"{{{NS['bpmn']}}}conditionExpression")
                   for name in re.findall(r"\b[A-Za-z_]\w*\b", re.sub(r'"[^"]*"', "", c.text or ""))}

def decision_fields(forms: dict) -> dict[tuple[str, str], set]:
    """(form key, field key) -> all options, for radio/select/checkbox fields that a gateway condition reads."""
    found = {}
    for form_key, form in forms.items():
        for comp in input_components(form):
            if comp["key"] in CONDITION_NAMES and comp["type"] in ("radio", "select", "checkbox"):
                options = {v["value"] for v in comp.get("values") or []} if comp["type"] != "checkbox" else {True, False}
                found[(form_key, comp["key"])] = options
    return found


def reached_end_events(instance_id: int) -> list[str]:
    with db.transaction(write=False) as s:
        rt = commands.restore(s, s.get(ProcessInstance, instance_id))
    return [t.task_spec.bpmn_id for t in rt.wf.get_tasks(state=TaskState.COMPLETED) if isinstance(t.task_spec, EndEvent)]


def record(chosen: dict, decisions: dict, form_key: str, data: dict) -> None:
    for (fk, field) in decisions:
        if fk == form_key and field in data:
            chosen.setdefault((fk, field), set()).add(data[field])


# HEAD_ORGANISATION_WORKAROUND: `mediation_session.head_organisation` (not a gateway field: it only places the
# head_participation task) offers 海州区/连云区/连云港市人民政府 and 连云区司法局, but the demo seed
# (app/services/demo.py USERS) has no 机关负责人 in hz, ly, lyg or ly_sfj, so such a task could be done by the admin
# only. The walks keep the "somebody may act on every task" check strict and pick only organisations that have an
# agency head in the seed; the gap itself is pinned by
# tests/processes/test_mediation.py::test_head_participation_district_government_has_a_head (strict xfail).
def staffed_head_organisations(forms: dict, users: dict) -> list[str]:
    options = [v["value"] for c in input_components(forms["mediation_session"]) if c["key"] == "head_organisation"
               for v in c["values"]]
    heads = {u.organisation.code for u in users.values() if "agency_head" in u.role_codes and u.username != "admin"}
    return [o for o in options if o in heads]


# Odd seeds are "deep" walks: the early exits below are chosen with weight 1/10 (instead of uniformly), so that enough
# walks get through acceptance to the mediation, its timers, agreements and 司法确认. Even seeds are uniform.
DEEP_EXIT_WEIGHTS = {
    "mediation_review": {"review_result": {"not_within_duties": 0.1}, "other_party_consent": {"refuse": 0.1}},
    "mediation_coordination": {"coordination_result": {"designated_other": 0.1}},
    "mediation_acceptance": {"acceptance_decision": {"reject": 0.1}},
}


def deep_choices(form_key: str, forms: dict, rng: random.Random) -> dict | None:
    fields = DEEP_EXIT_WEIGHTS.get(form_key)
    if not fields:
        return None
    fixed = {}
    for comp in input_components(forms[form_key]):
        if comp["key"] in fields:
            options = [v["value"] for v in comp["values"]]
            fixed[comp["key"]] = rng.choices(options, [fields[comp["key"]].get(o, 1.0) for o in options])[0]
    return fixed


def walk(seed: int, forms: dict, users: dict, decisions: dict, chosen: dict) -> dict:
    """One random walk; returns what happened. Raises AssertionError (naming the seed) when a property fails; the
    case is then cancelled so that it cannot disturb the next walks' ticks."""
    rng = random.Random(seed)
    deep = seed % 2 == 1
    staffed = staffed_head_organisations(forms, users)
    now = START_AT
    start_data = random_submission(forms["mediation_start"], rng, now.date())
    record(chosen, decisions, "mediation_start", start_data)
    with clock.as_of(now):
        case = Case("mediation", users[STARTER], start_data)
    try:
        return _walk(seed, case, rng, deep, staffed, now, forms, decisions, chosen)
    except AssertionError:
        if case.status not in ("completed", "cancelled"):
            instances.cancel(case.id, users["admin"], f"random walk {seed} failed")
        raise


def _walk(seed, case, rng, deep, staffed, now, forms, decisions, chosen) -> dict:
    seen: dict[str, list] = {}
    steps, ticks = [], 0
    for _ in range(MAX_STEPS):
        inst = case.instance
        assert inst.status != "error", f"seed {seed}: error at {inst.error_element}: {inst.error_message} after {steps}"
        if inst.status == "completed":
            break
        assert inst.status == "running", f"seed {seed}: status {inst.status}"
        open_tasks = sorted(case.open_tasks(), key=lambda t: t.element_id)   # created_at ties are ordered by uuid
        for task in open_tasks:
            if task.id not in seen:
                assert task.candidate_role, f"seed {seed}: {task.element_id} has no candidate role"
                seen[task.id] = eligible_users(task)
                assert seen[task.id], (f"seed {seed}: nobody may act on {task.element_id} "
                                       f"(role {task.candidate_role}, org {org_code(task.organisation_id)})")
        due = inst.next_timer_due
        if open_tasks and (due is None or rng.random() >= P_LET_TIME_PASS):
            task = rng.choice(open_tasks)
            data = random_submission(forms[task.form_key], rng, now.date(),
                                     fixed=deep_choices(task.form_key, forms, rng) if deep else None)
            if data.get("head_organisation") is not None and data["head_organisation"] not in staffed:
                data["head_organisation"] = rng.choice(staffed)      # see HEAD_ORGANISATION_WORKAROUND
            record(chosen, decisions, task.form_key, data)
            now += timedelta(minutes=10)
            with clock.as_of(now):
                case.complete(task.element_id, data, as_user=rng.choice(seen[task.id]))
            steps.append(task.element_id)
        elif due is not None:
            now = max(now, due + timedelta(minutes=1))
            assert case.tick(now) >= 1 and case.instance.next_timer_due != due, \
                f"seed {seed}: timer due {due} did not fire at {now}"
            ticks += 1
            steps.append("[timer]")
        else:
            raise AssertionError(f"seed {seed}: stalled — running, no open task, no timer, awaiting "
                                 f"{inst.awaited_messages} (no walk sends a message); steps {steps}")
    else:
        raise AssertionError(f"seed {seed}: not finished after {MAX_STEPS} steps: {steps}")
    inst = case.instance
    assert inst.status == "completed" and inst.next_timer_due is None and inst.awaited_messages == [], seed
    assert case.open_tasks() == [], seed
    final = case.variables
    outcome = final.get("outcome")
    assert outcome in LEGAL_OUTCOMES, f"seed {seed}: outcome {outcome!r}"
    ends = reached_end_events(case.id)
    assert len(ends) == 1 and END_OUTCOMES[ends[0]] == outcome, f"seed {seed}: end {ends}, outcome {outcome}"
    for task in case.tasks():                       # every task ever created, cancelled ones included
        assert task.id in seen, f"seed {seed}: {task.element_id} was never seen open"
        assert task.status in ("completed", "cancelled"), (seed, task.element_id, task.status)
    return {"outcome": outcome, "end": ends[0], "steps": len(steps), "ticks": ticks,
            "tasks": {t.element_id for t in case.tasks()}, "confirmation": final.get("confirmation_applied")}


def test_random_walks(deploy_process, users):
    """Seeds 0..199 in one test (the coverage is a property of all walks together; one test keeps pytest-xdist from
    running walks twice). Every failing seed is reported, not only the first."""
    forms = deploy_process("mediation")["mediation"].forms
    decisions = decision_fields(forms)
    # the diagram's conditions do read form fields of most forms: the set must not be trivially small
    assert {field for _, field in decisions} >= {"review_result", "other_party_consent", "coordination_result",
                                                 "acceptance_decision", "session_result", "parties_consent_extension",
                                                 "confirmation_applied", "dispute_type", "major_case"}
    chosen: dict = {}
    walks, failures = [], []
    for seed in range(SEEDS):
        try:
            walks.append(walk(seed, forms, users, decisions, chosen))
        except AssertionError as err:
            failures.append(str(err).splitlines()[0])
    assert not failures, f"{len(failures)} of {SEEDS} walks failed:\n" + "\n".join(failures)
    # across all walks: every option of every gateway-driving field, every end event, every user task
    missing = {f"{fk}.{field}": sorted(map(str, options - chosen.get((fk, field), set())))
               for (fk, field), options in decisions.items() if options - chosen.get((fk, field), set())}
    assert not missing, f"options never chosen in {SEEDS} walks: {missing}"
    assert {w["end"] for w in walks} == set(END_OUTCOMES), "every end event is reached by some walk"
    assert set().union(*(w["tasks"] for w in walks)) == USER_TASKS, "every user task is opened by some walk"
    # 司法确认: applied, declined, window lapsed (timer), not applicable (administrative or no agreement)
    assert {w["confirmation"] for w in walks} == {"applied", "declined", "lapsed", "not_applicable"}
    assert sum(w["ticks"] for w in walks) > 0
