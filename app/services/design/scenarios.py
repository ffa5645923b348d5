"""Scenario files: a designer's executable examples of a process, run against a diagram before (and after) it is
deployed. They run on the engine alone, in memory — nothing is written to any database — with the same form
validation, sandbox and clock as real cases.

A scenario (`processes/scenarios/<process_key>/*.json`):
    {"name": "达成协议", "description": "…",
     "organisation": "hz_sfj", "started_by": "intake1", "business_key": "情景-1", "limits": {"accept_days": 5},
     "start": {"at": "2026-03-02T09:00:00+08:00", "data": {<start form fields>}},
     "steps": [{"task": "<user task element id>", "at": "…", "data": {<its form fields>}},
               {"timers": "2026-04-26T10:00:00+08:00"},                    # fire the timers due by then
               {"message": "<name>", "payload": {…}, "at": "…"}],           # deliver a message
     "expect": {"path": [<element ids of the user tasks completed, in order>], "end_event": "<end event id>",
                "status": "completed" | "running", "open_tasks": [<ids open at the end>],
                "variables": {"outcome": "agreement"}}}
Only `name`, `start.data` and `steps` are required; everything in `expect` is optional.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import config
from app.engine import clock, progress
from app.engine.runtime import Runtime
from app.engine.specs import ParsedDefinition
from app.engine.bpmn_elements import EXPRESSION_PROPERTIES
from app.models import DesignDraft, ProcessDefinition, ProcessScenario, User
from app.services.runtime import commands
from app.services.design import deployments
from app.services.design import drafts as designs
from app.services.admin import settings
from app.services.design.permissions import designer
from app.services.runtime import unit_of_work
from app.services.runtime.commands import audit
from app.services.design.drafts import KEY_PATTERN
from app.services.errors import Conflict, Invalid, NotFound, TooLarge
from app.services.runtime.forms import validate_submission
from app.services.runtime.instances import RESERVED  # start keys the platform sets: a scenario starts a case the same way

DEFAULT_ORGANISATION = "hz_sfj"
MAX_STEPS = 500                 # per scenario: a scenario is an example, not a load test
MAX_SCENARIOS = 100             # per run, and stored per process
MAX_SCENARIO_BYTES = 256 * 1024
NAME_PATTERN = re.compile(r"^[\w\-]{1,100}$")  # a stored scenario's name: letters (汉字 too), digits, _ and -
STATUSES = ("completed", "running")


class ScenarioFailed(Exception):
    pass


def scenario_dir(process_key: str) -> Path:
    if not KEY_PATTERN.match(process_key or ""):
        raise NotFound(f"流程不存在：{process_key} / unknown process")
    return config.PROCESSES_DIR / "scenarios" / process_key


def load_files(process_key: str) -> list[tuple[str, dict | str]]:
    """(file name, scenario) for every shipped scenario file of a process."""
    return load_paths(sorted(scenario_dir(process_key).glob("*.json")))


def load_paths(paths: list[Path]) -> list[tuple[str, dict | str]]:
    """(file name, scenario) per file; the scenario is an error message if the file is not JSON."""
    found = []
    for path in paths:
        try:
            found.append((path.name, json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, RecursionError) as err:
            found.append((path.name, f"情景文件不是合法的 JSON：{err} / invalid JSON"))
    return found


def load_stored(session: Session, process_key: str) -> list[tuple[str, dict | str]]:
    """(name.json, scenario) for every scenario a designer attached to the process."""
    return [(f"{row.name}.json", row.content) for row in _stored(session, process_key)]


def load_all(session: Session, process_key: str) -> list[tuple[str, dict | str, str]]:
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
        raise NotFound(f"流程不存在：{process_key} / unknown process")
    return entries


def _summary(file: str, s) -> dict:
    ok = isinstance(s, dict)
    return {"file": file, "name": s.get("name", file) if ok and isinstance(s.get("name"), str) else file,
            "description": (s.get("description") if isinstance(s.get("description"), str) else None) if ok else s,
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
        raise NotFound(f"流程不存在：{process_key}（请先保存草稿或部署） / unknown process")
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise Invalid("情景名只能包含文字、数字、下划线和连字符，最长 100 个字符 / invalid scenario name",
                      fields={"name": "格式不正确 / invalid"})
    if len(json.dumps(content, ensure_ascii=False).encode("utf-8")) > MAX_SCENARIO_BYTES:
        raise TooLarge(f"情景文件过大，上限 {MAX_SCENARIO_BYTES // 1024} KB / scenario too large")
    try:
        _check_shape(content)
    except ScenarioFailed as err:
        raise Invalid(str(err), fields={"scenario": str(err)}) from None
    row = session.scalar(select(ProcessScenario).where(ProcessScenario.process_key == process_key,
                                                       ProcessScenario.name == name))
    created = row is None
    if created:
        count = session.scalar(select(func.count()).select_from(ProcessScenario)
                               .where(ProcessScenario.process_key == process_key))
        if count >= MAX_SCENARIOS:
            raise Invalid(f"每个流程最多保存 {MAX_SCENARIOS} 个情景 / too many scenarios",
                          fields={"name": "情景数量已达上限 / limit reached"})
        row = ProcessScenario(process_key=process_key, name=name)
        session.add(row)
    row.content, row.updated_by, row.updated_at = content, actor.username, clock.now()
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict("该情景刚被他人创建，请刷新后重试 / the scenario was created meanwhile", code="stale_version") from None
    audit(session, actor.username, "save_scenario", None, None, {"process_key": process_key, "name": name})
    return created


def remove(process_key: str, name: str, actor: User) -> None:
    unit_of_work.run(lambda uow: _remove(uow.session, process_key, name, actor), check=designer(actor))


def _remove(session: Session, process_key: str, name: str, actor: User) -> None:
    row = session.scalar(select(ProcessScenario).where(ProcessScenario.process_key == process_key,
                                                       ProcessScenario.name == name))
    if row is None:
        raise NotFound(f"流程 {process_key} 没有保存的情景 {name} / no such scenario")
    session.delete(row)
    audit(session, actor.username, "delete_scenario", None, None, {"process_key": process_key, "name": name})


def run_all(parsed: ParsedDefinition, forms: dict, scenarios: list[tuple]) -> list[dict]:
    """Run (file, scenario) or (file, scenario, source) entries; at most MAX_SCENARIOS."""
    if len(scenarios) > MAX_SCENARIOS:
        raise Invalid(f"一次最多运行 {MAX_SCENARIOS} 个情景（当前 {len(scenarios)} 个） / too many scenarios",
                      fields={"scenarios": f"最多 {MAX_SCENARIOS} 个 / at most {MAX_SCENARIOS}"})
    results = []
    for file, scenario, *source in scenarios:
        result = run(parsed, forms, scenario, file)
        results.append({**result, "source": source[0]} if source else result)
    return results


def run(parsed: ParsedDefinition, forms: dict, scenario: dict | str, file: str | None = None) -> dict:
    """One scenario: {"name", "file", "passed", "message", "path"} — never raises for a failing scenario."""
    name = scenario.get("name") if isinstance(scenario, dict) and isinstance(scenario.get("name"), str) else file
    path: list[str] = []
    try:
        if isinstance(scenario, str):
            raise ScenarioFailed(scenario)
        _check_shape(scenario)
        rt = _start(parsed, forms, scenario)
        for number, step in enumerate(scenario["steps"], start=1):
            try:
                _step(rt, forms, step, path)
            except ScenarioFailed as err:
                raise ScenarioFailed(f"第 {number} 步：{err}") from None
            except (OverflowError, RecursionError, MemoryError) as err:
                raise ScenarioFailed(f"第 {number} 步：时间或数据超出范围（{type(err).__name__}） / out of range") from None
        _check_expectations(rt, scenario.get("expect") or {}, path)
    except ScenarioFailed as err:
        return {"name": name, "file": file, "passed": False, "message": str(err), "path": path}
    except (OverflowError, RecursionError, MemoryError) as err:
        return {"name": name, "file": file, "passed": False, "path": path,
                "message": f"时间或数据超出范围（{type(err).__name__}） / out of range"}
    return {"name": name, "file": file, "passed": True, "message": "通过 / passed", "path": path}


# ---- running -------------------------------------------------------------------------------------------------------------
def _check_shape(scenario) -> None:
    """Everything the runner reads has the type it expects, so a malformed file fails with a message, not a crash."""
    if not isinstance(scenario, dict):
        raise ScenarioFailed("情景文件格式不正确：应为 JSON 对象 / malformed scenario: not an object")
    problems = []
    if not isinstance(scenario.get("name"), str) or not scenario["name"].strip():
        problems.append("缺少 name")
    for key in ("description", "organisation", "started_by", "business_key"):
        if scenario.get(key) is not None and not isinstance(scenario[key], str):
            problems.append(f"{key} 应为字符串")
    limits = scenario.get("limits")
    if limits is not None and not (isinstance(limits, dict) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in limits.values())):
        problems.append("limits 应为 {名称: 数字} 对象")
    start = scenario.get("start")
    if not isinstance(start, dict) or not isinstance(start.get("data", {}), dict):
        problems.append("start.data 应为 JSON 对象")
    elif start.get("at") is not None and not isinstance(start["at"], str):
        problems.append("start.at 应为时间字符串")
    steps = scenario.get("steps")
    if not isinstance(steps, list):
        problems.append("steps 应为列表，每步含 task、timers 或 message 之一")
    elif len(steps) > MAX_STEPS:
        problems.append(f"steps 最多 {MAX_STEPS} 步（当前 {len(steps)} 步）")
    else:
        for number, step in enumerate(steps, start=1):
            problem = _step_problem(step)
            if problem:
                problems.append(f"第 {number} 步{problem}")
                break
    expect = scenario.get("expect", {})
    if not isinstance(expect, dict):
        problems.append("expect 应为 JSON 对象")
    else:
        for key in ("path", "open_tasks"):
            if key in expect and not (isinstance(expect[key], list) and all(isinstance(x, str) for x in expect[key])):
                problems.append(f"expect.{key} 应为元素标识的列表")
        if expect.get("end_event") is not None and not isinstance(expect["end_event"], str):
            problems.append("expect.end_event 应为结束事件的标识")
        if expect.get("status") is not None and expect["status"] not in STATUSES:
            problems.append("expect.status 应为 completed 或 running")
        if expect.get("variables") is not None and not isinstance(expect["variables"], dict):
            problems.append("expect.variables 应为 {变量名: 值} 对象")
    if problems:
        raise ScenarioFailed("情景文件格式不正确：" + "；".join(problems) + " / malformed scenario")


def _step_problem(step) -> str | None:
    if not isinstance(step, dict) or not ({"task", "timers", "message"} & set(step)):
        return "应为 JSON 对象，含 task、timers 或 message 之一"
    for key in ("task", "message", "timers", "at"):
        if key in step and step[key] is not None and not isinstance(step[key], str):
            return f"的 {key} 应为字符串"
    for key in ("data", "payload"):
        if step.get(key) is not None and not isinstance(step[key], dict):
            return f"的 {key} 应为 JSON 对象"
    return None


def _moment(value) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ScenarioFailed(f"时间格式不正确：{value}（示例 2026-03-02T09:00:00+08:00） / invalid ISO time") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=clock.BEIJING)
    try:
        moment.astimezone(timezone.utc)
    except OverflowError:
        raise ScenarioFailed(f"时间超出范围：{value} / time out of range") from None
    if not 1900 <= moment.year <= 2200:
        raise ScenarioFailed(f"时间超出范围（应在 1900 至 2200 年之间）：{value} / time out of range")
    return moment


class _At:
    """The clock pinned to a step's `at` (or left alone without one)."""

    def __init__(self, value):
        self.moment = _moment(value)
        self.ctx = None

    def __enter__(self):
        if self.moment is not None:
            self.ctx = clock.as_of(self.moment)
            self.ctx.__enter__()

    def __exit__(self, *exc):
        if self.ctx is not None:
            self.ctx.__exit__(*exc)


