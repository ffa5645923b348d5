"""The script sandbox: every script, condition, timer expression and payload in a diagram runs here.

SpiffWorkflow runs scripts with plain `exec`/`eval` and full builtins, so a diagram could `import os`. We compile with
RestrictedPython instead (no imports, no `_`-names, guarded attribute access, no `str.format`) and expose only
safe builtins plus the date helpers of docs/conventions.md.

RestrictedPython does not stop `while True: pass` or `10**10**8`, and Flask request threads cannot use
`signal.alarm`. So our compile policy also rewrites the code: every loop body, comprehension item and function call
starts with `_tick_()`, which checks a per-thread wall-clock deadline (and, now and then, resident-memory growth);
`**`, `*`, `<<`, `+`, `%`, f-string fields and a few methods are routed through guards that refuse results too big to
build. Everything a script raises is an ordinary `Exception`, so SpiffWorkflow puts the task in ERROR.

This is not process isolation: a single C-level call cannot be interrupted, and CPython 3.11 can still be crashed by
C-stack exhaustion (hashing a tuple nested ~200 000 deep, consuming a ~10^6-deep chain of map/zip/generators). Running
engine steps in a worker process with a hard timeout and memory limit remains the backstop.
"""
from __future__ import annotations

import ast
import math
import operator
import os
import re
import threading
import time
from collections.abc import Mapping, Sized
from contextlib import contextmanager
from datetime import date, datetime, time as dt_time, timedelta

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, limited_builtins, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import full_write_guard, guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.transformer import INSPECT_ATTRIBUTES, RestrictingNodeTransformer, copy_locations
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import TaskDataEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from app.engine import clock

__all__ = [
    "DEFAULT_TIME_LIMIT", "DEFAULT_MEMORY_LIMIT", "MAX_INT_BITS", "MAX_SEQUENCE_ITEMS", "MAX_DATA_SIZE",
    "SandboxError", "ScriptRejected", "ScriptTimeout", "ScriptResourceLimit",
    "SandboxEnvironment", "SandboxScriptEngine", "make_script_engine", "SCRIPT_ENGINE", "check_source",
    "compile_sandboxed", "HELPERS",
]

# ---- limits --------------------------------------------------------------------------------------------------------
DEFAULT_TIME_LIMIT = 2.0                # seconds of wall-clock time per evaluate/execute call
DEFAULT_MEMORY_LIMIT = 256 * 2 ** 20    # bytes of resident-memory growth per call (sampled); None disables
MAX_INT_BITS = 100_000                  # largest int that `**`, `*`, `<<` may produce
MAX_SEQUENCE_ITEMS = 1_000_000          # largest str/bytes/list/tuple/range one operation may produce
MAX_DATA_SIZE = 5_000_000               # rough printed size of task data after a script, or of an expression's value
MAX_DAY_SPAN = 36_600                   # about a century: longest span the date helpers accept
_MEMORY_CHECK_INTERVAL = 0.01           # seconds between resident-memory samples inside one call


# ---- errors --------------------------------------------------------------------------------------------------------
class SandboxError(Exception):
    """Base of everything the sandbox itself raises (an `Exception`, so SpiffWorkflow marks the task ERROR)."""


class ScriptRejected(SandboxError):
    """The source does not compile under the sandbox policy, or the code tried something the sandbox forbids."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


class ScriptTimeout(SandboxError):
    """The call ran past its wall-clock deadline."""


class ScriptResourceLimit(SandboxError):
    """An operation would have produced a value (or used memory) beyond the sandbox limits."""


def _too_big(what_zh: str, what_en: str) -> ScriptResourceLimit:
    return ScriptResourceLimit(f"{what_zh}，超出沙箱限制 / {what_en} exceeds the sandbox limit")


def _sequence_too_big() -> ScriptResourceLimit:
    return _too_big(f"结果长度超过 {MAX_SEQUENCE_ITEMS:,} 项", f"result longer than {MAX_SEQUENCE_ITEMS:,} items")


def _int_too_big() -> ScriptResourceLimit:
    return _too_big(f"整数超过 {MAX_INT_BITS:,} 位", f"integer larger than {MAX_INT_BITS:,} bits")


# ---- per-thread budget ---------------------------------------------------------------------------------------------
_state = threading.local()
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _resident_bytes() -> int | None:
    """Current RSS from /proc (Linux); None where unavailable, which simply disables the memory sample."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return None


