"""Scenario files run on the engine alone (nothing stored anywhere), from the CLI and the service; the three shipped
processes come with passing scenarios, and a scenario that does not match the diagram fails with a clear reason."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from app import cli, config, db
from app.models import AuditEvent, ProcessDefinition, ProcessInstance
from app.services.design import scenario_run, scenarios
from app.services.errors import Invalid, NotFound
from tests.conftest import BPMN_DIR
from tests.test_i18n import english

SINGLE = (BPMN_DIR / "single.bpmn").read_text()
FORMS = {"simple_done": json.loads((BPMN_DIR / "forms" / "simple_done.json").read_text())}
LINT_FORMS = {k: json.loads((BPMN_DIR / "forms" / f"{k}.json").read_text())
              for k in ("approval_start", "approval_register", "approval_mediate")}
LINT_SAMPLE = (BPMN_DIR / "lint" / "valid.bpmn").read_text()
START = {"applicant_name": "张三", "received_date": "2026-11-20", "urgent": False, "mediation_org": "hz_sfj"}


def stored_rows() -> tuple:
    with db.transaction(write=False) as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (ProcessDefinition, ProcessInstance, AuditEvent))


@pytest.mark.parametrize("key", ["mediation", "compensation", "petition_to_review"])
def test_shipped_processes_pass_their_scenarios_from_the_cli_without_writing(key):
    shipped = len(scenarios.load_files(key))
    assert shipped >= 2
    before = stored_rows()
    result = CliRunner().invoke(cli.main, ["test-process", key])
    assert result.exit_code == 0, result.output
    assert result.output.count("[通过]") == shipped and "失败" not in result.output
    assert stored_rows() == before


def run(scenario: dict, bpmn: str = LINT_SAMPLE, forms=None) -> dict:
    with db.transaction(write=False) as s:
        [result] = scenarios.run_for_process(s, "lint_sample", bpmn, forms or LINT_FORMS, [scenario])
    return result


ACCEPT = {"task": "ut_register", "at": "2026-11-23T10:00:00+08:00", "data": {"decision": "accept"}}
AGREE = {"task": "ut_mediate", "at": "2026-11-24T10:00:00+08:00", "data": {"result": "agreement"}}


def scenario(steps, expect, **extra) -> dict:
    return {"name": "样例", "organisation": "hz_sfj", "start": {"at": "2026-11-20T09:00:00+08:00", "data": START},
            "steps": steps, "expect": expect, **extra}


def test_a_design_passes_and_each_kind_of_mismatch_fails_with_its_reason():
    ok = run(scenario([ACCEPT, AGREE], {"path": ["ut_register", "ut_mediate"], "end_event": "end_ok",
                                        "variables": {"attempts": 3}}))
    assert ok == {"name": "样例", "file": "#1", "passed": True, "message": "通过",
                  "path": ["ut_register", "ut_mediate"], "source": "request"}

    wrong_path = run(scenario([ACCEPT, AGREE], {"path": ["ut_mediate"], "end_event": "end_ok"}))
    assert not wrong_path["passed"] and "办理路径" in wrong_path["message"]

    not_open = run(scenario([AGREE], {}))
    assert not not_open["passed"] and "第 1 步" in not_open["message"] and "ut_register" in not_open["message"]

    bad_data = run(scenario([{"task": "ut_register", "data": {"decision": "maybe"}}], {}))
    assert not bad_data["passed"] and "decision" in bad_data["message"]

    wrong_end = run(scenario([ACCEPT, AGREE], {"end_event": "end_rejected", "variables": {"attempts": 2}}))
    assert not wrong_end["passed"]
    assert "end_rejected" in wrong_end["message"] and "attempts" in wrong_end["message"]

    malformed = run({"name": "坏", "steps": "x"})
    assert not malformed["passed"] and "格式不正确" in malformed["message"]


def test_timers_fire_only_when_the_scenario_says_so():
    # the mediation task's boundary timer: end of the 5th working day after 2026-11-20 (a Friday) = 2026-11-27
    early = run(scenario([ACCEPT, {"timers": "2026-11-27T23:00:00+08:00"}], {"open_tasks": ["ut_mediate"]}))
    assert early["passed"], early["message"]
    late = run(scenario([ACCEPT, {"timers": "2026-11-28T00:00:01+08:00"}], {"end_event": "end_late"}))
    assert late["passed"], late["message"]


def test_invalid_design_and_mismatched_process_are_refused():
    with db.transaction(write=False) as s:
        with pytest.raises(Invalid) as err:
            scenarios.run_for_process(s, "lint_sample", LINT_SAMPLE.replace('decision == "accept"', "decision =="),
                                      LINT_FORMS, [])
        assert err.value.details[0]["element_id"] == "f_accept"
        with pytest.raises(Invalid):
            scenarios.run_for_process(s, "other_key", LINT_SAMPLE, LINT_FORMS, [])
        with pytest.raises(NotFound):   # no design given and nothing deployed
            scenarios.run_for_process(s, "lint_sample")
        with pytest.raises(NotFound):
            scenarios.catalogue(s, "../../etc")
        with pytest.raises(NotFound):   # a process with no version, draft or scenario
            scenarios.catalogue(s, "no_such_process")


def test_cli_fails_on_a_failing_scenario_and_on_an_invalid_file(tmp_path):
    failing = tmp_path / "wrong.json"
    failing.write_text(json.dumps({"name": "启动数据不完整", "organisation": "hz_scjg", "start": {"data": {}}, "steps": [],
                                   "expect": {"status": "completed"}}, ensure_ascii=False))
    result = CliRunner().invoke(cli.main, ["test-process", "compensation", "--scenario", str(failing)])
    assert result.exit_code == 1 and "[失败]" in result.output and "启动数据不完整" in result.output
    broken = tmp_path / "compensation.bpmn"
    broken.write_text((config.PROCESSES_DIR / "compensation.bpmn").read_text().replace(
        'verify_result == "eligible"', 'verify_result == '))
    result = CliRunner().invoke(cli.main, ["test-process", str(broken)])
    assert result.exit_code == 1 and "flow_eligible_yes" in result.output
    assert CliRunner().invoke(cli.main, ["test-process", "no_such_process"]).exit_code == 2


@pytest.mark.parametrize("change, reason", [
    ({"limits": [1]}, "limits"), ({"expect": {"variables": ["outcome"]}}, "expect.variables"),
    ({"expect": {"open_tasks": 3}}, "expect.open_tasks"), ({"steps": [{"task": ["ut_register"]}]}, "task"),
    ({"steps": [{"timers": "2026-12-01"}] * 501}, "500"),
    ({"steps": [{"timers": "0001-01-01T00:00:00+08:00"}]}, "时间超出范围"),
])
def test_a_malformed_scenario_fails_with_its_reason_never_crashes(change, reason):
    result = run({**scenario([ACCEPT], {}), **change})
    assert not result["passed"] and reason in result["message"], result


def test_the_case_is_handled_by_the_organisation_the_scenario_names_and_by_none_without_one():
    named = run(scenario([ACCEPT, AGREE], {"variables": {"handling_organisation": "lyg_sfj"}}, organisation="lyg_sfj"))
    assert named["passed"], named["message"]
    unnamed = {k: v for k, v in scenario([ACCEPT, AGREE], {"variables": {"handling_organisation": None}}).items()
               if k != "organisation"}
    assert run(unnamed)["passed"]



def test_a_malformed_scenario_reads_in_chinese_and_in_english_through_the_catalogue():
    with pytest.raises(scenario_run.ScenarioFailed) as err:
        scenario_run.check_shape({"name": "", "start": {"data": {}}, "steps": {}})
    assert str(err.value) == "情景文件格式不正确：缺少 name；steps 应为列表，每步含 task、timers 或 message 之一"
    assert err.value.text.render(english) == \
        "Malformed scenario: name is missing; steps must be a list, each step with one of task, timers or message"