def _start(parsed: ParsedDefinition, forms: dict, scenario: dict) -> Runtime:
    start = scenario["start"]
    data = start.get("data") or {}
    bad = sorted(k for k in data if k in RESERVED or k.startswith("_"))
    if bad:
        raise ScenarioFailed(f"启动数据使用了保留字段：{'、'.join(bad)} / reserved keys")
    with _At(start.get("at")):
        form = forms.get(parsed.start_form_key) if parsed.start_form_key else None
        values = _validated(form, data, "启动表单")
        limits = {k: v["value"] for k, v in settings.default_limits(parsed.process_key).items()}
        limits.update(scenario.get("limits") or {})
        rt = Runtime.create(parsed, {
            **values, "business_key": scenario.get("business_key") or f"情景-{scenario['name']}",
            "handling_organisation": scenario.get("organisation", DEFAULT_ORGANISATION),
            "started_by": scenario.get("started_by", "scenario"), "limits": limits})
        _advance(rt, set())
    return rt


def _step(rt: Runtime, forms: dict, step: dict, path: list[str]) -> None:
    seen = {v.id for v in rt.ready_user_tasks()}
    with _At(step.get("at") or step.get("timers")):
        if "task" in step:
            open_now = rt.ready_user_tasks()
            matches = [v for v in open_now if v.element_id == step["task"]]
            if not matches:
                raise ScenarioFailed(f"任务 {step['task']} 不在待办中；当前待办：{_ids(open_now) or '无'}"
                                     f" / task not open")
            view = matches[0]
            form = forms.get(view.properties.get("formKey")) if view.properties.get("formKey") else None
            values = _validated(form, step.get("data") or {}, f"任务“{view.name}”的表单")
            rt.complete(view.id, values)
            path.append(view.element_id)
            seen.discard(view.id)
        elif "message" in step:
            if not rt.deliver(step["message"], step.get("payload") or {}):
                raise ScenarioFailed(f"流程没有在等待消息 {step['message']} / message not awaited")
        _advance(rt, seen)