class _Budget:
    __slots__ = ("deadline", "time_limit", "memory_limit", "rss_start", "next_memory_check")

    def __init__(self, time_limit: float, memory_limit: int | None):
        self.time_limit = time_limit
        self.deadline = time.monotonic() + time_limit
        self.memory_limit = memory_limit
        self.rss_start: int | None = None       # taken lazily at the first tick: straight-line code needs none
        self.next_memory_check = 0.0


@contextmanager
def _budget(time_limit: float, memory_limit: int | None):
    """Give this thread a fresh deadline for one evaluate/execute; a nested call can never extend an outer one."""
    outer = getattr(_state, "budget", None)
    budget = _Budget(time_limit, memory_limit)
    if outer is not None and outer.deadline < budget.deadline:
        budget.deadline, budget.time_limit = outer.deadline, outer.time_limit
    _state.budget = budget
    try:
        yield budget
    finally:
        _state.budget = outer


def _tick() -> bool:
    """Injected at every loop iteration, comprehension item and function entry. Returns True (used in `if`s)."""
    budget = getattr(_state, "budget", None)
    if budget is None:  # sandboxed code running outside evaluate/execute, e.g. a function smuggled out in data
        raise ScriptRejected("沙箱代码只能在求值期间运行 / Sandboxed code may only run inside an evaluation")
    current = time.monotonic()
    if current > budget.deadline:
        raise ScriptTimeout(f"脚本运行超过 {budget.time_limit:g} 秒，已中止 / "
                            f"Script exceeded its {budget.time_limit:g} s time limit")
    if budget.memory_limit is not None and current >= budget.next_memory_check:
        budget.next_memory_check = current + _MEMORY_CHECK_INTERVAL
        rss = _resident_bytes()
        if rss is not None:
            if budget.rss_start is None:
                budget.rss_start = rss
            elif rss - budget.rss_start > budget.memory_limit:
                raise ScriptResourceLimit(
                    f"脚本占用内存超过 {budget.memory_limit // 2 ** 20} MB，已中止 / "
                    f"Script used more than {budget.memory_limit // 2 ** 20} MB of memory")
    return True


# ---- size guards ---------------------------------------------------------------------------------------------------
_TEXT = (str, bytes, bytearray)
_SEQUENCES = (str, bytes, bytearray, list, tuple)
_DICT_VIEWS = (type({}.keys()), type({}.values()), type({}.items()))
_CONTAINERS = (list, tuple, set, frozenset) + _DICT_VIEWS


def _printed_size(value, limit: int) -> int:
    """Rough length of str(value), counting each shared reference again (printing and JSON do); stops past `limit`.

    `['x' * 10**6] * 1000` is cheap to build but a gigabyte to print or store, so sizes of containers are judged by
    this estimate, never by building the text.
    """
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _TEXT):
            total += len(item) + 3
        elif isinstance(item, int):
            total += item.bit_length() // 3 + 2
        elif isinstance(item, dict):
            total += 2 + 4 * len(item)
            if total <= limit:
                stack.extend(item.keys())
                stack.extend(item.values())
        elif isinstance(item, _CONTAINERS):
            total += 2 + 2 * len(item)
            if total <= limit:
                stack.extend(item)
        elif isinstance(item, BaseException):
            total += 40
            stack.extend(item.args)
        elif isinstance(item, slice):
            total += 20
            stack.extend((item.start, item.stop, item.step))
        else:
            total += 40
        if total > limit:
            break
    return total


def _check_printable(value, extra: int = 0) -> None:
    if _printed_size(value, MAX_SEQUENCE_ITEMS) + extra > MAX_SEQUENCE_ITEMS:
        raise _sequence_too_big()


def _check_items(count: int) -> None:
    if count > MAX_SEQUENCE_ITEMS:
        raise _sequence_too_big()


def _check_pow(a, b) -> None:
    if isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
        if b > MAX_INT_BITS or b * math.log2(abs(a)) > MAX_INT_BITS:
            raise _int_too_big()


def _check_mul(a, b) -> None:
    if isinstance(a, int) and isinstance(b, int):
        if a.bit_length() + b.bit_length() > MAX_INT_BITS:
            raise _int_too_big()
    elif isinstance(a, _SEQUENCES) and isinstance(b, int) and b > 0:
        _check_items(len(a) * b)
    elif isinstance(b, _SEQUENCES) and isinstance(a, int) and a > 0:
        _check_items(len(b) * a)


