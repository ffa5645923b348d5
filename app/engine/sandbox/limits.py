"""The sandbox's budgets: how long one call may run, how much memory it may grow, how big a value may get.

RestrictedPython does not stop `while True: pass`, and Flask request threads cannot use `signal.alarm`, so the policy
puts `_tick_()` at every loop iteration, comprehension item and function entry; it checks a per-thread wall-clock
deadline and, now and then, resident-memory growth. Sizes are judged by estimate (`printed_size`), never by building
the value.
"""
from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager

from . import messages

DEFAULT_TIME_LIMIT = 2.0                # seconds of wall-clock time per evaluate/execute call
DEFAULT_MEMORY_LIMIT = 256 * 2 ** 20    # bytes of resident-memory growth per call (sampled); None disables
MAX_INT_BITS = 100_000                  # largest int that `**`, `*`, `<<` may produce
MAX_SEQUENCE_ITEMS = 1_000_000          # largest str/bytes/list/tuple/range one operation may produce
MAX_DATA_SIZE = 5_000_000               # rough printed size of task data after a script, or of an expression's value
MAX_MODULAR_POW_BITS = 4096             # modular pow is one C call: 4096-bit operands ~0.2 s, 16384-bit ones ~10 s
_MEMORY_CHECK_INTERVAL = 0.01           # seconds between resident-memory samples inside one call


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
def budget(time_limit: float, memory_limit: int | None):
    """Give this thread a fresh deadline for one evaluate/execute; a nested call can never extend an outer one."""
    outer = getattr(_state, "budget", None)
    current = _Budget(time_limit, memory_limit)
    if outer is not None and outer.deadline < current.deadline:
        current.deadline, current.time_limit = outer.deadline, outer.time_limit
    _state.budget = current
    try:
        yield current
    finally:
        _state.budget = outer


def tick() -> bool:
    """Injected at every loop iteration, comprehension item and function entry. Returns True (used in `if`s)."""
    current_budget = getattr(_state, "budget", None)
    if current_budget is None:  # sandboxed code running outside evaluate/execute, e.g. a function smuggled out in data
        raise messages.outside_evaluation()
    current = time.monotonic()
    if current > current_budget.deadline:
        raise messages.timed_out(current_budget.time_limit)
    if current_budget.memory_limit is not None and current >= current_budget.next_memory_check:
        current_budget.next_memory_check = current + _MEMORY_CHECK_INTERVAL
        rss = _resident_bytes()
        if rss is not None:
            if current_budget.rss_start is None:
                current_budget.rss_start = rss
            elif rss - current_budget.rss_start > current_budget.memory_limit:
                raise messages.memory_exceeded(current_budget.memory_limit)
    return True


# ---- sizes ---------------------------------------------------------------------------------------------------------
TEXT = (str, bytes, bytearray)
SEQUENCES = (str, bytes, bytearray, list, tuple)
_DICT_VIEWS = (type({}.keys()), type({}.values()), type({}.items()))
_CONTAINERS = (list, tuple, set, frozenset) + _DICT_VIEWS


def printed_size(value, limit: int) -> int:
    """Rough length of str(value), counting each shared reference again (printing and JSON do); stops past `limit`.

    `['x' * 10**6] * 1000` is cheap to build but a gigabyte to print or store, so sizes of containers are judged by
    this estimate, never by building the text.
    """
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, TEXT):
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


def check_printable(value, extra: int = 0) -> None:
    """Refuse to print `value` (plus `extra` padding) if the text would pass the sequence limit."""
    if printed_size(value, MAX_SEQUENCE_ITEMS) + extra > MAX_SEQUENCE_ITEMS:
        raise messages.sequence_too_long(MAX_SEQUENCE_ITEMS)


def check_items(count: int) -> None:
    if count > MAX_SEQUENCE_ITEMS:
        raise messages.sequence_too_long(MAX_SEQUENCE_ITEMS)


def oversized(value) -> bool:
    """Whether task data (or an expression's value) is too big to store."""
    return printed_size(value, MAX_DATA_SIZE) > MAX_DATA_SIZE