def _advance(rt: Runtime, seen: set[str]) -> None:
    """Step the engine (timers due by the pinned clock fire), then check what a real save would: uncaught errors and
    the property expressions of the tasks just opened."""
    incident = rt.step()
    _messages, incidents = rt.drain_events()
    incident = incident or (incidents[0] if incidents else None)
    if incident is not None:
        where = f"（{incident.element_name or incident.element_id}）" if incident.element_id else ""
        raise ScenarioFailed(f"流程出错{where}：{incident.message}")
    for view in rt.ready_user_tasks():
        if view.id in seen:
            continue
        for prop in EXPRESSION_PROPERTIES:
            if view.properties.get(prop):
                try:
                    rt.evaluate(view.properties[prop], view.data)
                except Exception as err:
                    raise ScenarioFailed(f"任务“{view.name}”的属性 {prop} 求值出错：{err} / task property failed") from None


def _validated(form: dict | None, data, what: str) -> dict:
    if not isinstance(data, dict):
        raise ScenarioFailed(f"{what}的数据应为 JSON 对象 / data must be a JSON object")
    if form is None:
        return dict(data)
    try:
        return validate_submission(form, data)
    except Invalid as err:
        fields = "；".join(f"{k}：{v}" for k, v in err.fields.items())
        raise ScenarioFailed(f"{what}未通过校验：{err.message}（{fields}）") from None