def _check_lshift(a, b) -> None:
    if isinstance(a, int) and isinstance(b, int) and a and b > 0 and a.bit_length() + b > MAX_INT_BITS:
        raise _int_too_big()


def _check_add(a, b) -> None:
    if isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES):
        _check_items(len(a) + len(b))


# %-formatting: `'%10000000000d' % 1` or `'%s' * 1000 % args` can be huge, so add up widths and argument sizes.
_PERCENT_FIELD = re.compile(r"%(?:\(([^)]*)\))?[#0 +\-]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([a-zA-Z%])")


def _check_mod(a, b) -> None:
    if not isinstance(a, _TEXT):
        return
    text = a if isinstance(a, str) else bytes(a).decode("latin-1")
    positional = b if isinstance(b, tuple) else (b,)
    total, index = len(text), 0
    for match in _PERCENT_FIELD.finditer(text):
        key, width, precision, kind = match.groups()
        if kind == "%":
            continue
        if "*" in (width, precision):
            raise ScriptRejected("格式字符串不支持 '*' 宽度 / '*' widths are not allowed in % formatting")
        for digits in (width, precision):
            total += MAX_SEQUENCE_ITEMS + 1 if digits and len(digits) > 9 else int(digits or 0)
        if key is not None:
            try:
                argument = b[key if isinstance(a, str) else key.encode("latin-1")]
            except Exception:  # `%` itself will raise the usual error
                return
        else:
            argument = positional[index] if index < len(positional) else None
            index += 1
        total += _printed_size(argument, MAX_SEQUENCE_ITEMS)
        if total > MAX_SEQUENCE_ITEMS:
            raise _sequence_too_big()


def _spec_width(spec: str) -> int:
    """Sum of the numbers in a format spec (width, precision): what `format()` may pad the value to."""
    total = 0
    for digits in re.findall(r"\d+", spec):
        total += MAX_SEQUENCE_ITEMS + 1 if len(digits) > 9 else int(digits)
    return total


def _guarded_binop(check, op):
    def guarded(a, b):
        check(a, b)
        return op(a, b)
    return guarded


_pow = _guarded_binop(_check_pow, operator.pow)
_mul = _guarded_binop(_check_mul, operator.mul)
_lshift = _guarded_binop(_check_lshift, operator.lshift)
_add = _guarded_binop(_check_add, operator.add)
_mod = _guarded_binop(_check_mod, operator.mod)

_INPLACE = {
    "+=": (_check_add, operator.iadd), "-=": (None, operator.isub), "*=": (_check_mul, operator.imul),
    "/=": (None, operator.itruediv), "%=": (_check_mod, operator.imod), "**=": (_check_pow, operator.ipow),
    "<<=": (_check_lshift, operator.ilshift), ">>=": (None, operator.irshift), "|=": (None, operator.ior),
    "^=": (None, operator.ixor), "&=": (None, operator.iand), "//=": (None, operator.ifloordiv),
    "@=": (None, operator.imatmul),
}


def _inplacevar(op: str, x, y):
    """`x += y` compiles to `x = _inplacevar_('+=', x, y)`: same guards as the plain operators."""
    check, apply = _INPLACE[op]
    if check is not None:
        check(x, y)
    return apply(x, y)


def _format(value, conversion: int, spec: str) -> str:
    """Every f-string field goes through here: `f'{x:>{10**10}}'` and `f'{big_list}'` are sized before building."""
    _check_printable(value, _spec_width(spec))
    if conversion == ord("s"):
        value = str(value)
    elif conversion == ord("r"):
        value = repr(value)
    elif conversion == ord("a"):
        value = ascii(value)
    return format(value, spec)


def _apply(func, *args, **kwargs):
    """`f(*args, **kwargs)` compiles to `_apply_(f, *args, **kwargs)`."""
    return func(*args, **kwargs)


# Methods that can turn a small input into a huge output; returned wrapped so the size is checked first.
def _wrap_width(method):
    def call(width, *args):
        if isinstance(width, int):
            _check_items(width)
        return method(width, *args)
    return call


