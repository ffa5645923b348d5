"""The guards: operations that would build something too big are refused before they build it; normal sizes pass."""
from __future__ import annotations

import time

import pytest

from app.engine.sandbox import ScriptRejected, ScriptResourceLimit

def test_format_escapes_in_expressions(env):
    for expression in ["'{0.__class__}'.format(1)", "'{0.__globals__}'.format(now)", "'{x}'.format_map({'x': 1})"]:
        with pytest.raises(ScriptRejected):
            env.evaluate(expression, {})

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

def test_reasonable_sizes_are_allowed(env):
    context = {}
    env.execute("s = 'a' * 10**5\nl = [0] * 10**5\nr = list(range(10**5))\np = 'x'.ljust(1000)\n"
                "flat = sum([[0]] * 10**5, [])\nbig = 2 ** 1000\nt = str(s)\nj = ','.join(['ab'] * 1000)\n"
                "m = pow(3, 1000, 7)", context)
    assert len(context["flat"]) == 10**5 and context["big"] == 2 ** 1000 and context["m"] == pow(3, 1000, 7)
    assert len(context["j"]) == 2999 and context["t"] == context["s"]