def _check_expectations(rt: Runtime, expect: dict, path: list[str]) -> None:
    failures = []
    if "path" in expect and expect["path"] != path:
        failures.append(f"办理路径应为 {expect['path']}，实际为 {path}")
    status = "completed" if rt.completed else "running"
    wanted = expect.get("status") or ("completed" if expect.get("end_event") else None)
    if wanted and wanted != status:
        failures.append(f"结束状态应为 {wanted}，实际为 {status}（待办：{_ids(rt.ready_user_tasks()) or '无'}）")
    if expect.get("end_event"):
        reached = progress.end_events_reached(rt)
        if expect["end_event"] not in reached:
            failures.append(f"应到达结束事件 {expect['end_event']}，实际到达 {reached or '无'}")
    if "open_tasks" in expect and sorted(expect["open_tasks"]) != sorted(_ids(rt.ready_user_tasks())):
        failures.append(f"待办应为 {sorted(expect['open_tasks'])}，实际为 {sorted(_ids(rt.ready_user_tasks()))}")
    data = rt.current_data()
    for key, value in (expect.get("variables") or {}).items():
        if data.get(key) != value:
            failures.append(f"变量 {key} 应为 {json.dumps(value, ensure_ascii=False)}，"
                            f"实际为 {json.dumps(data.get(key), ensure_ascii=False, default=str)}")
    if failures:
        raise ScenarioFailed("；".join(failures) + " / expectations not met")


def _ids(views) -> list[str]:
    return [v.element_id for v in views]


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
            raise Invalid(f"流程图的流程标识为 {parsed.process_key}，与 {process_key} 不一致 / process id mismatch",
                          fields={"bpmn": "流程标识不一致 / process id mismatch"})
    if scenarios is None:
        files = load_all(session, process_key)
    else:
        files = [(f"#{i}", s, "request") for i, s in enumerate(scenarios, start=1)]
    return run_all(parsed, parsed.forms, files)
