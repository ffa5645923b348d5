"""One workflow in memory: create or restore it, act on it, step it, and read back what the platform stores.

This is the only module that touches SpiffWorkflow task objects at run time. Services get plain data back.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.spiff.specs.defaults import UserTask
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from app.engine import clock, serializer
from app.engine.errors import Incident, TaskNotOpen
from app.engine.sandbox import SCRIPT_ENGINE
from app.engine.specs import ParsedDefinition
from app.i18n import N_

clock.install_into_spiff()

TIMER_EVENT_TYPES = {"DurationTimerEventDefinition", "TimeDateEventDefinition", "CycleTimerEventDefinition"}
MAX_TASKS_PER_STEP = 5000      # an unbounded BPMN loop stops here with an incident instead of spinning forever
MAX_TREE_TASKS = 20000         # SpiffWorkflow stalls silently past tree depth 1000 (reference trap 10)


class StepLimitExceeded(Exception):
    pass


@dataclass
class UserTaskView:
    id: str
    element_id: str
    name: str
    lane: str | None
    properties: dict
    data: dict


class Runtime:
    """A BpmnWorkflow plus the definition it runs, with the sandboxed script engine always attached."""

    def __init__(self, parsed: ParsedDefinition, workflow: BpmnWorkflow):
        self.parsed = parsed
        self.wf = workflow
        self.wf.script_engine = SCRIPT_ENGINE  # a restored workflow gets an unsandboxed engine otherwise (trap 2)

    # ---- creation and persistence -------------------------------------------------------------------------------
    @classmethod
    def create(cls, parsed: ParsedDefinition, data: dict, start_message: tuple[str, dict] | None = None) -> Runtime:
        rt = cls(parsed, BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=SCRIPT_ENGINE))
        rt.wf.task_tree.set_data(**data)
        if start_message is not None:
            # A process may also have a none start event; it would fire at once and cancel the message start.
            for task in rt.wf.get_tasks(spec_class=StartEvent):
                if isinstance(task.task_spec.event_definition, NoneEventDefinition):
                    task.cancel()
        return rt

    @classmethod
    def restore(cls, parsed: ParsedDefinition, state: str) -> Runtime:
        return cls(parsed, serializer.restore(state, parsed.spec, parsed.subprocess_specs))

    def dump(self) -> str:
        return serializer.dump(self.wf)

    # ---- acting -------------------------------------------------------------------------------------------------
    def step(self) -> Incident | None:
        """Run every engine task that can run, timers that are due included. Returns the incident, if any."""
        counter = {"n": 0}

        def count(_task):
            counter["n"] += 1
            if counter["n"] > MAX_TASKS_PER_STEP:
                raise StepLimitExceeded()

        try:
            for _ in range(50):
                self.wf.refresh_timers()
                self.wf.do_engine_steps(did_complete_task=count)
                if not self._engine_task_ready():
                    break
        except StepLimitExceeded:
            return self._loop_incident()
        except SpiffWorkflowException as err:
            return self._incident_from(err)
        except Exception as err:  # an engine bug must still become an incident, never a lost command
            return Incident(message=N_("流程引擎内部错误：{error_type}: {error}").format(error_type=type(err).__name__, error=err))
        if len(self.wf.tasks) > MAX_TREE_TASKS:
            return Incident(message=N_("流程历史过长（{count} 个任务节点），可能存在未收敛的循环").format(count=len(self.wf.tasks)))
        return None

    def complete(self, task_id: str, data: dict) -> None:
        task = self._ready_user_task(task_id)
        task.set_data(**data)
        task.run()

    def deliver(self, name: str, payload: dict) -> bool:
        """Hand a message to this workflow. False when nothing in it waits for that name."""
        try:
            self.wf.send_event(BpmnEvent(MessageEventDefinition(name), payload, {}))
        except WorkflowException:
            return False
        return True

    def retry(self) -> list[str]:
        """Put every failed task back to READY (its data, including any fix, is kept); returns their ids."""
        failed = self.wf.get_tasks(state=TaskState.ERROR)
        for task in failed:
            task._set_state(TaskState.READY)  # the public reset_from_task_id would discard the submitted work
        return [str(t.id) for t in failed]

    def failed_task_ids(self) -> list[str]:
        return [str(t.id) for t in self.wf.get_tasks(state=TaskState.ERROR)]

    def cancel(self) -> None:
        self.wf.cancel()

    def reset_to(self, element_id: str) -> str:
        """Move the token back to the latest completed run of a user task: it is READY again (same task id) and
        everything after it is removed. Returns the task id; TaskNotOpen when that task never completed."""
        done = [t for t in self.wf.get_tasks(state=TaskState.COMPLETED, spec_class=UserTask)
                if t.task_spec.bpmn_id == element_id]
        if not done:
            raise TaskNotOpen(element_id)
        task = max(done, key=lambda t: t.last_state_change)
        self.wf.reset_from_task_id(task.id)
        return str(task.id)

    def set_variables(self, changes: dict) -> None:
        """Replace top-level variables on every open task (ready, waiting, errored), as a repair would."""
        for task in self.wf.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.ERROR | TaskState.STARTED):
            task.data = {**task.data, **changes}

    # ---- reading back ---------------------------------------------------------------------------------------------
    def ready_user_tasks(self) -> list[UserTaskView]:
        views = []
        for task in self.wf.get_tasks(state=TaskState.READY, spec_class=UserTask):
            spec = task.task_spec
            views.append(UserTaskView(
                id=str(task.id), element_id=spec.bpmn_id, name=spec.bpmn_name or spec.bpmn_id, lane=spec.lane,
                properties=(spec.extensions or {}).get("properties", {}), data=task.data,
            ))
        return views

    def evaluate(self, expression: str, data: dict):
        return SCRIPT_ENGINE.environment.evaluate(expression, data)

    def next_timer_due(self) -> datetime | None:
        dues = [TimerEventDefinition.get_datetime(ev.value) for ev in self.wf.waiting_events()
                if ev.event_type in TIMER_EVENT_TYPES and isinstance(ev.value, str)]
        cycle = [datetime.fromisoformat(ev.value["next"]) for ev in self.wf.waiting_events()
                 if ev.event_type in TIMER_EVENT_TYPES and isinstance(ev.value, dict) and ev.value.get("next")]
        return min(dues + cycle, default=None)

    def diagram_state(self) -> dict:
        """Where the case stands, by BPMN element id, for the supervisor's diagram: what is active, done or failed,
        and the timers and messages it waits for (with their due time)."""
        states: dict[str, set] = {"active": set(), "completed": set(), "error": set()}
        for task in self.wf.get_tasks():
            element_id = task.task_spec.bpmn_id
            if element_id is None:
                continue
            if task.state == TaskState.COMPLETED:
                states["completed"].add(element_id)
            elif task.state == TaskState.ERROR:
                states["error"].add(element_id)
            elif task.state & (TaskState.READY | TaskState.STARTED | TaskState.WAITING):
                states["active"].add(element_id)
        waits = []
        for task in self.wf.event_manager.tasks.values():
            spec, event = task.task_spec, task.task_spec.event_definition.details(task)
            due = None
            if event.event_type in TIMER_EVENT_TYPES and event.value:
                value = event.value.get("next") if isinstance(event.value, dict) else event.value
                due = TimerEventDefinition.get_datetime(value) if value else None
            waits.append({"element_id": spec.bpmn_id, "name": spec.bpmn_name or spec.bpmn_id,
                          "kind": "timer" if event.event_type in TIMER_EVENT_TYPES else "message",
                          "message": event.name if event.event_type == "MessageEventDefinition" else None,
                          "due": due})
        return {**{k: sorted(v) for k, v in states.items()}, "waits": sorted(waits, key=lambda w: str(w["due"] or ""))}

    def awaited_messages(self) -> set[str]:
        return {ev.name for ev in self.wf.waiting_events() if ev.event_type == "MessageEventDefinition"}

    def drain_events(self) -> tuple[list[tuple[str, dict]], list[Incident]]:
        """Thrown messages nobody in this workflow caught, and uncaught BPMN errors (incidents, not normal ends)."""
        messages, incidents = [], []
        for event in self.wf.get_events():
            kind = type(event.event_definition).__name__
            if kind == "MessageEventDefinition":
                messages.append((event.event_definition.name, event.payload or {}))
            elif kind == "ErrorEventDefinition":
                code = getattr(event.event_definition, "code", None)
                incidents.append(Incident(message=N_("未被捕获的 BPMN 错误事件：{name}（{code}）").format(
                    name=event.event_definition.name, code=code)))
        return messages, incidents

    @property
    def completed(self) -> bool:
        return self.wf.is_completed()

    def current_data(self) -> dict:
        """The case's variables now: the end data when finished, else the data of the open frontier (ready, waiting,
        errored tasks; the most recently changed wins per key). `wf.last_task` is not it: a join may complete last."""
        if self.wf.is_completed():
            return {k: v for k, v in self.wf.data.items() if k != "data_objects"}
        frontier = self.wf.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.ERROR | TaskState.STARTED)
        data: dict = {}
        for task in sorted(frontier, key=lambda t: t.last_state_change):
            if task.state == TaskState.WAITING and not task.data and task.parent is not None:
                data.update(task.parent.data)  # a branch waiting at a join holds its data in the task before it
            data.update(task.data)
        if not data and self.wf.last_task is not None:
            data = dict(self.wf.last_task.data)
        return data

    def task_data(self, task_id: str) -> dict:
        task = self.wf.get_task_from_id(_uuid(task_id))
        return dict(task.data) if task is not None else {}

    def task_state(self, task_id: str) -> str | None:
        task = self.wf.get_task_from_id(_uuid(task_id))
        return TaskState.get_name(task.state) if task is not None else None

    # ---- internals ------------------------------------------------------------------------------------------------
    def _engine_task_ready(self) -> bool:
        return any(not t.task_spec.manual for t in self.wf.get_tasks(state=TaskState.READY))

    def _ready_user_task(self, task_id: str):
        task = self.wf.get_task_from_id(_uuid(task_id))
        if task is None or task.state != TaskState.READY or not isinstance(task.task_spec, UserTask):
            raise TaskNotOpen(task_id)
        return task

    def _incident_from(self, err: SpiffWorkflowException) -> Incident:
        task = getattr(err, "task", None)
        spec = task.task_spec if task is not None else None
        message = N_("执行“{element}”时出错：{error}").format(
            element=getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", "?"), error=err)
        notes = getattr(err, "__notes__", None)
        if notes:
            message = f"{message}（{'；'.join(notes)}）"
        return Incident(
            message=message,
            element_id=getattr(spec, "bpmn_id", None),
            element_name=getattr(spec, "bpmn_name", None),
            line=getattr(err, "line_number", None) or None,
            task_id=str(task.id) if task is not None else None,
            data=_jsonable(task.data) if task is not None else {},
        )

    def _loop_incident(self) -> Incident:
        return Incident(message=N_("一次推进执行了超过 {limit} 个任务，流程可能陷入死循环").format(limit=MAX_TASKS_PER_STEP))


def _uuid(task_id: str):
    try:
        return UUID(str(task_id))
    except ValueError:
        raise TaskNotOpen(task_id) from None


def _jsonable(data: dict) -> dict:
    return json.loads(json.dumps(data, default=str))


def due_instant(value) -> datetime | None:
    """A due date from a `dueDate` expression: an ISO date means the end of that day in Beijing."""
    if value in (None, ""):
        return None
    text = str(value)
    if len(text) == 10:
        day = datetime.fromisoformat(text).replace(tzinfo=clock.BEIJING)
        return day + timedelta(days=1)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=clock.BEIJING)
