"""Every name sandboxed code can see: safe builtins, the guards the policy compiles calls to, and the date helpers.

Builtins that could build something huge in one C call (`range`, `pow`, `sum`, `str`, `repr`) are replaced by sized
versions; those that reach classes, attributes by string or exceptions that slip past `except Exception` are removed.
"""
from __future__ import annotations

from RestrictedPython import limited_builtins, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import full_write_guard, guarded_iter_unpack_sequence, guarded_unpack_sequence

from app.engine import date_helpers

from . import guards, messages
from .limits import MAX_MODULAR_POW_BITS, MAX_SEQUENCE_ITEMS, check_items, check_printable, tick

HELPERS = {f.__name__: f for f in (date_helpers.now, date_helpers.today, date_helpers.add_days,
                                     date_helpers.add_workdays, date_helpers.workdays_between,
                                     date_helpers.end_of_day, date_helpers.parse_date, date_helpers.date_diff_days)}


# ---- sized builtins ------------------------------------------------------------------------------------------------
def _safe_range(*args):
    r = range(*args)
    try:
        count = len(r)
    except OverflowError:
        count = MAX_SEQUENCE_ITEMS + 1
    check_items(count)
    return r


def _safe_pow(base, exp, mod=None):
    if mod is None:
        return guards.pow_(base, exp)
    if any(isinstance(v, int) and abs(v).bit_length() > MAX_MODULAR_POW_BITS for v in (base, exp, mod)):
        raise messages.modular_pow_too_big(MAX_MODULAR_POW_BITS)
    return pow(base, exp, mod)


def _safe_sum(iterable, /, start=0):
    """`sum(lists, [])` concatenates in C, quadratically and unchecked; size it and concatenate in place instead."""
    if not isinstance(start, (list, tuple)):
        return sum(iterable, start)
    items = list(iterable)
    for item in items:
        if type(item) is not type(start):
            raise messages.cannot_concatenate(type(start), type(item))
    check_items(len(start) + sum(len(item) for item in items))
    result = list(start)
    for item in items:
        result.extend(item)
    return result if isinstance(start, list) else tuple(result)


def _safe_repr(obj) -> str:
    check_printable(obj)
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
            check_printable(args[0])
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

# The names the policy compiles into the code (`_getattr_(obj, 'x')`, `_tick_()`, ...) and what they call.
_GUARDS = {
    "__builtins__": _BUILTINS,
    "_getattr_": guards.guarded_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_write_": full_write_guard,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_inplacevar_": guards.inplacevar,
    "_apply_": guards.apply,
    "_tick_": tick,
    "_pow_": guards.pow_,
    "_mul_": guards.mul,
    "_lshift_": guards.lshift,
    "_add_": guards.add,
    "_mod_": guards.mod,
    "_format_": guards.format_field,
}

GLOBALS = {**_GUARDS, **HELPERS}
