"""The environment and engine: data cannot shadow the guards, oversized data is rolled back, normal scripts run,
and SpiffWorkflow sees every sandbox error as a task error."""
from __future__ import annotations

import time
from datetime import datetime
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from app.engine import clock
from app.engine.sandbox import (
    SCRIPT_ENGINE, SandboxEnvironment, SandboxScriptEngine, ScriptRejected, ScriptResourceLimit, ScriptTimeout,
    make_script_engine,
)

def test_data_cannot_shadow_guards_in_evaluate(env):
    called = []

    def fake_getattr(obj, name):
        called.append(name)
        return getattr(obj, name)

    context = {"_getattr_": fake_getattr, "__builtins__": __builtins__, "text": "{0.__class__}"}
    with pytest.raises(ScriptRejected):
        env.evaluate("text.format(1)", context)
    assert called == []
    with pytest.raises(NameError):  # the real builtins, not the ones smuggled in through data
        env.evaluate("open('/etc/hostname')", context)

def test_data_cannot_shadow_guards_or_helpers_in_execute(env):
    for key in ("_getattr_", "__builtins__", "_tick_", "now"):
        context = {key: "shadow", "x": 1}
        with pytest.raises(ScriptRejected, match="冲突"):
            env.execute("y = x", context)
        assert "y" not in context

def test_helpers_win_over_data_in_evaluate(env):
    assert env.evaluate("add_days('2026-01-01', 1)", {"add_days": "shadow"}) == "2026-01-02"

def test_oversized_data_is_rolled_back(env):
    context = {"keep": 1}
    with pytest.raises(ScriptResourceLimit):
        env.execute("keep = 2\nbig = ['a' * 10**6] * 100", context)
    assert context == {"keep": 1}

def test_oversized_data_is_rolled_back_after_an_error(quick_env):
    context = {"keep": 1}
    with pytest.raises(ScriptTimeout):  # the original error is kept, the data is still restored
        quick_env.execute("big = ['a' * 10**6] * 100\nwhile True:\n    pass", context)
    assert context == {"keep": 1}

def test_oversized_expression_result(env):
    with pytest.raises(ScriptResourceLimit):
        env.evaluate("[s] * 1000", {"s": "a" * 10**5})


# ---- normal scripts ------------------------------------------------------------------------------------------------
BENIGN = """
total = 0
for i in range(10):
    total += i
n = 0
while n < 5:
    n += 1
squares = [i * i for i in range(5)]
by_name = {k: v for k, v in zip(['a', 'b', 'c'], range(3))}
residues = {x % 3 for x in range(10)}
pairs = sorted([(2, 'b'), (1, 'a')])
first, second = pairs[0]
label = f"total={total} first={first!r} pi={3.14159:.2f} pad={'x':>3}|"
case_no = str(7).zfill(4)
old_style = '%s-%03d' % ('HZ', 7)
def double(v):
    return v * 2
inc = lambda v: v + 1
calc = double(inc(1)) ** 2 << 1
due = end_of_day(add_workdays(received_date, limits['accept_days'])) if False else end_of_day(
    add_days(received_date, limits['accept_days']))
age = date_diff_days('2026-01-01', parse_date(received_date))
stamp = now()
upper_names = list(map(str.upper, ['ann', 'bob']))
is_text = isinstance(label, str)
try:
    missing = {}['nope']
except KeyError as e:
    missing = 'caught ' + str(e)
"""

def test_benign_script_runs_and_sets_data(env):
    context = {"received_date": "2026-11-20", "limits": {"accept_days": 5}}
    with clock.as_of(datetime(2026, 11, 23, 9, 30)):
        env.execute(BENIGN, context)
    assert context["total"] == 45 and context["n"] == 5
    assert context["squares"] == [0, 1, 4, 9, 16]
    assert context["by_name"] == {"a": 0, "b": 1, "c": 2}
    assert context["residues"] == {0, 1, 2}
    assert (context["first"], context["second"]) == (1, "a")
    assert context["label"] == "total=45 first=1 pi=3.14 pad=  x|"
    assert context["case_no"] == "0007" and context["old_style"] == "HZ-007"
    assert context["calc"] == 32
    assert context["due"] == "2026-11-26T00:00:00+08:00"
    assert context["age"] == 323
    assert context["stamp"] == "2026-11-23T09:30:00+08:00"
    assert context["upper_names"] == ["ANN", "BOB"]
    assert context["is_text"] is True
    assert context["missing"] == "caught 'nope'"
    # functions, lambdas, helpers and guards never stay in task data
    assert not {"double", "inc", "now", "_getattr_", "__builtins__"} & set(context)

