"""The designer's services and the CLI: deploy valid / invalid (identical content is no new version, forms sent with
a diagram override forms/), drafts with an optimistic lock, the form catalogue, versions with instance counts."""
from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, select

from app.http import status_of
from app import cli, config, db
from app.models import AuditEvent, DesignDraft, ProcessDefinition
from app.services.design import drafts as designs
from app.services.design import permissions
from app.services.runtime import instances
from app.services.runtime import tasks
from app.services.errors import Conflict, Forbidden, Invalid, NotFound
from tests.conftest import BPMN_DIR
from tests.services.helpers import open_task

SINGLE = (BPMN_DIR / "single.bpmn").read_text()
SIMPLE_DONE = json.loads((BPMN_DIR / "forms" / "simple_done.json").read_text())
COMPENSATION = config.PROCESSES_DIR / "compensation.bpmn"


@pytest.fixture(autouse=True)
def no_drafts_left(database_url):
    yield
    with db.transaction() as s:
        s.execute(delete(DesignDraft))


def deploy(bpmn, user, forms=None):
    result = designs.deploy(bpmn, user, forms)
    return result.definition.key, result.definition.version, result.created


# ---- deploy -------------------------------------------------------------------------------------------------------------
def test_deploy_with_forms_from_the_editor_then_identical_is_no_new_version(users):
    designer = users["designer1"]
    assert deploy(SINGLE, designer, {"simple_done": SIMPLE_DONE}) == ("single_task", 1, True)
    assert deploy(SINGLE, designer, {"simple_done": SIMPLE_DONE}) == ("single_task", 1, False)
    changed = {**SIMPLE_DONE, "components": SIMPLE_DONE["components"] + [
        {"type": "textfield", "key": "note", "label": "备注"}]}
    assert deploy(SINGLE, designer, {"simple_done": changed}) == ("single_task", 2, True)
    with db.transaction(write=False) as s:
        stored = s.scalar(select(ProcessDefinition).where(ProcessDefinition.version == 2))
        assert stored.forms == {"simple_done": changed} and stored.deployed_by == "designer1"
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "deploy")) == 2


def test_deploy_uses_forms_files_for_what_the_editor_did_not_send(users):
    assert deploy(COMPENSATION.read_bytes(), users["admin"]) == ("compensation", 1, True)


def test_invalid_design_is_refused_with_every_problem_located(users):
    broken = SINGLE.replace('value="simple_done"', 'value="nope"').replace('name="调解员"', 'name="保安"')
    with pytest.raises(Invalid) as err:
        deploy(broken, users["designer1"])
    assert status_of(err.value) == 422
    assert {p["element_id"] for p in err.value.details} >= {"ut_only", "lane_m"}
    assert all(p["line"] and p["message"] for p in err.value.details)
    with pytest.raises(Invalid) as bad_form:
        deploy(SINGLE, users["designer1"], {"simple_done": {"type": "default"}})
    assert "components" in bad_form.value.details[0]["message"]
    with db.transaction(write=False) as s:
        assert s.scalar(select(func.count()).select_from(ProcessDefinition)) == 0


def test_size_limit_and_validate_only(users):
    with db.transaction(write=False) as s:
        with pytest.raises(designs.TooLarge) as err:
            designs.validate(s, SINGLE + " " * designs.MAX_BPMN_BYTES)
        assert status_of(err.value) == 413 and "过大" in err.value.message
        assert designs.validate(s, SINGLE, {"simple_done": SIMPLE_DONE}) == []
        assert [p.element_id for p in designs.validate(s, SINGLE)] == ["ut_only"]   # simple_done is not in forms/


def test_only_designers_and_admins(users):
    permissions.require_designer(users["designer1"])
    permissions.require_designer(users["admin"])
    with pytest.raises(Forbidden):
        permissions.require_designer(users["mediator1"])


