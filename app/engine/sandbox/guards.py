"""The guards compiled code calls instead of the plain operations: sized operators, f-string fields, attribute access.

`**`, `*`, `<<`, `+`, `%`, augmented assignment and f-string fields are routed here by the policy, and methods that
can turn a small input into a huge output (`ljust`, `replace`, `join`, ...) are handed out wrapped, so a result too big
to build is refused before it is built. Attribute access refuses `_` names, frame/generator internals and
`str.format` (which reads attributes by string).
"""
from __future__ import annotations

import math
import operator
import re
from collections.abc import Mapping, Sized

from RestrictedPython.transformer import INSPECT_ATTRIBUTES

from . import messages
from .limits import MAX_INT_BITS, MAX_SEQUENCE_ITEMS, SEQUENCES, TEXT, check_items, check_printable, printed_size


# ---- operators -----------------------------------------------------------------------------------------------------
def _check_pow(a, b) -> None:
    if isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
        if b > MAX_INT_BITS or b * math.log2(abs(a)) > MAX_INT_BITS:
            raise messages.integer_too_big(MAX_INT_BITS)


def _check_mul(a, b) -> None:
    if isinstance(a, int) and isinstance(b, int):
        if a.bit_length() + b.bit_length() > MAX_INT_BITS:
            raise messages.integer_too_big(MAX_INT_BITS)
    elif isinstance(a, SEQUENCES) and isinstance(b, int) and b > 0:
        check_items(len(a) * b)
    elif isinstance(b, SEQUENCES) and isinstance(a, int) and a > 0:
        check_items(len(b) * a)


def _check_lshift(a, b) -> None:
    if isinstance(a, int) and isinstance(b, int) and a and b > 0 and a.bit_length() + b > MAX_INT_BITS:
        raise messages.integer_too_big(MAX_INT_BITS)


def _check_add(a, b) -> None:
    if isinstance(a, SEQUENCES) and isinstance(b, SEQUENCES):
        check_items(len(a) + len(b))


# %-formatting: `'%10000000000d' % 1` or `'%s' * 1000 % args` can be huge, so add up widths and argument sizes.
_PERCENT_FIELD = re.compile(r"%(?:\(([^)]*)\))?[#0 +\-]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([a-zA-Z%])")


def _check_mod(a, b) -> None:
    if not isinstance(a, TEXT):
        return
    text = a if isinstance(a, str) else bytes(a).decode("latin-1")
    positional = b if isinstance(b, tuple) else (b,)
    total, index = len(text), 0
    for match in _PERCENT_FIELD.finditer(text):
        key, width, precision, kind = match.groups()
        if kind == "%":
            continue
        if "*" in (width, precision):
            raise messages.star_width()
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
        total += printed_size(argument, MAX_SEQUENCE_ITEMS)
        if total > MAX_SEQUENCE_ITEMS:
            raise messages.sequence_too_long(MAX_SEQUENCE_ITEMS)


def _guarded_binop(check, op):
    def guarded(a, b):
        check(a, b)
        return op(a, b)
    return guarded


pow_ = _guarded_binop(_check_pow, operator.pow)
mul = _guarded_binop(_check_mul, operator.mul)
lshift = _guarded_binop(_check_lshift, operator.lshift)
add = _guarded_binop(_check_add, operator.add)
mod = _guarded_binop(_check_mod, operator.mod)

_INPLACE = {
    "+=": (_check_add, operator.iadd), "-=": (None, operator.isub), "*=": (_check_mul, operator.imul),
    "/=": (None, operator.itruediv), "%=": (_check_mod, operator.imod), "**=": (_check_pow, operator.ipow),
    "<<=": (_check_lshift, operator.ilshift), ">>=": (None, operator.irshift), "|=": (None, operator.ior),
    "^=": (None, operator.ixor), "&=": (None, operator.iand), "//=": (None, operator.ifloordiv),
    "@=": (None, operator.imatmul),
}


def inplacevar(op: str, x, y):
    """`x += y` compiles to `x = _inplacevar_('+=', x, y)`: same guards as the plain operators."""
    check, apply_op = _INPLACE[op]
    if check is not None:
        check(x, y)
    return apply_op(x, y)


def _spec_width(spec: str) -> int:
    """Sum of the numbers in a format spec (width, precision): what `format()` may pad the value to."""
    total = 0
    for digits in re.findall(r"\d+", spec):
        total += MAX_SEQUENCE_ITEMS + 1 if len(digits) > 9 else int(digits)
    return total


