"""The script sandbox: escapes are blocked, limits hold in any thread, helpers work, SpiffWorkflow sees the errors."""
from __future__ import annotations

import os
import threading
import time
from datetime import date, datetime, timezone
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from app.engine import clock
from app.engine.sandbox import (
    DEFAULT_TIME_LIMIT, SCRIPT_ENGINE, SandboxEnvironment, SandboxError, SandboxScriptEngine, ScriptRejected,
    ScriptResourceLimit, ScriptTimeout, check_source, compile_sandboxed, make_script_engine,
)

SECRET = "s3cr3t-from-env"


@pytest.fixture(autouse=True)
def _secret(monkeypatch):
    monkeypatch.setenv("SECRET_TOKEN", SECRET)


@pytest.fixture
def env():
    return SandboxEnvironment()


@pytest.fixture
def quick_env():
    """Short deadline so the many time-out cases stay fast."""
    return SandboxEnvironment(time_limit=0.5)


def _no_leak(context: dict) -> None:
    """Every attack stores its loot in `result`; it must never get there, and the secret must not appear anywhere."""
    assert "result" not in context
    assert not any(isinstance(v, str) and SECRET in v for v in context.values())


# ---- escapes -------------------------------------------------------------------------------------------------------
# (id, script, exception expected). ScriptRejected at compile time unless noted in the id.
ESCAPES = [
    ("import_os", "import os\nresult = os.environ['SECRET_TOKEN']", ScriptRejected),
    ("from_import", "from os import environ\nresult = environ['SECRET_TOKEN']", ScriptRejected),
    ("dunder_import", "result = __import__('os').environ['SECRET_TOKEN']", ScriptRejected),
    ("eval", "result = eval('1 + 1')", ScriptRejected),
    ("exec", "exec('result = 1')", ScriptRejected),
    ("class_attr", "result = ().__class__", ScriptRejected),
    ("subclasses_walk", "result = [c for c in ().__class__.__base__.__subclasses__() "
                        "if c.__name__ == '_wrap_close'][0].__init__.__globals__['environ']['SECRET_TOKEN']",
     ScriptRejected),
    ("generator_frame_walk", "g = (x for x in [1])\nresult = g.gi_frame.f_back.f_back.f_globals", ScriptRejected),
    ("generator_code", "g = (x for x in [1])\nresult = g.gi_code", ScriptRejected),
    ("builtins_dunder", "result = __builtins__", ScriptRejected),
    ("builtins_name", "result = builtins", ScriptRejected),
    ("helper_globals", "result = now.__globals__['os'].environ['SECRET_TOKEN']", ScriptRejected),
    ("helper_closure", "result = add_days.__closure__", ScriptRejected),
    ("helper_code", "result = today.__code__.co_consts", ScriptRejected),
    ("helper_module", "result = now.__module__", ScriptRejected),
    ("builtin_self_is_builtins_module", "result = len.__self__", ScriptRejected),
    ("traceback_walk", "try:\n    1 / 0\nexcept Exception as e:\n    result = e.__traceback__.tb_frame.f_back.f_globals",
     ScriptRejected),
    ("class_init_subclass", "class A:\n    def __init_subclass__(cls):\n        pass\nresult = A", ScriptRejected),
    ("class_metaclass", "class M(type):\n    pass\nclass A(metaclass=M):\n    pass\nresult = A", ScriptRejected),
    ("lambda_default_dunder", "f = lambda x=().__class__: x\nresult = f()", ScriptRejected),
    ("fstring_repr_dunder", "result = f'{().__class__.__base__!r}'", ScriptRejected),
    ("rebind_guard", "_getattr_ = None\nresult = 1", ScriptRejected),
    ("walrus_rebind_guard", "(_getiter_ := list)\nresult = 1", ScriptRejected),
    ("helper_dunder_write", "now.__doc__ = 'x'\nresult = 1", ScriptRejected),
    ("async_def", "async def f():\n    pass\nresult = f", ScriptRejected),
    ("except_star", "try:\n    pass\nexcept* Exception:\n    pass\nresult = 1", ScriptRejected),
    # runtime: the name simply does not exist in the sandbox
    ("open_runtime", "result = open('/etc/hostname').read()", NameError),
    ("compile_runtime", "result = compile('1', 'x', 'eval')", NameError),
    ("globals_runtime", "result = globals()", NameError),
    ("vars_runtime", "result = vars()", NameError),
    ("locals_runtime", "result = locals()", NameError),
    ("dir_runtime", "result = dir(now)", NameError),
    ("type_runtime", "result = type(1)", NameError),
    ("object_runtime", "result = object", NameError),
    ("getattr_builtin_runtime", "result = getattr(1, '__class__')", NameError),
    ("setattr_runtime", "setattr(now, 'x', 1)\nresult = 1", NameError),
    ("delattr_runtime", "delattr(now, 'x')\nresult = 1", NameError),
    ("lambda_default_globals_runtime", "f = lambda g=globals: g()\nresult = f()", NameError),
    ("bytes_alloc_runtime", "result = bytes(10**10)", NameError),
    ("bytearray_alloc_runtime", "result = bytearray(10**10)", NameError),
    ("system_exit_runtime", "raise SystemExit(1)", NameError),
    ("keyboard_interrupt_runtime", "raise KeyboardInterrupt()", NameError),
    # runtime: the attribute guard refuses
    ("str_format_class_runtime", "result = '{0.__class__}'.format(1)", ScriptRejected),
    ("str_format_globals_runtime", "result = '{0.__globals__[os].environ[SECRET_TOKEN]}'.format(now)",
     ScriptRejected),
    ("format_map_runtime", "result = '{x.__class__}'.format_map({'x': 1})", ScriptRejected),
    ("unbound_str_format_runtime", "result = str.format('{0.__class__}', 1)", ScriptRejected),
    ("mro_runtime", "result = int.mro()", ScriptRejected),
    ("unbound_ljust_runtime", "result = str.ljust('x', 10**10)", ScriptRejected),
    # runtime: the write guard refuses attribute writes on anything but dict/list
    ("helper_attr_write_runtime", "now.x = 1\nresult = 1", TypeError),
    ("helper_attr_delete_runtime", "del now.x\nresult = 1", TypeError),
]


