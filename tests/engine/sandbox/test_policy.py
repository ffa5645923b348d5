"""The compile policy: escapes are blocked (at compile time or by the guards), refusals say where, code is cached."""
from __future__ import annotations

import pytest

from app.engine.sandbox import ScriptRejected, check_source, compile_sandboxed

SECRET = "s3cr3t-from-env"

@pytest.fixture(autouse=True)
def _secret(monkeypatch):
    monkeypatch.setenv("SECRET_TOKEN", SECRET)

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
    assert message and "第 1 行" in message and message.startswith("脚本不允许") and " / " not in message

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
    assert "第 2 行" in message and "语法错误" in message and " / " not in message

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
