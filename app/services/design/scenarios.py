"""Scenario files of a process: the ones shipped in `processes/scenarios/<process_key>/*.json` and the ones a designer
attached (stored in the database), listed, stored, removed and run against a design or the deployed version. What a
scenario file says and how it runs: `design.scenario_run`.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import config
from app.engine import clock
from app.i18n import N_, Text
from app.models import DesignDraft, ProcessDefinition, ProcessScenario, User
from app.services.admin import settings
from app.services.design import deployments
from app.services.design import drafts as designs
from app.services.design.drafts import KEY_PATTERN
from app.services.design.permissions import designer
from app.services.design.scenario_run import MAX_SCENARIOS, ScenarioFailed, check_shape, run_all
from app.services.errors import Conflict, Invalid, NotFound, TooLarge
from app.services.runtime import commands, unit_of_work
from app.services.runtime.commands import audit

MAX_SCENARIO_BYTES = 256 * 1024
NAME_PATTERN = re.compile(r"^[\w\-]{1,100}$")  # a stored scenario's name: letters (汉字 too), digits, _ and -
_UNKNOWN_PROCESS = N_("流程不存在：{key}")


def scenario_dir(process_key: str) -> Path:
    if not KEY_PATTERN.match(process_key or ""):
        raise NotFound(_UNKNOWN_PROCESS, key=process_key)
    return config.PROCESSES_DIR / "scenarios" / process_key


def load_files(process_key: str) -> list[tuple[str, dict | Text]]:
    """(file name, scenario) for every shipped scenario file of a process."""
    return load_paths(sorted(scenario_dir(process_key).glob("*.json")))


def load_paths(paths: list[Path]) -> list[tuple[str, dict | Text]]:
    """(file name, scenario) per file; the scenario is the message saying why if the file is not JSON."""
    found = []
    for path in paths:
        try:
            found.append((path.name, json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, RecursionError) as err:
            found.append((path.name, Text(N_("情景文件不是合法的 JSON：{error}"), error=err)))
    return found


def load_stored(session: Session, process_key: str) -> list[tuple[str, dict]]:
    """(name.json, scenario) for every scenario a designer attached to the process."""
    return [(f"{row.name}.json", row.content) for row in _stored(session, process_key)]


def load_all(session: Session, process_key: str) -> list[tuple[str, dict | Text, str]]:
    """(file, scenario, source) — the shipped files, then the stored ones."""
    return ([(f, sc, "shipped") for f, sc in load_files(process_key)]
            + [(f, sc, "stored") for f, sc in load_stored(session, process_key)])


def catalogue(session: Session, process_key: str) -> list[dict]:
    """The scenarios of a process (shipped and stored); 404 for a process with no version, draft or scenario."""
    entries = []
    for name, s in load_files(process_key):
        entries.append({**_summary(name, s), "source": "shipped", "updated_by": None, "updated_at": None})
    for row in _stored(session, process_key):
        entries.append({**_summary(f"{row.name}.json", row.content), "source": "stored",
                        "updated_by": row.updated_by, "updated_at": row.updated_at})
    if not entries and not _process_known(session, process_key):
        raise NotFound(_UNKNOWN_PROCESS, key=process_key)
    return entries


def _summary(file: str, s) -> dict:
    ok = isinstance(s, dict)
    return {"file": file, "name": s.get("name", file) if ok and isinstance(s.get("name"), str) else file,
            "description": (s.get("description") if isinstance(s.get("description"), str) else None) if ok else str(s),
            "steps": len(s["steps"]) if ok and isinstance(s.get("steps"), list) else 0,
            "content": s if ok else None}


def _stored(session: Session, process_key: str) -> list[ProcessScenario]:
    return list(session.scalars(select(ProcessScenario).where(ProcessScenario.process_key == process_key)
                                .order_by(ProcessScenario.name)))


def _process_known(session: Session, process_key: str) -> bool:
    return bool(session.scalar(select(ProcessDefinition.id).where(ProcessDefinition.key == process_key).limit(1))
                or session.scalar(select(DesignDraft.id).where(DesignDraft.process_key == process_key))
                or scenario_dir(process_key).is_dir())


def store(process_key: str, name: str, content, actor: User) -> bool:
    """Attach (or replace) a scenario; True if it is new. Malformed content is a 422 saying what is wrong."""
    return unit_of_work.run(lambda uow: _store(uow.session, process_key, name, content, actor),
                            check=designer(actor))


def _store(session: Session, process_key: str, name: str, content, actor: User) -> bool:
    scenario_dir(process_key)  # 404 for a key that cannot be a process
    if not _process_known(session, process_key):
        raise NotFound(N_("流程不存在：{key}（请先保存草稿或部署）"), key=process_key)
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise Invalid(N_("情景名只能包含文字、数字、下划线和连字符，最长 100 个字符"), fields={"name": N_("格式不正确")})
    if len(json.dumps(content, ensure_ascii=False).encode("utf-8")) > MAX_SCENARIO_BYTES:
        raise TooLarge(N_("情景文件过大，上限 {limit} KB"), limit=MAX_SCENARIO_BYTES // 1024)
    try:
        check_shape(content)
    except ScenarioFailed as err:
        raise Invalid(err.text, fields={"scenario": err.text}) from None
    row = session.scalar(select(ProcessScenario).where(ProcessScenario.process_key == process_key,
                                                       ProcessScenario.name == name))
    created = row is None
    if created:
        count = session.scalar(select(func.count()).select_from(ProcessScenario)
                               .where(ProcessScenario.process_key == process_key))
        if count >= MAX_SCENARIOS:
            raise Invalid(N_("每个流程最多保存 {limit} 个情景"), limit=MAX_SCENARIOS,
                          fields={"name": N_("情景数量已达上限")})
        row = ProcessScenario(process_key=process_key, name=name)
        session.add(row)
    row.content, row.updated_by, row.updated_at = content, actor.username, clock.now()
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(N_("该情景刚被他人创建，请刷新后重试"), code="stale_version") from None
    audit(session, actor.username, "save_scenario", None, None, {"process_key": process_key, "name": name})
    return created


def remove(process_key: str, name: str, actor: User) -> None:
    unit_of_work.run(lambda uow: _remove(uow.session, process_key, name, actor), check=designer(actor))


def _remove(session: Session, process_key: str, name: str, actor: User) -> None:
    row = session.scalar(select(ProcessScenario).where(ProcessScenario.process_key == process_key,
                                                       ProcessScenario.name == name))
    if row is None:
        raise NotFound(N_("流程 {key} 没有保存的情景 {name}"), key=process_key, name=name)
    session.delete(row)
    audit(session, actor.username, "delete_scenario", None, None, {"process_key": process_key, "name": name})


def run_for_process(session: Session, process_key: str, bpmn: str | None = None, forms: dict | None = None,
                    scenarios: list | None = None) -> list[dict]:
    """Run a process's scenarios — shipped and stored, or the scenarios given — against a design (diagram + forms
    edited beside it) or, without one, against the latest deployed version. An invalid design is a 422 listing its
    problems."""
    settings.refresh_calendar(session)
    if bpmn is None:
        definition = deployments.latest_definition(session, process_key)
        parsed = commands.parsed_definition(session, definition.id)
    else:
        parsed = designs.parse_design(session, bpmn, forms)
        if parsed.process_key != process_key:
            raise Invalid(N_("流程图的流程标识为 {found}，与 {key} 不一致"), found=parsed.process_key, key=process_key,
                          fields={"bpmn": N_("流程标识不一致")})
    if scenarios is None:
        files = load_all(session, process_key)
    else:
        files = [(f"#{i}", s, "request") for i, s in enumerate(scenarios, start=1)]
    return run_all(parsed, parsed.forms, files)