def _wrap_expandtabs(text):
    def call(tabsize=8):
        tab = "\t" if isinstance(text, str) else b"\t"
        if isinstance(tabsize, int) and tabsize > 0:
            _check_items(len(text) + text.count(tab) * tabsize)
        return text.expandtabs(tabsize)
    return call


def _wrap_replace(text):
    def call(old, new, count=-1):
        if isinstance(old, _TEXT) and isinstance(new, _TEXT) and len(new) > len(old):
            hits = text.count(old) if old else len(text) + 1
            if isinstance(count, int) and count >= 0:
                hits = min(hits, count)
            _check_items(len(text) + hits * (len(new) - len(old)))
        return text.replace(old, new, count)
    return call


def _wrap_join(separator):
    def call(iterable):
        items = iterable if isinstance(iterable, (list, tuple)) else list(iterable)
        _check_items(sum(len(item) for item in items if isinstance(item, _TEXT))
                     + len(separator) * max(len(items) - 1, 0))
        return separator.join(items)
    return call


def _wrap_translate(text):
    def call(table):
        if isinstance(table, Mapping):
            longest = max((len(v) for v in table.values() if isinstance(v, _TEXT)), default=1)
            _check_items(len(text) * max(longest, 1))
        return text.translate(table)
    return call


def _wrap_extend(target):
    def call(iterable):
        if isinstance(iterable, Sized):
            _check_items(len(target) + len(iterable))
        return target.extend(iterable)
    return call


def _wrap_to_bytes(number):
    def call(length=1, *args, **kwargs):
        if isinstance(length, int):
            _check_items(length)
        return number.to_bytes(length, *args, **kwargs)
    return call


_SIZED_METHODS = {
    _TEXT: {
        "ljust": lambda s: _wrap_width(s.ljust), "rjust": lambda s: _wrap_width(s.rjust),
        "center": lambda s: _wrap_width(s.center), "zfill": lambda s: _wrap_width(s.zfill),
        "expandtabs": _wrap_expandtabs, "replace": _wrap_replace, "join": _wrap_join, "translate": _wrap_translate,
    },
    (list,): {"extend": _wrap_extend},
    (int,): {"to_bytes": _wrap_to_bytes},
}
_SIZED_METHOD_NAMES = frozenset(name for methods in _SIZED_METHODS.values() for name in methods)


# ---- attribute guard -----------------------------------------------------------------------------------------------
_DENIED_ATTRIBUTES = frozenset(INSPECT_ATTRIBUTES) | {
    "format", "format_map",                        # '{0.__globals__}'.format(f) reads attributes by string
    "mro",                                         # a route to `object` and class hierarchies
    "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "cr_await", "ag_frame", "ag_code", "ag_await",
    "tb_frame", "tb_next", "f_back", "f_globals", "f_locals", "f_builtins", "f_code", "f_trace",
    "func_globals", "func_code",
}


def _guarded_getattr(obj, name):
    """`obj.name` in sandboxed code. Refuses `_` names, frame/generator internals and `format`; wraps sizing methods."""
    if type(name) is not str:
        raise TypeError("attribute name must be a str")
    if name.startswith("_") or name in _DENIED_ATTRIBUTES:
        raise ScriptRejected(f"脚本不允许访问属性 {name} / Script not allowed: attribute '{name}'")
    if name in _SIZED_METHOD_NAMES:
        if isinstance(obj, type):  # `str.ljust(s, n)` would skip the size check; `s.ljust(n)` is checked
            raise ScriptRejected(f"请直接在值上调用 {name}() / Call {name}() on a value, not on its type")
        for types, methods in _SIZED_METHODS.items():
            if isinstance(obj, types) and name in methods:
                return methods[name](obj)
    return getattr(obj, name)


# ---- builtins ------------------------------------------------------------------------------------------------------
def _safe_range(*args):
    r = range(*args)
    try:
        count = len(r)
    except OverflowError:
        count = MAX_SEQUENCE_ITEMS + 1
    _check_items(count)
    return r


def _safe_pow(base, exp, mod=None):
    if mod is None:
        return _pow(base, exp)
    # Modular pow runs in one C call: 4096-bit operands take ~0.2 s, 16384-bit ones ~10 s.
    if any(isinstance(v, int) and abs(v).bit_length() > 4096 for v in (base, exp, mod)):
        raise _too_big("模幂运算的整数超过 4096 位", "modular pow with integers over 4096 bits")
    return pow(base, exp, mod)