@pytest.mark.parametrize("source, expected", [pytest.param(s, e, id=i) for i, s, e in ESCAPES])
def test_escape_is_blocked(env, source, expected):
    context = {"x": 1}
    with pytest.raises(expected):
        env.execute(source, context)
    _no_leak(context)


def test_escape_matrix_is_large_enough():
    assert len(ESCAPES) >= 25


@pytest.mark.parametrize("source", [
    "import os",
    "().__class__",
    "g.gi_frame",
    "class A: pass",
    "print(1)",
])
def test_compile_rejections_are_reported_by_check_source(source):
    message = check_source(source, "exec")
    assert message and "第 1 行" in message and "line 1" in message and message.startswith("脚本不允许")


def test_format_escapes_in_expressions(env):
    for expression in ["'{0.__class__}'.format(1)", "'{0.__globals__}'.format(now)", "'{x}'.format_map({'x': 1})"]:
        with pytest.raises(ScriptRejected):
            env.evaluate(expression, {})


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


# ---- resource limits -----------------------------------------------------------------------------------------------
LIMITS = [
    ("pow_tower", "result = 10**10**8", ScriptResourceLimit),
    ("pow_builtin", "result = pow(10, 10**8)", ScriptResourceLimit),
    ("pow_augmented", "x = 10\nx **= 10**8\nresult = x", ScriptResourceLimit),
    ("lshift", "result = 1 << 10**9", ScriptResourceLimit),
    ("int_square_loop", "x = 3\nfor i in range(100):\n    x = x * x\nresult = x", ScriptResourceLimit),
    ("str_mul", "result = 'a' * 10**10", ScriptResourceLimit),
    ("str_mul_augmented", "s = 'a'\ns *= 10**10\nresult = s", ScriptResourceLimit),
    ("list_mul", "result = [0] * 10**9", ScriptResourceLimit),
    ("tuple_mul_reversed", "result = 10**9 * (0,)", ScriptResourceLimit),
    ("bytes_mul", "result = 'x'.encode() * 10**10", ScriptResourceLimit),
    ("ljust", "result = 'x'.ljust(10**10)", ScriptResourceLimit),
    ("rjust", "result = 'x'.rjust(10**10, '-')", ScriptResourceLimit),
    ("center", "result = 'x'.center(10**10)", ScriptResourceLimit),
    ("zfill", "result = '9'.zfill(10**10)", ScriptResourceLimit),
    ("expandtabs", "result = ('\\t' * 1000).expandtabs(10**7)", ScriptResourceLimit),
    ("bytes_ljust", "result = 'x'.encode().ljust(10**10)", ScriptResourceLimit),
    ("to_bytes", "result = (1).to_bytes(10**10, 'big')", ScriptResourceLimit),
    ("range_list", "result = list(range(10**12))", ScriptResourceLimit),
    ("range_huge", "result = range(10**30)", ScriptResourceLimit),
    ("replace_growth", "s = 'a' * 10**6\nresult = s.replace('a', 'aa')", ScriptResourceLimit),
    ("join_repeated", "result = ','.join(['a' * 10**6] * 1000)", ScriptResourceLimit),
    ("translate_growth", "result = ('a' * 10**4).translate({97: 'b' * 1000})", ScriptResourceLimit),
    ("str_of_shared_refs", "result = str(['a' * 10**6] * 1000)", ScriptResourceLimit),
    ("repr_of_nested_doubling", "a = ['a' * 1000]\nfor i in range(30):\n    a = [a, a]\nresult = repr(a)",
     ScriptResourceLimit),
    ("fstring_of_shared_refs", "x = ['a' * 10**5] * 100\nresult = f'{x}'", ScriptResourceLimit),
    ("fstring_width", "result = f'{1:>{10**10}}'", ScriptResourceLimit),
    ("fstring_precision", "result = f'{1.5:.{10**9}f}'", ScriptResourceLimit),
    ("percent_width", "result = '%10000000000d' % 1", ScriptResourceLimit),
    ("percent_many_fields", "result = ('%s' * 1000) % (('a' * 10**6,) * 1000)", ScriptResourceLimit),
    ("percent_bytes_mapping", "v = 'a'.encode() * 10**6\nresult = ('%(v)s' * 100).encode() % {'v'.encode(): v}",
     ScriptResourceLimit),
    ("percent_star_width", "result = '%*d' % (10**9, 1)", ScriptRejected),
    ("sum_of_lists", "result = sum([[0] * 10**6] * 1000, [])", ScriptResourceLimit),
    ("modular_pow", "result = pow(3, 2**8000 - 1, 2**8000 - 3)", ScriptResourceLimit),
    ("add_doubling", "s = 'a' * 10**6\nfor i in range(40):\n    s = s + s\nresult = s", ScriptResourceLimit),
    ("iadd_doubling", "s = [0] * 10**6\nfor i in range(40):\n    s += s\nresult = s", ScriptResourceLimit),
    ("extend_doubling", "a = [0] * 10**6\nfor i in range(40):\n    a.extend(a)\nresult = a", ScriptResourceLimit),
    ("data_shared_refs", "result = ['a' * 10**6] * 100", ScriptResourceLimit),
    ("recursion", "def f():\n    return f()\nresult = f()", RecursionError),
    ("lambda_recursion", "f = lambda: f()\nresult = f()", RecursionError),
]


