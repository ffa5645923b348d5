"""Running scenario files: a designer's executable examples of a process, run against a diagram on the engine alone, in
memory — nothing is written to any database — with the same form validation, sandbox and clock as real cases.

A scenario (`processes/scenarios/<process_key>/*.json`, or attached in the designer):
    {"name": "达成协议", "description": "…",
     "organisation": "<unit code>", "started_by": "intake1", "business_key": "情景-1", "limits": {"accept_days": 5},
     "start": {"at": "2026-03-02T09:00:00+08:00", "data": {<start form fields>}},
     "steps": [{"task": "<user task element id>", "at": "…", "data": {<its form fields>}},
               {"timers": "2026-04-26T10:00:00+08:00"},                    # fire the timers due by then
               {"message": "<name>", "payload": {…}, "at": "…"}],           # deliver a message
     "expect": {"path": [<element ids of the user tasks completed, in order>], "end_event": "<end event id>",
                "status": "completed" | "running", "open_tasks": [<ids open at the end>],
                "variables": {"outcome": "agreement"}}}
Only `name`, `start.data` and `steps` are required; everything in `expect` is optional. The case is handled by the
scenario's `organisation` (its `handling_organisation`); without one it has none. The file says it, rather than the
person or machine running it, so that an example gives the same result in the designer, in CI and on any installation.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from functools import reduce

from app.engine import clock, progress
from app.engine.bpmn_elements import EXPRESSION_PROPERTIES
from app.engine.runtime import Runtime
from app.engine.specs import ParsedDefinition
from app.i18n import N_, Text
from app.services.admin import settings
from app.services.errors import Invalid
from app.services.runtime.forms import validate_submission
from app.services.runtime.instances import RESERVED  # start keys the platform sets: a scenario starts a case the same way

MAX_STEPS = 500                 # per scenario: a scenario is an example, not a load test
MAX_SCENARIOS = 100             # per run, and stored per process
STATUSES = ("completed", "running")
_NONE = N_("无")


class ScenarioFailed(Exception):
    """Why a scenario did not pass, as a catalogue template with its parameters."""

    def __init__(self, template: str | Text, **params):
        self.text = template if isinstance(template, Text) else Text(template, **params)
        super().__init__(self.text.render())


def _joined(texts: list[Text]) -> Text:
    """Several messages as one, separated by "；" (each translated on its own)."""
    return reduce(lambda first, rest: Text(N_("{first}；{rest}"), first=first, rest=rest), texts)


def run_all(parsed: ParsedDefinition, forms: dict, scenarios: list[tuple]) -> list[dict]:
    """Run (file, scenario) or (file, scenario, source) entries; at most MAX_SCENARIOS."""
    if len(scenarios) > MAX_SCENARIOS:
        raise Invalid(N_("一次最多运行 {limit} 个情景（当前 {count} 个）"), limit=MAX_SCENARIOS, count=len(scenarios),
                      fields={"scenarios": Text(N_("最多 {limit} 个"), limit=MAX_SCENARIOS)})
    results = []
    for file, scenario, *source in scenarios:
        result = run(parsed, forms, scenario, file)
        results.append({**result, "source": source[0]} if source else result)
    return results


def run(parsed: ParsedDefinition, forms: dict, scenario: dict | Text, file: str | None = None) -> dict:
    """One scenario: {"name", "file", "passed", "message", "path"} — never raises for a failing scenario. A scenario
    that could not be read is given as the Text saying why. The message is in Chinese."""
    name = scenario.get("name") if isinstance(scenario, dict) and isinstance(scenario.get("name"), str) else file
    path: list[str] = []
    try:
        if isinstance(scenario, Text):
            raise ScenarioFailed(scenario)
        check_shape(scenario)
        rt = _start(parsed, forms, scenario)
        for number, step in enumerate(scenario["steps"], start=1):
            try:
                _step(rt, forms, step, path)
            except ScenarioFailed as err:
                raise ScenarioFailed(N_("第 {number} 步：{error}"), number=number, error=err.text) from None
            except (OverflowError, RecursionError, MemoryError) as err:
                raise ScenarioFailed(N_("第 {number} 步：{error}"), number=number, error=_out_of_range(err)) from None
        _check_expectations(rt, scenario.get("expect") or {}, path)
    except ScenarioFailed as err:
        return {"name": name, "file": file, "passed": False, "message": str(err), "path": path}
    except (OverflowError, RecursionError, MemoryError) as err:
        return {"name": name, "file": file, "passed": False, "path": path, "message": _out_of_range(err).render()}
    return {"name": name, "file": file, "passed": True, "message": N_("通过"), "path": path}


def _out_of_range(err: Exception) -> Text:
    return Text(N_("时间或数据超出范围（{error_type}）"), error_type=type(err).__name__)


# ---- the shape of a file ---------------------------------------------------------------------------------------------
def check_shape(scenario) -> None:
    """Everything the runner reads has the type it expects, so a malformed file fails with a message, not a crash."""
    if not isinstance(scenario, dict):
        raise ScenarioFailed(N_("情景文件格式不正确：应为 JSON 对象"))
    problems = []
    if not isinstance(scenario.get("name"), str) or not scenario["name"].strip():
        problems.append(Text(N_("缺少 name")))
    for key in ("description", "organisation", "started_by", "business_key"):
        if scenario.get(key) is not None and not isinstance(scenario[key], str):
            problems.append(Text(N_("{key} 应为字符串"), key=key))
    limits = scenario.get("limits")
    if limits is not None and not (isinstance(limits, dict) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in limits.values())):
        problems.append(Text(N_("limits 应为 {名称: 数字} 对象")))
    start = scenario.get("start")
    if not isinstance(start, dict) or not isinstance(start.get("data", {}), dict):
        problems.append(Text(N_("start.data 应为 JSON 对象")))
    elif start.get("at") is not None and not isinstance(start["at"], str):
        problems.append(Text(N_("start.at 应为时间字符串")))
    steps = scenario.get("steps")
    if not isinstance(steps, list):
        problems.append(Text(N_("steps 应为列表，每步含 task、timers 或 message 之一")))
    elif len(steps) > MAX_STEPS:
        problems.append(Text(N_("steps 最多 {limit} 步（当前 {count} 步）"), limit=MAX_STEPS, count=len(steps)))
    else:
        for number, step in enumerate(steps, start=1):
            problem = _step_problem(step)
            if problem:
                problems.append(Text(N_("第 {number} 步{problem}"), number=number, problem=problem))
                break
    problems.extend(_expect_problems(scenario.get("expect", {})))
    if problems:
        raise ScenarioFailed(N_("情景文件格式不正确：{problems}"), problems=_joined(problems))


def _expect_problems(expect) -> list[Text]:
    if not isinstance(expect, dict):
        return [Text(N_("expect 应为 JSON 对象"))]
    problems = []
    for key in ("path", "open_tasks"):
        if key in expect and not (isinstance(expect[key], list) and all(isinstance(x, str) for x in expect[key])):
            problems.append(Text(N_("expect.{key} 应为元素标识的列表"), key=key))
    if expect.get("end_event") is not None and not isinstance(expect["end_event"], str):
        problems.append(Text(N_("expect.end_event 应为结束事件的标识")))
    if expect.get("status") is not None and expect["status"] not in STATUSES:
        problems.append(Text(N_("expect.status 应为 completed 或 running")))
    if expect.get("variables") is not None and not isinstance(expect["variables"], dict):
        problems.append(Text(N_("expect.variables 应为 {变量名: 值} 对象")))
    return problems


def _step_problem(step) -> Text | None:
    if not isinstance(step, dict) or not ({"task", "timers", "message"} & set(step)):
        return Text(N_("应为 JSON 对象，含 task、timers 或 message 之一"))
    for key in ("task", "message", "timers", "at"):
        if key in step and step[key] is not None and not isinstance(step[key], str):
            return Text(N_("的 {key} 应为字符串"), key=key)
    for key in ("data", "payload"):
        if step.get(key) is not None and not isinstance(step[key], dict):
            return Text(N_("的 {key} 应为 JSON 对象"), key=key)
    return None


# ---- running ---------------------------------------------------------------------------------------------------------
def _moment(value) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ScenarioFailed(N_("时间格式不正确：{value}（示例 2026-03-02T09:00:00+08:00）"), value=value) from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=clock.BEIJING)
    try:
        moment.astimezone(timezone.utc)
    except OverflowError:
        raise ScenarioFailed(N_("时间超出范围：{value}"), value=value) from None
    if not 1900 <= moment.year <= 2200:
        raise ScenarioFailed(N_("时间超出范围（应在 1900 至 2200 年之间）：{value}"), value=value)
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
        raise ScenarioFailed(N_("启动数据使用了保留字段：{keys}"), keys="、".join(bad))
    with _At(start.get("at")):
        form = forms.get(parsed.start_form_key) if parsed.start_form_key else None
        values = _validated(form, data, Text(N_("启动表单")))
        limits = {k: v["value"] for k, v in settings.default_limits(parsed.process_key).items()}
        limits.update(scenario.get("limits") or {})
        rt = Runtime.create(parsed, {
            **values, "business_key": scenario.get("business_key") or f"情景-{scenario['name']}",
            "handling_organisation": scenario.get("organisation"),
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
                raise ScenarioFailed(N_("任务 {task} 不在待办中；当前待办：{open}"), task=step["task"],
                                     open=_listed(_ids(open_now)))
            view = matches[0]
            form = forms.get(view.properties.get("formKey")) if view.properties.get("formKey") else None
            values = _validated(form, step.get("data") or {}, Text(N_("任务“{name}”的表单"), name=view.name))
            rt.complete(view.id, values)
            path.append(view.element_id)
            seen.discard(view.id)
        elif "message" in step:
            if not rt.deliver(step["message"], step.get("payload") or {}):
                raise ScenarioFailed(N_("流程没有在等待消息 {name}"), name=step["message"])
        _advance(rt, seen)


def _advance(rt: Runtime, seen: set[str]) -> None:
    """Step the engine (timers due by the pinned clock fire), then check what a real save would: uncaught errors and
    the property expressions of the tasks just opened."""
    incident = rt.step()
    _messages, incidents = rt.drain_events()
    incident = incident or (incidents[0] if incidents else None)
    if incident is not None:
        if incident.element_id:
            raise ScenarioFailed(N_("流程出错（{element}）：{error}"),
                                 element=incident.element_name or incident.element_id, error=incident.message)
        raise ScenarioFailed(N_("流程出错：{error}"), error=incident.message)
    for view in rt.ready_user_tasks():
        if view.id in seen:
            continue
        for prop in EXPRESSION_PROPERTIES:
            if view.properties.get(prop):
                try:
                    rt.evaluate(view.properties[prop], view.data)
                except Exception as err:
                    raise ScenarioFailed(N_("任务“{name}”的属性 {property} 求值出错：{error}"), name=view.name,
                                         property=prop, error=err) from None


def _validated(form: dict | None, data, what: Text) -> dict:
    if not isinstance(data, dict):
        raise ScenarioFailed(N_("{what}的数据应为 JSON 对象"), what=what)
    if form is None:
        return dict(data)
    try:
        return validate_submission(form, data)
    except Invalid as err:
        fields = "；".join(f"{k}：{v}" for k, v in err.fields.items())
        raise ScenarioFailed(N_("{what}未通过校验：{error}（{fields}）"), what=what, error=err.text,
                             fields=fields) from None


def _check_expectations(rt: Runtime, expect: dict, path: list[str]) -> None:
    failures = []
    if "path" in expect and expect["path"] != path:
        failures.append(Text(N_("办理路径应为 {expected}，实际为 {actual}"), expected=expect["path"], actual=path))
    status = "completed" if rt.completed else "running"
    wanted = expect.get("status") or ("completed" if expect.get("end_event") else None)
    if wanted and wanted != status:
        failures.append(Text(N_("结束状态应为 {expected}，实际为 {actual}（待办：{open}）"), expected=wanted, actual=status,
                             open=_listed(_ids(rt.ready_user_tasks()))))
    if expect.get("end_event"):
        reached = progress.end_events_reached(rt)
        if expect["end_event"] not in reached:
            failures.append(Text(N_("应到达结束事件 {expected}，实际到达 {actual}"), expected=expect["end_event"],
                                 actual=_listed(reached)))
    if "open_tasks" in expect and sorted(expect["open_tasks"]) != sorted(_ids(rt.ready_user_tasks())):
        failures.append(Text(N_("待办应为 {expected}，实际为 {actual}"), expected=sorted(expect["open_tasks"]),
                             actual=sorted(_ids(rt.ready_user_tasks()))))
    data = rt.current_data()
    for key, value in (expect.get("variables") or {}).items():
        if data.get(key) != value:
            failures.append(Text(N_("变量 {name} 应为 {expected}，实际为 {actual}"), name=key,
                                 expected=json.dumps(value, ensure_ascii=False),
                                 actual=json.dumps(data.get(key), ensure_ascii=False, default=str)))
    if failures:
        raise ScenarioFailed(_joined(failures))


def _listed(items: list) -> list | Text:
    """A list of element ids as the message shows it, or 无 when empty."""
    return items or Text(_NONE)


def _ids(views) -> list[str]:
    return [v.element_id for v in views]
