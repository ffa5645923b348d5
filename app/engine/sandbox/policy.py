"""The compile policy, and compilation with its cache: what a script may contain and what the code is rewritten to.

RestrictedPython's transformer refuses imports, `_`-names and unguarded attribute access. Our subclass also puts
`_tick_()` at every loop body, comprehension item and function entry (the deadline and memory checks), routes `**`,
`*`, `<<`, `+`, `%` and f-string fields through the sized guards, and refuses classes and `print`. Every refusal is
recorded as (line, Chinese message): ours are written here, the library's are described from the node that caused
them (`messages.library_refusal`).
"""
from __future__ import annotations

import ast

from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations

from . import messages
from .errors import ScriptRejected

# '<string>' is the file name SpiffWorkflow looks for in tracebacks to report the failing line.
FILENAME = "<string>"
_CODE_CACHE: dict[tuple[str, str], object] = {}
_CODE_CACHE_LIMIT = 10_000


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(name, ast.Load()), args=list(args), keywords=[])


class SandboxPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy plus the rewrites that enforce time and size limits, and a few extra refusals."""

    _BINOP_GUARDS = {ast.Pow: "_pow_", ast.Mult: "_mul_", ast.LShift: "_lshift_", ast.Add: "_add_",
                     ast.Mod: "_mod_"}

    # ---- refusals ----
    def refuse(self, node: ast.AST, message: str) -> None:
        self.errors.append((getattr(node, "lineno", None), message))

    def error(self, node, info):
        """RestrictedPython's own refusals come here with an English `info`; describe them by the node instead."""
        self.refuse(node, messages.library_refusal(node))

    def check_name(self, node, name, allow_magic_methods=False):
        # The library decides which names are refused; we say which name, since `node` may be a def or a handler.
        before = len(self.errors)
        super().check_name(node, name, allow_magic_methods)
        if len(self.errors) > before:
            del self.errors[before:]
            self.refuse(node, messages.refused_name(name))

    def visit_ClassDef(self, node):
        self.refuse(node, messages.CLASS_DEFINITION)
        return node

    def visit_Import(self, node):
        self.refuse(node, messages.IMPORT)
        return node

    visit_ImportFrom = visit_Import

    def visit_Name(self, node):
        if node.id in ("print", "printed"):
            self.refuse(node, messages.unavailable_name(node.id))
            return node
        return super().visit_Name(node)

    # ---- the deadline: `_tick_()` wherever code can repeat ----
    def _tick_statement(self, location: ast.AST) -> ast.Expr:
        statement = ast.Expr(_call("_tick_"))
        copy_locations(statement, location)
        return statement

    def _tick_first(self, node):
        """Loops and function bodies start with `_tick_()`: every repetition passes the deadline check."""
        node = getattr(super(), f"visit_{type(node).__name__}")(node)
        node.body.insert(0, self._tick_statement(node))
        return node

    visit_While = visit_For = visit_FunctionDef = _tick_first

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

    # ---- sizes: operators and f-string fields through the guards ----
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


def _compile(source: str, mode: str):
    """Parse, apply the policy and compile; raises ScriptRejected with every refusal of the source."""
    try:
        tree = ast.parse(source, FILENAME, mode)
    except SyntaxError as err:
        raise messages.syntax_error(err) from None
    policy = SandboxPolicy()
    policy.visit(tree)
    if policy.errors:
        raise messages.rejected(policy.errors)
    try:
        return compile(tree, FILENAME, mode)
    except SyntaxError as err:  # what only the compiler checks, e.g. `return` outside a function
        raise messages.syntax_error(err) from None


def compile_sandboxed(source: str, mode: str):
    """Compile `source` ('exec' or 'eval') with the sandbox policy; cached. Raises ScriptRejected."""
    key = (source, mode)
    cached = _CODE_CACHE.get(key)
    if cached is None:
        if mode not in ("exec", "eval"):
            raise ValueError(f"mode must be 'exec' or 'eval', not {mode!r}")
        try:
            cached = _compile(source, mode)
        except ScriptRejected as err:
            cached = err
        except (RecursionError, MemoryError, ValueError, TypeError) as err:  # absurd nesting, non-str source
            cached = messages.uncompilable(err)
        if len(_CODE_CACHE) >= _CODE_CACHE_LIMIT:
            _CODE_CACHE.clear()
        _CODE_CACHE[key] = cached
    if isinstance(cached, ScriptRejected):
        raise ScriptRejected(str(cached), cached.line)
    return cached


def check_source(source: str, mode: str) -> str | None:
    """Deploy-time lint: None if `source` compiles under the sandbox policy, else the Chinese message."""
    try:
        compile_sandboxed(source, mode)
    except ScriptRejected as err:
        return str(err)
    return None