@pytest.mark.parametrize("source, expected", [pytest.param(s, e, id=i) for i, s, e in LIMITS])
def test_resource_limit(env, source, expected):
    context = {}
    started = time.monotonic()
    with pytest.raises(expected):
        env.execute(source, context)
    assert time.monotonic() - started < 3
    assert "result" not in context


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
    assert str(caught.value) == "脚本运行超过 2 秒，已中止 / Script exceeded its 2 s time limit"


def test_timeout_in_expression(quick_env):
    with pytest.raises(ScriptTimeout):
        quick_env.evaluate("[0 for i in range(10**6) for j in range(10**6)]", {})


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="the memory sample reads /proc (Linux)")
def test_memory_growth_is_stopped():
    """Many allocations, each under the per-operation cap, are stopped by the sampled resident-memory check."""
    env = SandboxEnvironment(time_limit=10, memory_limit=64 * 2 ** 20)
    with pytest.raises(ScriptResourceLimit, match="MB"):
        env.execute("x = [[i] * 10**6 for i in range(10**4)]", {})


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


def test_reasonable_sizes_are_allowed(env):
    context = {}
    env.execute("s = 'a' * 10**5\nl = [0] * 10**5\nr = list(range(10**5))\np = 'x'.ljust(1000)\n"
                "flat = sum([[0]] * 10**5, [])\nbig = 2 ** 1000\nt = str(s)\nj = ','.join(['ab'] * 1000)\n"
                "m = pow(3, 1000, 7)", context)
    assert len(context["flat"]) == 10**5 and context["big"] == 2 ** 1000 and context["m"] == pow(3, 1000, 7)
    assert len(context["j"]) == 2999 and context["t"] == context["s"]


