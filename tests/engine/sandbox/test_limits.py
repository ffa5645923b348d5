"""The budgets: deadlines and the memory sample stop runaway code, in any thread, each thread on its own clock."""
from __future__ import annotations

import os
import threading
import time

import pytest

from app.engine.sandbox import (
    DEFAULT_TIME_LIMIT, SandboxEnvironment, SandboxError, ScriptRejected, ScriptResourceLimit, ScriptTimeout,
)

TIMEOUTS = [
    ("while_true", "while True:\n    pass"),
    ("infinite_generator", "def gen():\n    while True:\n        yield 1\nfor x in gen():\n    pass"),
    ("generator_expression", "result = sum(1 for i in range(10**6) for j in range(10**6))"),
    ("comprehension", "result = len([0 for i in range(10**6) for j in range(10**6) if False])"),
    ("map_over_infinite_generator", "def gen():\n    while True:\n        yield 1\nresult = max(map(abs, gen()))"),
    ("sorted_with_slow_key", "result = sorted(range(10**6), key=lambda i: sum(range(10**6)))"),
    ("swallowing_loop", "while True:\n    try:\n        while True:\n            pass\n    except Exception:\n        pass"),
    ("exponential_recursion_with_except",
     "def f():\n    try:\n        f()\n    except Exception:\n        f()\nf()"),
    ("exponential_recursion_with_finally",
     "def f():\n    try:\n        f()\n    finally:\n        f()\nf()"),
]

@pytest.mark.parametrize("source", [pytest.param(s, id=i) for i, s in TIMEOUTS])
def test_timeout(quick_env, source):
    started = time.monotonic()
    with pytest.raises(ScriptTimeout, match="0.5 秒"):
        quick_env.execute(source, {})
    assert time.monotonic() - started < 2

def test_while_true_stops_within_default_limit(env):
    assert env.time_limit == DEFAULT_TIME_LIMIT == 2.0
    started = time.monotonic()
    with pytest.raises(ScriptTimeout) as caught:
        env.execute("while True:\n    pass", {})
    elapsed = time.monotonic() - started
    assert 1.9 < elapsed < 3
    assert str(caught.value) == "脚本运行超过 2 秒，已中止"

def test_timeout_in_expression(quick_env):
    with pytest.raises(ScriptTimeout):
        quick_env.evaluate("[0 for i in range(10**6) for j in range(10**6)]", {})

@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="the memory sample reads /proc (Linux)")
def test_memory_growth_is_stopped():
    """Many allocations, each under the per-operation cap, are stopped by the sampled resident-memory check."""
    env = SandboxEnvironment(time_limit=10, memory_limit=64 * 2 ** 20)
    with pytest.raises(ScriptResourceLimit, match="MB"):
        env.execute("x = [[i] * 10**6 for i in range(10**4)]", {})

def test_limits_are_ordinary_exceptions():
    for cls in (ScriptRejected, ScriptTimeout, ScriptResourceLimit):
        assert issubclass(cls, SandboxError) and issubclass(cls, Exception)


# ---- threads -------------------------------------------------------------------------------------------------------
def test_deadline_works_in_a_worker_thread(env, run_in_thread):
    outcome = {}

    def target():
        started = time.monotonic()
        try:
            env.execute("n = 0\nwhile True:\n    n += 1", {})
        except BaseException as err:  # noqa: BLE001 - recorded for the assertion below
            outcome["error"] = err
        outcome["elapsed"] = time.monotonic() - started

    run_in_thread(target)
    assert isinstance(outcome["error"], ScriptTimeout)
    assert outcome["elapsed"] < 3

def test_deadlines_are_per_thread(run_in_thread):
    """A short deadline started in one thread must not cut short a long one running in another."""
    patient, hasty = SandboxEnvironment(time_limit=10), SandboxEnvironment(time_limit=0.3)
    hasty_done = threading.Event()
    outcome = {}

    def wait_for_hasty():
        return hasty_done.wait(10)

    def run_patient():
        try:
            # Blocks (inside its own evaluation) until the hasty thread has timed out, then loops a while.
            outcome["patient"] = patient.evaluate("wait() and sum(i for i in range(200000))", {},
                                                  {"wait": wait_for_hasty})
        except BaseException as err:  # noqa: BLE001
            outcome["patient"] = err

    def run_hasty():
        try:
            hasty.execute("while True:\n    pass", {})
        except BaseException as err:  # noqa: BLE001
            outcome["hasty"] = err
        finally:
            hasty_done.set()

    patient_thread = threading.Thread(target=run_patient, daemon=True)
    patient_thread.start()
    time.sleep(0.05)
    run_in_thread(run_hasty)
    patient_thread.join(10)
    assert isinstance(outcome["hasty"], ScriptTimeout)
    assert outcome["patient"] == sum(range(200000))

def test_sandboxed_function_outside_an_evaluation_refuses_to_run(env):
    context = {}
    env.execute("def f():\n    return 1\nholder = [f]", context)
    with pytest.raises((ScriptRejected, NameError)):  # its guards were removed from the data with the globals
        context["holder"][0]()
