"""The script sandbox: every script, condition, timer expression and payload in a diagram runs here.

SpiffWorkflow runs scripts with plain `exec`/`eval` and full builtins, so a diagram could `import os`. This package
owns running them safely instead:

- `policy`   what a script may contain (RestrictedPython plus our rewrites) and compiling it, cached;
- `limits`   the time, memory and size budgets and the checks against them;
- `guards`   the sized operators, f-string fields, growing methods and attribute access compiled code calls;
- `scope`    every name a script sees: safe builtins, the guards and the date helpers (`app.engine.date_helpers`);
- `messages` how refusals and failures are described, in Chinese, to the designer and the clerk;
- `engine`   the SpiffWorkflow script environment and engine that put it together.

This is not process isolation: a single C-level call cannot be interrupted, and CPython 3.11 can still be crashed by
C-stack exhaustion (hashing a tuple nested ~200 000 deep, consuming a ~10^6-deep chain of map/zip/generators). Running
engine steps in a worker process with a hard timeout and memory limit remains the backstop.
"""
from __future__ import annotations

from .engine import SCRIPT_ENGINE, SandboxEnvironment, SandboxScriptEngine, make_script_engine
from .errors import SandboxError, ScriptRejected, ScriptResourceLimit, ScriptTimeout
from .limits import DEFAULT_MEMORY_LIMIT, DEFAULT_TIME_LIMIT, MAX_DATA_SIZE, MAX_INT_BITS, MAX_SEQUENCE_ITEMS
from .policy import check_source, compile_sandboxed
from .scope import HELPERS

__all__ = [
    "DEFAULT_TIME_LIMIT", "DEFAULT_MEMORY_LIMIT", "MAX_INT_BITS", "MAX_SEQUENCE_ITEMS", "MAX_DATA_SIZE",
    "SandboxError", "ScriptRejected", "ScriptTimeout", "ScriptResourceLimit",
    "SandboxEnvironment", "SandboxScriptEngine", "make_script_engine", "SCRIPT_ENGINE", "check_source",
    "compile_sandboxed", "HELPERS",
]
