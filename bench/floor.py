"""The floor: what completing one user task costs SpiffWorkflow alone, with no database and no service code.

One repetition = restore from the JSON string + run the ready user task + do_engine_steps() + serialize, on
bench_seq10 with 5 of its 10 tasks done. Three variants, interleaved so background noise hits them alike:
  (a) stock serializer, spec embedded   — "the raw SpiffWorkflow floor" (the issue's reference)
  (b) app.engine.serializer, spec by reference — "our engine alone"
  (c) app.engine.runtime.Runtime (restore/complete/step/dump) — our wrapper, which also refreshes timers, loops
      until no engine task is READY and guards the step count; the gap (c)−(b) is wrapper cost.
All use the sandboxed SCRIPT_ENGINE (seq10 has no scripts, so it only matters for fairness)."""
from __future__ import annotations

import time

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.defaults import UserTask
from SpiffWorkflow.util.task import TaskState

from app.engine import serializer as app_serializer
from app.engine.runtime import Runtime
from app.engine.sandbox import SCRIPT_ENGINE
from app.engine.specs import parse_definition
from bench import bpmn
from bench.common import log, p50_p95

STOCK = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
START_DATA = {"business_key": "调〔2026〕00001号", "handling_organisation": "hz_sfj", "started_by": "mediator1",
              "limits": {}}  # what instances.start puts in, so the task data matches the service path


def _ready_user_task(wf: BpmnWorkflow):
    return wf.get_tasks(state=TaskState.READY, spec_class=UserTask)[0]


def middle_workflow(parsed, done: int = 5) -> BpmnWorkflow:
    wf = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=SCRIPT_ENGINE)
    wf.task_tree.set_data(**START_DATA)
    wf.do_engine_steps()
    for _ in range(done):
        task = _ready_user_task(wf)
        task.set_data(**bpmn.FORM_DATA)
        task.run()
        wf.do_engine_steps()
    return wf


def _complete(wf, task_id) -> None:
    wf.script_engine = SCRIPT_ENGINE
    task = wf.get_task_from_id(task_id)
    task.set_data(**bpmn.FORM_DATA)
    task.run()
    wf.do_engine_steps()


def _stock(js: str, task_id) -> str:
    wf = STOCK.deserialize_json(js)
    _complete(wf, task_id)
    return STOCK.serialize_json(wf)


def _ours(js: str, task_id, parsed) -> str:
    wf = app_serializer.restore(js, parsed.spec, parsed.subprocess_specs)
    _complete(wf, task_id)
    return app_serializer.dump(wf)


def _runtime(js: str, task_id, parsed) -> str:
    rt = Runtime.restore(parsed, js)
    rt.complete(str(task_id), dict(bpmn.FORM_DATA))
    rt.step()
    return rt.dump()


def variants() -> dict:
    """name -> a zero-argument callable doing one repetition (restore + run + steps + serialize) from its own JSON."""
    parsed = parse_definition(bpmn.seq10(), "bench_seq10.bpmn")
    wf = middle_workflow(parsed)
    task_id = _ready_user_task(wf).id
    stock_js, ours_js = STOCK.serialize_json(wf), app_serializer.dump(wf)
    found = {
        "stock": lambda: _stock(stock_js, task_id),
        "ours": lambda: _ours(ours_js, task_id, parsed),
        "runtime": lambda: _runtime(ours_js, task_id, parsed),
    }
    for fn in found.values():  # sanity: each variant really completes the 6th task
        assert '"ut_06"' in fn()
    found["_meta"] = {"bytes": {"stock": len(stock_js), "ours": len(ours_js)}, "task_rows": len(wf.tasks)}
    return found


def measure(repetitions: int = 400, warmup: int = 50) -> dict:
    runs = variants()
    meta = runs.pop("_meta")
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for i in range(warmup + repetitions):
        for name, fn in runs.items():
            t0 = time.perf_counter()
            fn()
            elapsed = time.perf_counter() - t0
            if i >= warmup:
                samples[name].append(elapsed)
    result = {name: p50_p95(s) for name, s in samples.items()}
    result.update(meta, n=repetitions)
    log(f"  floor: stock {result['stock'][0]:.2f} ms, ours {result['ours'][0]:.2f} ms, "
        f"runtime {result['runtime'][0]:.2f} ms (p50, n={repetitions})")
    return result
