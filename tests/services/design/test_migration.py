"""Migrating open cases to another version: the dry run lists who can move and why the others cannot; executing moves
exactly the movable ones among those confirmed, each audited; a moved case then runs to its end on the new version."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from app import db
from app.engine import clock
from app.models import AuditEvent, ProcessDefinition, ProcessInstance
from app.services.runtime import instances
from app.services.design import migration
from app.services.runtime import tasks
from app.services.errors import Forbidden, Invalid
from tests.conftest import BPMN_DIR
from tests.services.helpers import audit_actions, instance, open_task, tasks_of, variables

START = {"applicant_name": "张三", "received_date": "2026-11-20", "urgent": False, "mediation_org": "hz_sfj"}
APPROVAL = (BPMN_DIR / "approval.bpmn").read_text()
# v2: the waiting task renamed and a later script changed — every element a case can be at still exists
RENAMED = APPROVAL.replace('name="审查登记"', 'name="审查登记（新）"').replace('note = f"已受理', 'note = f"新版已受理')
# v2': the waiting task's id changed — a case waiting there has nowhere to go
REKEYED = APPROVAL.replace("ut_register", "ut_check")
# v2'': the head's parallel task removed — a case waiting in it cannot move, one still at registration can
NO_HEAD = APPROVAL.replace('<bpmn:outgoing>f4b</bpmn:outgoing></bpmn:parallelGateway>', '</bpmn:parallelGateway>') \
    .replace('<bpmn:incoming>f6b</bpmn:incoming><bpmn:outgoing>f7</bpmn:outgoing>', '<bpmn:outgoing>f7</bpmn:outgoing>') \
    .replace('<bpmn:flowNodeRef>ut_head</bpmn:flowNodeRef>', '') \
    .replace('''    <bpmn:userTask id="ut_head" name="负责人知悉">
      <bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="formKey" value="simple_done"/></spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f4b</bpmn:incoming><bpmn:outgoing>f6b</bpmn:outgoing>
    </bpmn:userTask>
''', '').replace('    <bpmn:sequenceFlow id="f4b" sourceRef="par_split" targetRef="ut_head"/>\n', '') \
    .replace('    <bpmn:sequenceFlow id="f6b" sourceRef="ut_head" targetRef="par_join"/>\n', '')


def start(users) -> dict:
    return instances.start("approval", users["intake1"], START)


def accepted(users) -> dict:
    """A case past registration: waiting in the parallel part (ut_mediate and ut_head open)."""
    case = start(users)
    return tasks.complete(open_task(case, "ut_register")["id"], users["intake1"], {"decision": "accept"})


def test_waiting_case_moves_keeps_its_task_and_finishes_on_the_new_version(deploy, users):
    deploy("approval.bpmn")
    case = start(users)
    task_id = open_task(case, "ut_register")["id"]
    tasks.claim(task_id, users["intake1"])
    v2 = deploy(RENAMED)
    with db.transaction(write=False) as s:
        planned = migration.plan(s, "approval", 1, 2)
    assert planned["blocked"] == [] and planned["migrated"] == []
    assert [(m["id"], m["business_key"], m["active_elements"]) for m in planned["movable"]] == \
        [(case["id"], case["business_key"], ["ut_register"])]
    assert instance(case["id"]).definition_id != v2.id            # a dry run changes nothing

    result = migration.execute("approval", 1, 2, [case["id"]], "规则调整，统一改用新版本", users["designer1"])
    assert result["migrated"] == [case["id"]] and result["blocked"] == []
    inst = instance(case["id"])
    assert inst.definition_id == v2.id and inst.status == "running"
    [row] = tasks_of(case["id"])
    assert (row.id, row.status, row.name, row.assignee_id) == (task_id, "open", "审查登记（新）", users["intake1"].id)
    assert audit_actions(case["id"])[-1] == "migrate"
    with db.transaction(write=False) as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.instance_id == case["id"], AuditEvent.action == "migrate")).one()
    assert (event.actor, event.detail["reason"], event.detail["from_version"], event.detail["to_version"]) == \
        ("designer1", "规则调整，统一改用新版本", 1, 2)

    # the rest runs on the new version (its script writes the note) to the end
    summary = tasks.complete(task_id, users["intake1"], {"decision": "accept"})
    assert summary["version"] == 2
    assert sorted(t["element_id"] for t in summary["open_tasks"]) == ["ut_head", "ut_mediate"]
    summary = tasks.complete(open_task(summary, "ut_mediate")["id"], users["mediator1"], {"result": "agreement"})
    summary = tasks.complete(open_task(summary, "ut_head")["id"], users["head1"], {})
    assert summary["status"] == "completed"
    assert variables(case["id"])["note"].startswith("新版已受理")


def test_incompatible_case_is_listed_with_its_reason_and_never_moved(deploy, users):
    deploy("approval.bpmn")
    case = start(users)
    row_version = instance(case["id"]).version
    deploy(REKEYED)
    with db.transaction(write=False) as s:
        planned = migration.plan(s, "approval", 1, 2)
    assert planned["movable"] == []
    [blocked] = planned["blocked"]
    assert blocked["id"] == case["id"] and "ut_register" in blocked["reason"] and "不存在" in blocked["reason"]
    result = migration.execute("approval", 1, 2, [case["id"]], "试图迁移", users["designer1"])
    assert result["migrated"] == [] and result["blocked"][0]["reason"] == blocked["reason"]
    assert instance(case["id"]).version == row_version
    assert "migrate" not in audit_actions(case["id"])
    with db.transaction(write=False) as s:
        v1 = s.scalar(select(ProcessDefinition.id).where(ProcessDefinition.key == "approval", ProcessDefinition.version == 1))
    assert instance(case["id"]).definition_id == v1


def test_dry_run_lists_both_and_execute_moves_only_the_movable_among_those_confirmed(deploy, users):
    deploy("approval.bpmn")
    at_registration, in_parallel, unconfirmed = start(users), accepted(users), start(users)
    deploy(NO_HEAD)
    with db.transaction(write=False) as s:
        planned = migration.plan(s, "approval", 1, 2)
    assert [m["id"] for m in planned["movable"]] == [at_registration["id"], unconfirmed["id"]]
    [blocked] = planned["blocked"]
    assert blocked["id"] == in_parallel["id"]
    assert "负责人知悉" in blocked["reason"] and "ut_head" in blocked["reason"]
    assert {"ut_head", "ut_mediate"} <= set(blocked["active_elements"])

    result = migration.execute("approval", 1, 2, [in_parallel["id"], at_registration["id"]], "去掉负责人知悉环节",
                               users["admin"])
    assert result["migrated"] == [at_registration["id"]]
    assert [b["id"] for b in result["blocked"]] == [in_parallel["id"]]
    assert instance(unconfirmed["id"]).definition_id == instance(in_parallel["id"]).definition_id   # still v1
    summary = tasks.complete(open_task(_summary(at_registration["id"]), "ut_register")["id"], users["intake1"],
                             {"decision": "accept"})
    assert [t["element_id"] for t in summary["open_tasks"]] == ["ut_mediate"]          # no head task in v2
    summary = tasks.complete(open_task(summary, "ut_mediate")["id"], users["mediator1"], {"result": "agreement"})
    assert summary["status"] == "completed"


def _summary(instance_id: int) -> dict:
    with db.transaction(write=False) as s:
        return instances.instance_summary(s, s.get(ProcessInstance, instance_id))


def test_case_in_error_moves_to_the_fixed_version_and_retries(deploy, users):
    deploy("failing.bpmn")
    case = instances.start("failing", users["mediator1"], {})
    case = tasks.complete(open_task(case, "ut_input")["id"], users["mediator1"], {"divisor": 0})
    assert case["status"] == "error"
    deploy((BPMN_DIR / "failing.bpmn").read_text().replace("result = base / divisor",
                                                           "result = base / divisor if divisor else 0"))
    result = migration.execute("failing", 1, 2, [case["id"]], "修正除零错误", users["designer1"])
    assert result["migrated"] == [case["id"]]
    assert instance(case["id"]).status == "error"                         # moved, not silently resumed
    summary = instances.retry(case["id"], users["admin"], reason="新版本已修正")
    assert summary["status"] == "running" and variables(case["id"])["result"] == 0
    assert [t["element_id"] for t in summary["open_tasks"]] == ["ut_after"]


def test_an_unchanged_timer_keeps_its_due_time(deploy, users):
    deploy("timers.bpmn")
    with clock.as_of(datetime(2026, 11, 20, 10)):  # the day the case is received: its timers are still ahead
        case = instances.start("timers", users["mediator1"], {"received_date": "2026-11-20", "wait_until": "2026-12-01"})
        before = instance(case["id"]).next_timer_due
        deploy((BPMN_DIR / "timers.bpmn").read_text().replace('name="办理"', 'name="办理（新）"'))
        assert migration.execute("timers", 1, 2, [case["id"]], "改名", users["designer1"])["migrated"] == [case["id"]]
    assert instance(case["id"]).next_timer_due == before


def test_rules_reason_ids_roles_and_versions(deploy, users):
    deploy("approval.bpmn")
    case = start(users)
    deploy(RENAMED)
    with pytest.raises(Invalid):
        migration.execute("approval", 1, 2, [case["id"]], "  ", users["designer1"])
    with pytest.raises(Invalid):
        migration.execute("approval", 1, 2, [], "原因", users["designer1"])
    with pytest.raises(Invalid):
        migration.execute("approval", 1, 1, [case["id"]], "原因", users["designer1"])
    with pytest.raises(Forbidden):
        migration.execute("approval", 1, 2, [case["id"]], "原因", users["mediator1"])
    result = migration.execute("approval", 1, 2, [case["id"], 999999], "原因", users["designer1"])
    assert result["migrated"] == [case["id"]] and [b["id"] for b in result["blocked"]] == [999999]
    # moved already: a second run finds it on version 2, not 1
    again = migration.execute("approval", 1, 2, [case["id"]], "原因", users["designer1"])
    assert again["migrated"] == [] and "不属于" in again["blocked"][0]["reason"]


# v2''': registration moves to the head's lane and uses another form
REASSIGNED = APPROVAL.replace('<spiffworkflow:property name="formKey" value="approval_register"/>',
                              '<spiffworkflow:property name="formKey" value="simple_done"/>') \
    .replace('decision == "accept"', 'remark == "accept"') \
    .replace('<bpmn:flowNodeRef>ut_register</bpmn:flowNodeRef>', '') \
    .replace('<bpmn:flowNodeRef>ut_head</bpmn:flowNodeRef>',
             '<bpmn:flowNodeRef>ut_head</bpmn:flowNodeRef><bpmn:flowNodeRef>ut_register</bpmn:flowNodeRef>')


def test_a_moved_task_is_decided_again_by_the_target_its_assignee_and_draft_go_when_they_no_longer_fit(deploy, users):
    deploy("approval.bpmn")
    case = start(users)
    task_id = open_task(case, "ut_register")["id"]
    tasks.claim(task_id, users["intake1"])
    tasks.save_draft(task_id, users["intake1"], {"decision": "accept"})
    deploy(REASSIGNED)
    result = migration.execute("approval", 1, 2, [case["id"]], "登记改由负责人办理", users["designer1"])
    assert result["migrated"] == [case["id"]]
    [row] = tasks_of(case["id"])
    assert (row.id, row.lane, row.candidate_role, row.form_key) == (task_id, "机关负责人", "agency_head", "simple_done")
    assert row.assignee_id is None and row.draft is None     # intake1 is no agency head; the old form's draft is gone
    with pytest.raises(Forbidden):
        tasks.complete(task_id, users["intake1"], {"remark": "accept"})


def test_a_moved_task_keeps_its_assignee_and_the_draft_fields_its_form_still_has(deploy, users):
    deploy("approval.bpmn")
    case = start(users)
    task_id = open_task(case, "ut_register")["id"]
    tasks.claim(task_id, users["intake1"])
    tasks.save_draft(task_id, users["intake1"], {"decision": "accept"})
    deploy(RENAMED)
    migration.execute("approval", 1, 2, [case["id"]], "改名", users["designer1"])
    [row] = tasks_of(case["id"])
    assert (row.name, row.assignee_id, row.draft) == ("审查登记（新）", users["intake1"].id, {"decision": "accept"})
