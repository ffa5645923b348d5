"""Moving a running workflow to another version of its diagram.

The state stores the spec by reference (serializer.py): a task row names its task spec, and restoring looks that name
up in the spec it is given. So migrating is rewriting the task tree against the target spec, which SpiffWorkflow
3.2.0 supports (`SpiffWorkflow.bpmn.util.diff`, documented in its "Diff Utilities" chapter): `SpecDiff` aligns the
task specs of two versions (by id, then by structure), `migrate_workflow` re-points every task at its aligned spec and
resets the READY and WAITING tasks so that what follows them is predicted again from the new diagram.

What we add: the decision (an instance moves only when every element it is at exists in the target with the same
type, and every element in its history still exists, since the stored tree must restore against the target), keeping
the due time of an unchanged waiting timer (a reset would re-arm it from now), re-predicting what follows a failed
task or a running subprocess, and a trial round trip (dump, restore against the target) before anything is saved.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from app.engine import serializer
from app.engine.runtime import Runtime
from app.engine.specs import ParsedDefinition
from app.i18n import N_

ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
HISTORY = TaskState.COMPLETED | TaskState.CANCELLED


@dataclass
class Assessment:
    movable: bool
    active_elements: list[str] = field(default_factory=list)   # element ids the instance is at now
    reasons: list[str] = field(default_factory=list)           # why it cannot move, in Chinese


def active_elements(rt: Runtime) -> list[str]:
    found = []
    for task in rt.wf.get_tasks(state=ACTIVE):
        element = getattr(task.task_spec, "bpmn_id", None)
        if element and element not in found:
            found.append(element)
    return found


def assess(rt: Runtime, target: ParsedDefinition) -> Assessment:
    """Whether the workflow can move to `target`, and if not, every reason."""
    reasons: list[str] = []
    by_element: dict[str, str] = {}   # one reason per element; where it is now beats its history
    for workflow, diff, spec in _diffs(rt, target, reasons):
        for task in workflow.get_tasks(skip_subprocesses=True):
            found = _task_reason(task, diff.alignment.get(task), spec)
            if found and (found[0] not in by_element or task.has_state(ACTIVE)):
                by_element[found[0]] = found[1]
    reasons += list(dict.fromkeys(by_element.values()))
    if not reasons:
        try:
            migrate(rt.parsed, rt.dump(), target)
        except Exception as err:  # the trial is the last word: whatever fails here would fail for real
            reasons.append(N_("试迁移未能在目标版本上恢复案件状态：{error_type}: {error}").format(
                error_type=type(err).__name__, error=err))
    return Assessment(movable=not reasons, active_elements=active_elements(rt), reasons=reasons)


def migrate(source: ParsedDefinition, state: str, target: ParsedDefinition) -> Runtime:
    """The workflow stored in `state` (of `source`), rewritten against `target` and restored from it."""
    rt = Runtime.restore(source, state)
    diffs = list(_diffs(rt, target, []))
    for workflow, diff, spec in diffs:
        kept_timers = _unchanged_timer_values(workflow, diff)
        old_outputs = {t.id: [o.name for o in t.task_spec.outputs]
                       for t in workflow.get_tasks(state=TaskState.ERROR | TaskState.STARTED, skip_subprocesses=True)}
        migrate_workflow(diff, workflow, spec)
        for task in workflow.get_tasks(state=TaskState.ERROR | TaskState.STARTED, skip_subprocesses=True):
            _repredict(task, old_outputs.get(task.id))
        for task_id, value in kept_timers.items():
            task = workflow.tasks.get(task_id)
            if task is not None and task.state == TaskState.WAITING:
                task.internal_data = value
    rt.wf.subprocess_specs = target.subprocess_specs
    return Runtime.restore(target, serializer.dump(rt.wf))


# ---- internals ---------------------------------------------------------------------------------------------------------
def _diffs(rt: Runtime, target: ParsedDefinition, reasons: list[str]):
    """(workflow, its diff, its target spec) for the top workflow and each subprocess; a subprocess whose process
    is gone from the target is a reason instead."""
    registry = serializer.SERIALIZER.registry
    yield rt.wf, WorkflowDiff(rt.wf, SpecDiff(registry, rt.wf.spec, target.spec)), target.spec
    for sp in rt.wf.subprocesses.values():
        spec = target.subprocess_specs.get(sp.spec.name)
        if spec is None:
            reasons.append(N_("子流程“{name}”在目标版本中不存在").format(name=sp.spec.name))
            continue
        yield sp, WorkflowDiff(sp, SpecDiff(registry, sp.spec, spec)), spec


def _task_reason(task, aligned, target_spec) -> tuple[str, str] | None:
    spec = task.task_spec
    label, element = _label(task)
    if task.has_state(ACTIVE):
        same_id = target_spec.task_specs.get(spec.name)
        if same_id is None:
            return element, N_("当前所在环节{label}（{element}）在目标版本中不存在").format(label=label, element=element)
        if type(same_id).__name__ != type(spec).__name__ or _event_kind(same_id) != _event_kind(spec):
            return element, N_("当前所在环节{label}（{element}）在目标版本中的类型不同（{before} → {after}）").format(
                label=label, element=element, before=_kind(spec), after=_kind(same_id))
    elif task.has_state(HISTORY) and aligned is None:
        return element, N_("已办理的环节{label}（{element}）在目标版本中已删除，案件历史无法对应").format(label=label, element=element)
    return None


def _label(task) -> tuple[str, str]:
    """(“name”, element id) of the element a task stands for; an internal task (a boundary event split, an end
    join) stands for the element whose id prefixes its name."""
    spec = task.task_spec
    if getattr(spec, "bpmn_id", None) is None and "." in spec.name:
        owner = task.workflow.spec.task_specs.get(spec.name.split(".")[0])
        if owner is not None and getattr(owner, "bpmn_id", None):
            spec = owner
    element = getattr(spec, "bpmn_id", None) or spec.name
    return f"“{getattr(spec, 'bpmn_name', None) or element}”", element


def _kind(spec) -> str:
    event = _event_kind(spec)
    return type(spec).__name__ + (f"/{event}" if event else "")


def _event_kind(spec) -> str | None:
    definition = getattr(spec, "event_definition", None)
    return type(definition).__name__ if definition is not None else None


def _unchanged_timer_values(workflow, diff: WorkflowDiff) -> dict:
    """A waiting timer whose definition did not change keeps its due time (a reset would start it again from now)."""
    changed = set(diff.changed)
    return {t.id: dict(t.internal_data) for t in workflow.get_tasks(state=TaskState.WAITING, skip_subprocesses=True)
            if t not in changed and t.internal_data.get("event_value") is not None}


def _repredict(task, old_outputs: list[str] | None) -> None:
    """A failed task or a running subprocess keeps its state, but what was predicted after it came from the old
    diagram: drop those predictions and predict again from the new one (multi-instance children are left alone)."""
    if old_outputs is None or [o.name for o in task.task_spec.outputs] == old_outputs:
        return
    if task.state == TaskState.STARTED and not isinstance(task.task_spec, SubWorkflowTask):
        return
    task._drop_children()
    task.task_spec._predict(task)