def test_oversized_expression_result(env):
    with pytest.raises(ScriptResourceLimit):
        env.evaluate("[s] * 1000", {"s": "a" * 10**5})


def test_limits_are_ordinary_exceptions():
    for cls in (ScriptRejected, ScriptTimeout, ScriptResourceLimit):
        assert issubclass(cls, SandboxError) and issubclass(cls, Exception)


# ---- threads -------------------------------------------------------------------------------------------------------
def _run_in_thread(target) -> None:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), "sandboxed code kept running"


def test_deadline_works_in_a_worker_thread(env):
    outcome = {}

    def target():
        started = time.monotonic()
        try:
            env.execute("n = 0\nwhile True:\n    n += 1", {})
        except BaseException as err:  # noqa: BLE001 - recorded for the assertion below
            outcome["error"] = err
        outcome["elapsed"] = time.monotonic() - started

    _run_in_thread(target)
    assert isinstance(outcome["error"], ScriptTimeout)
    assert outcome["elapsed"] < 3


def test_deadlines_are_per_thread():
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
    _run_in_thread(run_hasty)
    patient_thread.join(10)
    assert isinstance(outcome["hasty"], ScriptTimeout)
    assert outcome["patient"] == sum(range(200000))


def test_sandboxed_function_outside_an_evaluation_refuses_to_run(env):
    context = {}
    env.execute("def f():\n    return 1\nholder = [f]", context)
    with pytest.raises((ScriptRejected, NameError)):  # its guards were removed from the data with the globals
        context["holder"][0]()


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


def test_compiled_code_is_cached():
    assert compile_sandboxed("x + 1", "eval") is compile_sandboxed("x + 1", "eval")
    with pytest.raises(ScriptRejected):
        compile_sandboxed("import os", "exec")
    with pytest.raises(ScriptRejected):  # the cached rejection is raised again
        compile_sandboxed("import os", "exec")


# ---- check_source --------------------------------------------------------------------------------------------------
def test_check_source_accepts_valid_code():
    assert check_source("x = 1\nfor i in range(3):\n    x += i", "exec") is None
    assert check_source("decision == 'accept'", "eval") is None


def test_check_source_reports_syntax_error_with_line():
    message = check_source("x = 1\ny = (\nz = 3\n", "exec")
    assert message is not None
    assert "第 2 行" in message and "语法错误" in message and "line 2" in message


def test_check_source_eval_mode_rejects_statements():
    assert "语法错误" in check_source("x = 1", "eval")


def test_rejection_carries_line_number(env):
    with pytest.raises(ScriptRejected) as caught:
        env.execute("x = 1\ny = 2\nz = x.__class__", {})
    assert caught.value.line == 3
    assert "第 3 行" in str(caught.value)


