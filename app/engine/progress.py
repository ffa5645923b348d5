"""What a workflow has reached so far, as plain data (for the scenario runner and anything else that checks an
outcome without touching SpiffWorkflow objects)."""
from __future__ import annotations

from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.util.task import TaskState

from app.engine.runtime import Runtime


def end_events_reached(rt: Runtime, include_subprocesses: bool = False) -> list[str]:
    """Element ids of the end events completed, in tree order (the process's own unless asked for subprocesses')."""
    return [t.task_spec.bpmn_id for t in rt.wf.get_tasks(state=TaskState.COMPLETED, spec_class=EndEvent,
                                                         skip_subprocesses=not include_subprocesses)]