def _safe_sum(iterable, /, start=0):
    """`sum(lists, [])` concatenates in C, quadratically and unchecked; size it and concatenate in place instead."""
    if not isinstance(start, (list, tuple)):
        return sum(iterable, start)
    items = list(iterable)
    for item in items:
        if type(item) is not type(start):
            raise TypeError(f'can only concatenate {type(start).__name__} (not "{type(item).__name__}") '
                            f'to {type(start).__name__}')
    _check_items(len(start) + sum(len(item) for item in items))
    result = list(start)
    for item in items:
        result.extend(item)
    return result if isinstance(start, list) else tuple(result)


def _safe_repr(obj) -> str:
    _check_printable(obj)
    return repr(obj)


class _StrType(type):
    """Metaclass so the sandbox's `str` still works with isinstance()/issubclass() and `str.lower`-style access."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, str)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, str)

    def __getattr__(cls, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(str, name)


class _SafeStr(metaclass=_StrType):
    """The sandbox's `str`: `str(['x' * 10**6] * 1000)` is refused before it builds a gigabyte."""

    def __new__(cls, *args, **kwargs):
        if args and not isinstance(args[0], (str, int, float)):  # those print at their own (bounded) size
            _check_printable(args[0])
        return str(*args, **kwargs)


_REMOVED_BUILTINS = {
    "__build_class__", "_getattr_", "setattr", "delattr",              # no classes, no attribute writes
    "BaseException", "SystemExit", "KeyboardInterrupt", "GeneratorExit",  # would slip past `except Exception`
}
_BUILTINS = {name: value for name, value in {**safe_builtins, **limited_builtins}.items()
             if name not in _REMOVED_BUILTINS}
_BUILTINS.update({
    "dict": dict, "list": list, "tuple": tuple, "set": set, "frozenset": frozenset, "sorted": sorted, "min": min,
    "max": max, "any": any, "all": all, "enumerate": enumerate, "zip": zip, "map": map, "filter": filter,
    "reversed": reversed, "len": len, "round": round, "abs": abs, "int": int, "float": float, "bool": bool,
    "isinstance": isinstance, "str": _SafeStr, "repr": _safe_repr, "range": _safe_range, "pow": _safe_pow,
    "sum": _safe_sum,
})

_GUARDS = {
    "__builtins__": _BUILTINS,
    "_getattr_": _guarded_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_write_": full_write_guard,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_inplacevar_": _inplacevar,
    "_apply_": _apply,
    "_tick_": _tick,
    "_pow_": _pow,
    "_mul_": _mul,
    "_lshift_": _lshift,
    "_add_": _add,
    "_mod_": _mod,
    "_format_": _format,
}


# ---- compile policy ------------------------------------------------------------------------------------------------
def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(name, ast.Load()), args=list(args), keywords=[])


class SandboxPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy plus the rewrites that enforce time and size limits, and a few extra refusals."""

    _BINOP_GUARDS = {ast.Pow: "_pow_", ast.Mult: "_mul_", ast.LShift: "_lshift_", ast.Add: "_add_",
                     ast.Mod: "_mod_"}

    def _tick_statement(self, location: ast.AST) -> ast.Expr:
        statement = ast.Expr(_call("_tick_"))
        copy_locations(statement, location)
        return statement

    def visit_While(self, node):
        node = super().visit_While(node)
        node.body.insert(0, self._tick_statement(node))
        return node

    def visit_For(self, node):
        node = super().visit_For(node)
        node.body.insert(0, self._tick_statement(node))
        return node

    def visit_FunctionDef(self, node):
        node = super().visit_FunctionDef(node)
        node.body.insert(0, self._tick_statement(node))
        return node

    def visit_Lambda(self, node):
        node = super().visit_Lambda(node)
        tick = _call("_tick_")
        copy_locations(tick, node.body)
        node.body = ast.BoolOp(op=ast.And(), values=[tick, node.body])  # `_tick_()` returns True
        copy_locations(node.body, node.body.values[1])
        return node

    def visit_comprehension(self, node):
        node = super().visit_comprehension(node)
        tick = _call("_tick_")
        copy_locations(tick, node.iter)
        node.ifs.insert(0, tick)
        return node

    def visit_BinOp(self, node):
        node = super().visit_BinOp(node)
        guard = self._BINOP_GUARDS.get(type(node.op))
        if guard is None:
            return node
        call = _call(guard, node.left, node.right)
        copy_locations(call, node)
        return call

    def visit_FormattedValue(self, node):
        node = super().visit_FormattedValue(node)
        spec = node.format_spec if node.format_spec is not None else ast.Constant("")
        value = _call("_format_", node.value, ast.Constant(node.conversion), spec)
        copy_locations(value, node)
        node.value, node.conversion, node.format_spec = value, -1, None
        return node

    def visit_ClassDef(self, node):
        self.error(node, "类定义不允许 / class definitions are not allowed")
        return node

    def visit_Import(self, node):
        self.error(node, "import 不允许，请使用沙箱提供的函数 / imports are not allowed; use the sandbox helpers")
        return node

    visit_ImportFrom = visit_Import

    def visit_Name(self, node):
        if node.id in ("print", "printed"):
            self.error(node, "print 不可用 / print is not available")
            return node
        return super().visit_Name(node)


_CODE_CACHE: dict[tuple[str, str], object] = {}
_CODE_CACHE_LIMIT = 10_000
_LINE_PREFIX = re.compile(r"^Line (\d+|None): ?")
# RestrictedPython reports in English; the common cases get a Chinese rendering, the rest keep the English detail.
_TRANSLATIONS = [
    (re.compile(r'^(?:SyntaxError|IndentationError|TabError): (.*)$', re.S), "语法错误：{0}"),
    (re.compile(r'^"(.+)" is an invalid variable name because it starts with "_"'), "不能使用以下划线开头的名称 {0}"),
    (re.compile(r'^"(.+)" is an invalid attribute name because it starts with "_"'), "不能访问以下划线开头的属性 {0}"),
    (re.compile(r'^"(.+)" is a restricted name'), "不能访问受限属性 {0}"),
    (re.compile(r'^"(.+)" is a reserved name'), "{0} 是保留名称"),
    (re.compile(r"^(Exec|Eval) calls are not allowed"), "不能调用 exec/eval"),
    (re.compile(r'^(\w+) statements are not allowed'), "不支持 {0} 语句"),
    (re.compile(r'^(.+?) / .+$', re.S), "{0}"),  # our own policy messages: "中文 / English"
]


def _describe_errors(errors) -> tuple[str, int | None]:
    """Turn RestrictedPython's 'Line 3: …' messages into one Chinese/English message and the first line number."""
    chinese, english, first_line = [], [], None
    for error in errors:
        match = _LINE_PREFIX.match(error)
        line = int(match.group(1)) if match and match.group(1) != "None" else None
        detail = error[match.end():] if match else error
        first_line = line if first_line is None else first_line
        detail_zh = next((template.format(*m.groups()) for pattern, template in _TRANSLATIONS
                          if (m := pattern.match(detail))), f"不允许：{detail}")
        detail_en = detail.split(" / ", 1)[1] if " / " in detail and not detail.isascii() else detail
        chinese.append(f"第 {line} 行：{detail_zh}" if line is not None else detail_zh)
        english.append(f"line {line}: {detail_en}" if line is not None else detail_en)
    return f"脚本不允许：{'；'.join(chinese)} / Script not allowed: {'; '.join(english)}", first_line


def compile_sandboxed(source: str, mode: str):
    """Compile `source` ('exec' or 'eval') with the sandbox policy; cached. Raises ScriptRejected."""
    key = (source, mode)
    cached = _CODE_CACHE.get(key)
    if cached is None:
        if mode not in ("exec", "eval"):
            raise ValueError(f"mode must be 'exec' or 'eval', not {mode!r}")
        compiler = compile_restricted_exec if mode == "exec" else compile_restricted_eval
        try:
            # '<string>' is the file name SpiffWorkflow looks for in tracebacks to report the failing line.
            result = compiler(source, "<string>", policy=SandboxPolicy)
            cached = result.code if not result.errors else ScriptRejected(*_describe_errors(result.errors))
        except (RecursionError, MemoryError, ValueError, TypeError) as err:  # absurd nesting, NUL bytes, non-str
            cached = ScriptRejected(f"脚本无法编译：{type(err).__name__} / Script cannot be compiled: {err}")
        if len(_CODE_CACHE) >= _CODE_CACHE_LIMIT:
            _CODE_CACHE.clear()
        _CODE_CACHE[key] = cached
    if isinstance(cached, ScriptRejected):
        raise ScriptRejected(str(cached), cached.line)
    return cached