def format_field(value, conversion: int, spec: str) -> str:
    """Every f-string field goes through here: `f'{x:>{10**10}}'` and `f'{big_list}'` are sized before building."""
    check_printable(value, _spec_width(spec))
    if conversion == ord("s"):
        value = str(value)
    elif conversion == ord("r"):
        value = repr(value)
    elif conversion == ord("a"):
        value = ascii(value)
    return format(value, spec)


def apply(func, *args, **kwargs):
    """`f(*args, **kwargs)` compiles to `_apply_(f, *args, **kwargs)`."""
    return func(*args, **kwargs)


# ---- methods that can grow their input -----------------------------------------------------------------------------
def _wrap_width(method):
    def call(width, *args):
        if isinstance(width, int):
            check_items(width)
        return method(width, *args)
    return call


def _wrap_expandtabs(text):
    def call(tabsize=8):
        tab = "\t" if isinstance(text, str) else b"\t"
        if isinstance(tabsize, int) and tabsize > 0:
            check_items(len(text) + text.count(tab) * tabsize)
        return text.expandtabs(tabsize)
    return call


def _wrap_replace(text):
    def call(old, new, count=-1):
        if isinstance(old, TEXT) and isinstance(new, TEXT) and len(new) > len(old):
            hits = text.count(old) if old else len(text) + 1
            if isinstance(count, int) and count >= 0:
                hits = min(hits, count)
            check_items(len(text) + hits * (len(new) - len(old)))
        return text.replace(old, new, count)
    return call


def _wrap_join(separator):
    def call(iterable):
        items = iterable if isinstance(iterable, (list, tuple)) else list(iterable)
        check_items(sum(len(item) for item in items if isinstance(item, TEXT))
                    + len(separator) * max(len(items) - 1, 0))
        return separator.join(items)
    return call


def _wrap_translate(text):
    def call(table):
        if isinstance(table, Mapping):
            longest = max((len(v) for v in table.values() if isinstance(v, TEXT)), default=1)
            check_items(len(text) * max(longest, 1))
        return text.translate(table)
    return call


def _wrap_extend(target):
    def call(iterable):
        if isinstance(iterable, Sized):
            check_items(len(target) + len(iterable))
        return target.extend(iterable)
    return call


def _wrap_to_bytes(number):
    def call(length=1, *args, **kwargs):
        if isinstance(length, int):
            check_items(length)
        return number.to_bytes(length, *args, **kwargs)
    return call


_SIZED_METHODS = {
    TEXT: {
        "ljust": lambda s: _wrap_width(s.ljust), "rjust": lambda s: _wrap_width(s.rjust),
        "center": lambda s: _wrap_width(s.center), "zfill": lambda s: _wrap_width(s.zfill),
        "expandtabs": _wrap_expandtabs, "replace": _wrap_replace, "join": _wrap_join, "translate": _wrap_translate,
    },
    (list,): {"extend": _wrap_extend},
    (int,): {"to_bytes": _wrap_to_bytes},
}
_SIZED_METHOD_NAMES = frozenset(name for methods in _SIZED_METHODS.values() for name in methods)


# ---- attribute access ----------------------------------------------------------------------------------------------
_DENIED_ATTRIBUTES = frozenset(INSPECT_ATTRIBUTES) | {
    "format", "format_map",                        # '{0.__globals__}'.format(f) reads attributes by string
    "mro",                                         # a route to `object` and class hierarchies
    "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "cr_await", "ag_frame", "ag_code", "ag_await",
    "tb_frame", "tb_next", "f_back", "f_globals", "f_locals", "f_builtins", "f_code", "f_trace",
    "func_globals", "func_code",
}


def guarded_getattr(obj, name):
    """`obj.name` in sandboxed code. Refuses `_` names, frame/generator internals and `format`; wraps sizing methods."""
    if type(name) is not str:
        raise messages.attribute_name_not_text()
    if name.startswith("_") or name in _DENIED_ATTRIBUTES:
        raise messages.attribute_denied(name)
    if name in _SIZED_METHOD_NAMES:
        if isinstance(obj, type):  # `str.ljust(s, n)` would skip the size check; `s.ljust(n)` is checked
            raise messages.call_on_value(name)
        for types, methods in _SIZED_METHODS.items():
            if isinstance(obj, types) and name in methods:
                return methods[name](obj)
    return getattr(obj, name)