def test_benign_expressions(env):
    data = {"decision": "accept", "amount": 1200, "limits": {"decide_days": 60}, "tags": ["a", "b"]}
    assert env.evaluate("decision == 'accept' and amount > 1000", data) is True
    assert env.evaluate("len([t for t in tags if t != 'a'])", data) == 1
    assert env.evaluate('"P30D"', data) == "P30D"
    assert env.evaluate("{'business_key': 'HZ-' + str(amount)}", data) == {"business_key": "HZ-1200"}
    assert env.evaluate("f'{amount:,}'", data) == "1,200"
    assert env.evaluate("max(limits.values())", data) == 60


# ---- SpiffWorkflow integration -------------------------------------------------------------------------------------
def _script_workflow(script: str, engine=SCRIPT_ENGINE) -> BpmnWorkflow:
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="test">
  <bpmn:process id="sandbox_test" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="script" />
    <bpmn:scriptTask id="script" name="脚本">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{escape(script)}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="script" targetRef="gateway" />
    <bpmn:exclusiveGateway id="gateway" default="f_default">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f_big</bpmn:outgoing><bpmn:outgoing>f_default</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="f_big" sourceRef="gateway" targetRef="end_big">
      <bpmn:conditionExpression>total &gt; 10</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_default" sourceRef="gateway" targetRef="end_small" />
    <bpmn:endEvent id="end_big"><bpmn:incoming>f_big</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end_small"><bpmn:incoming>f_default</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(xml.encode("utf-8"), "sandbox_test.bpmn")
    return BpmnWorkflow(parser.get_spec("sandbox_test"), script_engine=engine)

def _task(wf: BpmnWorkflow, bpmn_id: str):
    return next(t for t in wf.get_tasks() if t.task_spec.bpmn_id == bpmn_id)

def test_shared_engine_is_sandboxed():
    assert isinstance(SCRIPT_ENGINE, SandboxScriptEngine)
    assert isinstance(SCRIPT_ENGINE.environment, SandboxEnvironment)
    assert make_script_engine(0.5).environment.time_limit == 0.5

def test_spiff_infinite_loop_puts_task_in_error():
    wf = _script_workflow("while True:\n    pass")
    started = time.monotonic()
    with pytest.raises(WorkflowTaskException) as caught:
        wf.do_engine_steps()
    assert time.monotonic() - started < 3
    assert caught.value.error_type == "ScriptTimeout"
    assert "脚本运行超过" in str(caught.value)
    assert _task(wf, "script").state == TaskState.ERROR

@pytest.mark.parametrize("script, error_type", [
    ("import os", "ScriptRejected"),
    ("x = '{0.__class__}'.format(1)", "ScriptRejected"),
    ("x = 10**10**8", "ScriptResourceLimit"),
    ("x = {}[1]", "KeyError"),                 # non-str args crash the stock error path; ours are shortened
    ("raise ValueError(['a' * 10**6] * 1000)", "ValueError"),
    ("def f():\n    return f()\nf()", "RecursionError"),
])
def test_spiff_script_errors_become_task_errors(script, error_type):
    wf = _script_workflow(script)
    with pytest.raises(WorkflowTaskException) as caught:
        wf.do_engine_steps()
    assert caught.value.error_type == error_type
    assert len(str(caught.value)) < 5000
    assert _task(wf, "script").state == TaskState.ERROR

def test_spiff_benign_script_sets_data_and_drives_gateway():
    wf = _script_workflow("total = 0\nfor i in range(6):\n    total += i\nnames = {n: len(n) for n in ['a', 'bb']}\n"
                          "due = end_of_day(add_days('2026-11-20', 5))")
    wf.do_engine_steps()
    assert wf.is_completed()
    assert wf.data["total"] == 15
    assert wf.data["names"] == {"a": 1, "bb": 2}
    assert wf.data["due"] == "2026-11-26T00:00:00+08:00"
    assert _task(wf, "end_big").state == TaskState.COMPLETED

def test_spiff_expression_error_keeps_the_cause():
    wf = _script_workflow("total = 'x'")  # `'x' > 10` fails in the gateway condition
    with pytest.raises(WorkflowTaskException) as caught:
        wf.do_engine_steps()
    assert "TypeError" in str(caught.value) and "total > 10" in str(caught.value)

def test_engine_timeout_through_spiff_in_a_thread(run_in_thread):
    engine = make_script_engine(time_limit=0.5)
    outcome = {}

    def target():
        wf = _script_workflow("while True:\n    pass", engine)
        try:
            wf.do_engine_steps()
        except WorkflowTaskException as err:
            outcome["error_type"] = err.error_type
            outcome["state"] = _task(wf, "script").state

    run_in_thread(target)
    assert outcome == {"error_type": "ScriptTimeout", "state": TaskState.ERROR}

def test_call_service_error_is_not_hidden():
    """Stock 3.2.0 turns every service error into `NameError: name 'script' is not defined`."""
    wf = _script_workflow("x = 1")
    with pytest.raises(WorkflowTaskException) as caught:
        SCRIPT_ENGINE.call_service(_task(wf, "script"), operation_name="lookup", operation_params={})
    assert caught.value.error_type == "NotImplementedError"