# ---- versions -----------------------------------------------------------------------------------------------------------
def test_versions_with_instance_counts(users):
    deploy(SINGLE, users["designer1"], {"simple_done": SIMPLE_DONE})
    running = instances.start("single_task", users["mediator1"], {})
    done = instances.start("single_task", users["mediator1"], {})
    tasks.complete(open_task(done, "ut_only")["id"], users["mediator1"], {})
    deploy(SINGLE.replace('name="办理"', 'name="办理（二）"'), users["designer1"], {"simple_done": SIMPLE_DONE})
    with db.transaction(write=False) as s:
        listed = designs.versions(s, "single_task")
        assert [v["version"] for v in listed] == [2, 1]
        assert listed[1]["instance_counts"] == {"running": 1, "suspended": 0, "error": 0, "completed": 1, "cancelled": 0}
        assert listed[0]["instance_counts"]["running"] == 0 and listed[0]["deployed_by"] == "designer1"
        detail = designs.version_detail(s, "single_task", 1)
        assert detail["bpmn_xml"] == SINGLE and detail["forms"] == {"simple_done": SIMPLE_DONE}
        with pytest.raises(NotFound):
            designs.version_detail(s, "single_task", 3)
        with pytest.raises(NotFound):
            designs.versions(s, "no_such_process")
    assert running["status"] == "running"


# ---- drafts and forms ---------------------------------------------------------------------------------------------------
def test_draft_lifecycle_with_optimistic_lock(users):
    designer, admin = users["designer1"], users["admin"]
    with db.transaction(write=False) as s:
        with pytest.raises(NotFound):
            designs.get_draft(s, "single_task")
    deploy(SINGLE, designer, {"simple_done": SIMPLE_DONE})
    with db.transaction(write=False) as s:
        start = designs.get_draft(s, "single_task")
    assert (start["source"], start["row_version"], start["bpmn"]) == ("deployed", None, SINGLE)
    saved = designs.save_draft("single_task", SINGLE.replace("办理", "审核"), {"simple_done": SIMPLE_DONE}, None, designer)
    assert (saved["source"], saved["row_version"], saved["updated_by"]) == ("draft", 1, "designer1")
    again = designs.save_draft("single_task", SINGLE, {}, 1, admin)
    assert again["row_version"] == 2
    with pytest.raises(Conflict) as stale:   # an editor still holding row_version 1
        designs.save_draft("single_task", SINGLE, {}, 1, designer)
    assert status_of(stale.value) == 409 and "admin" in stale.value.message
    with pytest.raises(Conflict):            # a "new" draft over an existing one
        designs.save_draft("single_task", SINGLE, {}, None, designer)
    with pytest.raises(Invalid):
        designs.save_draft("../etc", SINGLE, {}, None, designer)
    with db.transaction(write=False) as s:
        assert designs.get_draft(s, "single_task")["row_version"] == 2


def test_form_catalogue_lists_files_and_draft_forms(users):
    designs.save_draft("new_process", "<draft/>", {"new_form": {"components": [
            {"type": "text", "text": "# 新表单（草稿）"}]}}, None, users["designer1"])
    with db.transaction(write=False) as s:
        catalogue = {f["key"]: f for f in designs.form_catalogue(s)}
        assert catalogue["mediation_start"]["source"] == "file"
        assert catalogue["new_form"] == {"key": "new_form", "source": "draft", "title": "新表单", "drafts": ["new_process"]}
        assert designs.form(s, "mediation_start")["form"]["id"] == "mediation_start"
        assert designs.form(s, "new_form")["process_key"] == "new_process"
        with pytest.raises(NotFound):
            designs.form(s, "../secret")


# ---- CLI ----------------------------------------------------------------------------------------------------------------
def test_cli_deploy_valid_then_unchanged_then_invalid(tmp_path):
    runner = CliRunner()
    first = runner.invoke(cli.main, ["deploy", str(COMPENSATION)])
    assert first.exit_code == 0, first.output
    assert "compensation v1" in first.output
    again = runner.invoke(cli.main, ["deploy", str(COMPENSATION)])
    assert again.exit_code == 0 and "未变" in again.output
    broken = tmp_path / "broken.bpmn"
    broken.write_text(COMPENSATION.read_text().replace('verify_result == "eligible"', 'verify_reslt == "eligible"'))
    failed = runner.invoke(cli.main, ["deploy", str(broken)])
    assert failed.exit_code == 1
    assert re.search(r"元素 flow_eligible_yes 第 \d+ 行 broken.bpmn\] .*verify_reslt", failed.output), failed.output