def check_source(source: str, mode: str) -> str | None:
    """Deploy-time lint: None if `source` compiles under the sandbox policy, else a Chinese/English message."""
    try:
        compile_sandboxed(source, mode)
    except ScriptRejected as err:
        return str(err)
    return None


# ---- helpers exposed to scripts ------------------------------------------------------------------------------------
def _short(value) -> str:
    """A bounded description of a value for error messages (never repr() of something huge)."""
    if isinstance(value, str):
        return repr(value[:60] + ("…" if len(value) > 60 else ""))
    if isinstance(value, (bool, float)) or (isinstance(value, int) and value.bit_length() < 200):
        return repr(value)
    return f"<{type(value).__name__}>"


def _to_date(value) -> date:
    """A date from a date, a datetime (aware ones read in Beijing) or an ISO date / date-time string."""
    if isinstance(value, datetime):
        return (value.astimezone(clock.BEIJING) if value.tzinfo is not None else value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) <= 64:
        text = value.strip()
        try:
            return date.fromisoformat(text) if len(text) == 10 else _to_date(datetime.fromisoformat(text))
        except ValueError:
            pass
    raise ValueError(f"日期格式不正确：{_short(value)}，应为 YYYY-MM-DD / "
                     f"Invalid date {_short(value)}; expected an ISO date such as 2026-11-23")


def _to_days(n, limit: int = MAX_DAY_SPAN) -> int:
    if isinstance(n, float) and n.is_integer():
        n = int(n)
    if not isinstance(n, int):
        raise TypeError(f"天数必须为整数：{_short(n)} / Number of days must be an integer: {_short(n)}")
    if abs(n) > limit:
        raise ValueError(f"天数超出范围（最多 {limit}）：{n} / Number of days out of range (at most {limit}): {n}")
    return n


def _check_span(a: date, b: date) -> None:
    if abs((b - a).days) > MAX_DAY_SPAN:
        raise ValueError(f"日期跨度超过 {MAX_DAY_SPAN} 天 / Dates more than {MAX_DAY_SPAN} days apart")


def now() -> str:
    """Current instant as an ISO date-time with the Beijing offset, e.g. '2026-11-23T09:30:00+08:00'."""
    return clock.now().astimezone(clock.BEIJING).isoformat(timespec="seconds")


def today() -> str:
    """Today's date in Beijing, e.g. '2026-11-23'."""
    return clock.today().isoformat()


def add_days(d, n) -> str:
    """The calendar date n days after d."""
    return (_to_date(d) + timedelta(days=_to_days(n))).isoformat()


