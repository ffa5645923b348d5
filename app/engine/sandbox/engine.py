"""The script environment and engine SpiffWorkflow runs every script, condition and timer expression through.

SpiffWorkflow's stock environment uses plain `exec`/`eval` with full builtins; ours compiles under the sandbox policy,
runs inside a per-thread budget, keeps data from shadowing the guards, and refuses task data too big to store.
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import TaskDataEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from . import messages
from .errors import SandboxError, ScriptRejected
from .limits import DEFAULT_MEMORY_LIMIT, DEFAULT_TIME_LIMIT, MAX_DATA_SIZE, budget, oversized, printed_size
from .policy import check_source, compile_sandboxed
from .scope import GLOBALS

_MAX_ERROR_TEXT = 2000


def _shorten_exception(err: BaseException) -> None:
    """Make a script's exception args short strings: Spiff does `":" + err.args[0]`, and str(err) could be huge."""
    if isinstance(err, SandboxError):
        return
    try:
        shortened = []
        for arg in err.args:
            if isinstance(arg, str):
                shortened.append(arg if len(arg) <= _MAX_ERROR_TEXT else arg[:_MAX_ERROR_TEXT] + "…")
            elif printed_size(arg, _MAX_ERROR_TEXT) <= _MAX_ERROR_TEXT:
                shortened.append(repr(arg))
            else:
                shortened.append(f"<{type(arg).__name__}>")
        err.args = tuple(shortened)
    except Exception:  # an exception type with odd args; leave it as it is
        pass


class SandboxEnvironment(TaskDataEnvironment):
    """A SpiffWorkflow script environment that runs everything under the sandbox policy and limits."""

    def __init__(self, time_limit: float | None = None, memory_limit: int | None = DEFAULT_MEMORY_LIMIT):
        super().__init__(dict(GLOBALS))
        self.time_limit = DEFAULT_TIME_LIMIT if time_limit is None else float(time_limit)
        self.memory_limit = memory_limit

    def _limits(self):
        return budget(self.time_limit, self.memory_limit)

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
        if oversized(result):
            raise messages.data_too_big(MAX_DATA_SIZE)
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
            too_big = oversized(context)
            if too_big:  # even after an error: never hand an unstorable blob to the serializer
                context.clear()
                context.update(before)
        if too_big:
            raise messages.data_too_big(MAX_DATA_SIZE)
        return True

    def check_for_overwrite(self, context, external_context):
        clash = sorted((set(self.globals) | set(external_context)) & set(context))
        if clash:
            raise messages.names_clash(clash)


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
            err.add_note(messages.expression_note(expression))
            raise
        except Exception as err:
            # The stock engine drops the cause's message; keep it, it is what the incident list shows.
            raise WorkflowTaskException(messages.expression_failed(expression, err), task=task,
                                        exception=err) from err

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