def test_absurd_source_is_rejected_not_crashing():
    assert check_source("(" * 1000 + ")" * 1000, "eval") is not None
    assert check_source("x = 1\0", "exec") is not None


# ---- helpers -------------------------------------------------------------------------------------------------------
def test_now_and_today_follow_the_platform_clock(env):
    with clock.as_of(datetime(2026, 11, 23, 23, 30, tzinfo=timezone.utc)):  # 07:30 next day in Beijing
        assert env.evaluate("now()", {}) == "2026-11-24T07:30:00+08:00"
        assert env.evaluate("today()", {}) == "2026-11-24"


def test_date_helpers(env):
    ev = env.evaluate
    assert ev("add_days('2026-02-27', 2)", {}) == "2026-03-01"
    assert ev("add_days(d, -1)", {"d": "2026-01-01"}) == "2025-12-31"
    assert ev("end_of_day('2026-11-23')", {}) == "2026-11-24T00:00:00+08:00"
    assert ev("end_of_day('2026-12-31T10:00:00+08:00')", {}) == "2027-01-01T00:00:00+08:00"
    assert ev("parse_date('2026-11-23T20:00:00Z')", {}) == "2026-11-24"  # 04:00 next day in Beijing
    assert ev("parse_date(' 2026-11-23 ')", {}) == "2026-11-23"
    assert ev("parse_date('2026-11-23T09:00:00')", {}) == "2026-11-23"
    assert ev("date_diff_days('2026-11-23', '2026-12-01')", {}) == 8
    assert ev("date_diff_days('2026-12-01', '2026-11-23')", {}) == -8
    assert ev("add_days(d, n)", {"d": date(2026, 1, 31), "n": 1}) == "2026-02-01"


@pytest.mark.parametrize("expression, error", [
    ("parse_date('2026-13-01')", ValueError),
    ("parse_date('23/11/2026')", ValueError),
    ("parse_date(20261123)", ValueError),
    ("add_days('2026-01-01', 'x')", TypeError),
    ("add_days('2026-01-01', 10**9)", ValueError),
    ("date_diff_days('2026-01-01', 'soon')", ValueError),
])
def test_date_helpers_reject_bad_input(env, expression, error):
    with pytest.raises(error):
        env.evaluate(expression, {})


def test_workday_helpers(env):
    workdays = pytest.importorskip("app.engine.workdays")
    cal = workdays.calendar
    start = date(2026, 11, 20)
    for n in (0, 1, 5, 20):
        expected = cal.add_workdays(start, n).isoformat()
        assert env.evaluate(f"add_workdays('2026-11-20', {n})", {}) == expected
    assert env.evaluate("workdays_between('2026-11-20', '2026-12-20')", {}) == \
        cal.workdays_between(start, date(2026, 12, 20))
    # a Friday plus one working day is never a weekend day that is not a working day
    result = date.fromisoformat(env.evaluate("add_workdays('2026-11-20', 1)", {}))
    assert result > start and cal.is_workday(result)
    with pytest.raises(ValueError):
        env.evaluate("workdays_between('1900-01-01', '2100-01-01')", {})


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


def test_engine_timeout_through_spiff_in_a_thread():
    engine = make_script_engine(time_limit=0.5)
    outcome = {}

    def target():
        wf = _script_workflow("while True:\n    pass", engine)
        try:
            wf.do_engine_steps()
        except WorkflowTaskException as err:
            outcome["error_type"] = err.error_type
            outcome["state"] = _task(wf, "script").state

    _run_in_thread(target)
    assert outcome == {"error_type": "ScriptTimeout", "state": TaskState.ERROR}


def test_call_service_error_is_not_hidden():
    """Stock 3.2.0 turns every service error into `NameError: name 'script' is not defined`."""
    wf = _script_workflow("x = 1")
    with pytest.raises(WorkflowTaskException) as caught:
        SCRIPT_ENGINE.call_service(_task(wf, "script"), operation_name="lookup", operation_params={})
    assert caught.value.error_type == "NotImplementedError"