def add_workdays(d, n) -> str:
    """The n-th working day after d (official holidays and 调休 included)."""
    from app.engine.workdays import calendar  # lazily: the calendar loads holiday data

    return calendar.add_workdays(_to_date(d), _to_days(n, limit=MAX_DAY_SPAN // 2)).isoformat()


def workdays_between(a, b) -> int:
    """Working days between a and b, as app.engine.workdays counts them."""
    from app.engine.workdays import calendar

    start, end = _to_date(a), _to_date(b)
    _check_span(start, end)
    return calendar.workdays_between(start, end)


def end_of_day(d) -> str:
    """The instant day d ends in Beijing (next day 00:00:00+08:00): the timeDate of a legal deadline."""
    return datetime.combine(_to_date(d) + timedelta(days=1), dt_time(0), clock.BEIJING).isoformat()


def parse_date(s) -> str:
    """Validate a date or date-time and normalise it to an ISO date string."""
    return _to_date(s).isoformat()


def date_diff_days(a, b) -> int:
    """Calendar days from a to b (b - a)."""
    return (_to_date(b) - _to_date(a)).days


HELPERS = {f.__name__: f for f in (now, today, add_days, add_workdays, workdays_between, end_of_day, parse_date,
                                     date_diff_days)}


# ---- environment ---------------------------------------------------------------------------------------------------
def _shorten_exception(err: BaseException) -> None:
    """Make a script's exception args short strings: Spiff does `":" + err.args[0]`, and str(err) could be huge."""
    if isinstance(err, SandboxError):
        return
    try:
        shortened = []
        for arg in err.args:
            if isinstance(arg, str):
                shortened.append(arg if len(arg) <= 2000 else arg[:2000] + "…")
            elif _printed_size(arg, 2000) <= 2000:
                shortened.append(repr(arg))
            else:
                shortened.append(f"<{type(arg).__name__}>")
        err.args = tuple(shortened)
    except Exception:  # an exception type with odd args; leave it as it is
        pass


def _data_too_big() -> ScriptResourceLimit:
    return _too_big(f"任务数据超过约 {MAX_DATA_SIZE:,} 字符", f"task data larger than about {MAX_DATA_SIZE:,} characters")


class SandboxEnvironment(TaskDataEnvironment):
    """A SpiffWorkflow script environment that runs everything under the sandbox policy and limits."""

    def __init__(self, time_limit: float | None = None, memory_limit: int | None = DEFAULT_MEMORY_LIMIT):
        super().__init__({**_GUARDS, **HELPERS})
        self.time_limit = DEFAULT_TIME_LIMIT if time_limit is None else float(time_limit)
        self.memory_limit = memory_limit

    def _limits(self):
        return _budget(self.time_limit, self.memory_limit)

    def evaluate(self, expression, context, external_context=None):
        code = compile_sandboxed(expression, "eval")
        # Data may not shadow the guards (keys starting with '_') nor the helpers (globals win).
        scope = {k: v for k, v in context.items() if not k.startswith("_")}
        scope.update({k: v for k, v in (external_context or {}).items() if not k.startswith("_")})
        scope.update(self.globals)
        try:
            with self._limits():
                result = eval(code, scope)
        except Exception as err:
            _shorten_exception(err)
            raise
        if _printed_size(result, MAX_DATA_SIZE) > MAX_DATA_SIZE:
            raise _data_too_big()
        return result

    def execute(self, script, context, external_context=None):
        code = compile_sandboxed(script, "exec")
        external_context = external_context or {}
        self.check_for_overwrite(context, external_context)
        before = dict(context)
        context.update(external_context)
        context.update(self.globals)
        try:
            with self._limits():
                exec(code, context)
        except Exception as err:
            _shorten_exception(err)
            raise
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
            oversized = _printed_size(context, MAX_DATA_SIZE) > MAX_DATA_SIZE
            if oversized:  # even after an error: never hand an unstorable blob to the serializer
                context.clear()
                context.update(before)
        if oversized:
            raise _data_too_big()
        return True

    def check_for_overwrite(self, context, external_context):
        clash = sorted((set(self.globals) | set(external_context)) & set(context))
        if clash:
            names = ", ".join(clash)
            raise ScriptRejected(f"任务数据中的变量与沙箱内置名称冲突，请改名：{names} / "
                                 f"Task data overwrites sandbox names; rename: {names}")


# ---- engine --------------------------------------------------------------------------------------------------------
class SandboxScriptEngine(PythonScriptEngine):
    """PythonScriptEngine with the sandbox, clearer expression errors and the 3.2.0 `call_service` bug fixed."""

    def validate(self, expression):
        message = check_source(expression, "eval")
        if message:
            raise ScriptRejected(message)

    def evaluate(self, task, expression, external_context=None):
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except SpiffWorkflowException as err:
            err.add_note(f"Error evaluating expression '{expression}'")
            raise
        except Exception as err:
            # The stock engine drops the cause's message; keep it, it is what the incident list shows.
            raise WorkflowTaskException(
                f"表达式求值出错 / Error evaluating expression '{expression}': {type(err).__name__}: {err}",
                task=task, exception=err) from err

    def call_service(self, task, **kwargs):
        # Stock 3.2.0 references an undefined `script` here and hides every service error behind a NameError.
        try:
            return self.environment.call_service(task.data, **kwargs)
        except Exception as err:
            raise WorkflowTaskException(f"{type(err).__name__}: {err}", task=task, exception=err) from err


def make_script_engine(time_limit: float | None = None) -> SandboxScriptEngine:
    """A script engine running everything in a SandboxEnvironment (time_limit in seconds, default 2)."""
    return SandboxScriptEngine(environment=SandboxEnvironment(time_limit=time_limit))


SCRIPT_ENGINE = make_script_engine()
