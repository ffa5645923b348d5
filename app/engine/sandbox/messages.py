"""How the sandbox tells a designer (deploy-time checks) or a clerk (incidents) what went wrong.

Every message is a Chinese template marked with `N_` (the English lives in the catalogue) filled in with named
parameters. The result is a plain string, because incidents and validation problems store strings.
RestrictedPython reports its own refusals in English; they are described here from the syntax node or the name that
caused them, never by reading the English.
"""
from __future__ import annotations

import ast

from app.i18n import N_

from .errors import ScriptRejected, ScriptResourceLimit, ScriptTimeout

Refusal = tuple[int | None, str]  # (line, message) of one compile-time refusal


# ---- compile time --------------------------------------------------------------------------------------------------
CLASS_DEFINITION = N_("不允许定义类")
IMPORT = N_("不允许 import，请使用沙箱提供的函数")

# RestrictedPython's refusals by the kind of node (see RestrictingNodeTransformer.error callers).
_AUGMENTED_TARGET = N_("不能对属性或元素使用增量赋值（如 a.b += 1）")
_COMPREHENSION_UNPACKING = N_("推导式中不能使用 * 或 ** 解包")
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
# Statements RestrictedPython does not allow at all (`not_allowed`), by the words a script writer would recognise.
_STATEMENT_WORDS = {"AsyncFunctionDef": "async def", "AsyncFor": "async for", "AsyncWith": "async with",
                    "Await": "await", "TryStar": "except*", "Nonlocal": "nonlocal", "Global": "global",
                    "Match": "match"}


def unavailable_name(name: str) -> str:
    return N_("{name} 不可用").format(name=name)


def refused_name(name: str) -> str:
    """A variable, argument or function name RestrictedPython's `check_name` refused."""
    if name.startswith("_"):
        return N_("不能使用以下划线开头的名称 {name}").format(name=name)
    return N_("{name} 是保留名称，不能使用").format(name=name)


def library_refusal(node: ast.AST) -> str:
    """What RestrictedPython refused at `node` (its own message is English): described by the node."""
    if isinstance(node, ast.Attribute):
        if node.attr.startswith("_"):
            return N_("不能访问以下划线开头的属性 {name}").format(name=node.attr)
        return N_("不能访问受限属性 {name}").format(name=node.attr)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):  # exec(...) / eval(...)
        return N_("不能调用 {name}").format(name=node.func.id)
    if isinstance(node, ast.AugAssign):
        return _AUGMENTED_TARGET
    if isinstance(node, _COMPREHENSIONS):
        return _COMPREHENSION_UNPACKING
    kind = type(node).__name__
    return N_("不支持 {statement} 语句").format(statement=_STATEMENT_WORDS.get(kind, kind))


def rejected(refusals: list[Refusal]) -> ScriptRejected:
    """One ScriptRejected for all refusals of a source, carrying the first line."""
    details = [N_("第 {line} 行：{detail}").format(line=line, detail=detail) if line is not None else detail
               for line, detail in refusals]
    return ScriptRejected(N_("脚本不允许：{details}").format(details="；".join(details)), refusals[0][0])


def syntax_error(err: SyntaxError) -> ScriptRejected:
    return rejected([(err.lineno, N_("语法错误：{detail}").format(detail=err.msg))])


def uncompilable(err: BaseException) -> ScriptRejected:
    """Source the compiler itself gave up on (absurd nesting, a non-str source)."""
    return ScriptRejected(N_("脚本无法编译：{error_type}").format(error_type=type(err).__name__))


# ---- run time ------------------------------------------------------------------------------------------------------
def outside_evaluation() -> ScriptRejected:
    return ScriptRejected(N_("沙箱代码只能在求值期间运行"))


def timed_out(seconds: float) -> ScriptTimeout:
    return ScriptTimeout(N_("脚本运行超过 {seconds} 秒，已中止").format(seconds=f"{seconds:g}"))


def memory_exceeded(limit_bytes: int) -> ScriptResourceLimit:
    return ScriptResourceLimit(N_("脚本占用内存超过 {megabytes} MB，已中止").format(megabytes=limit_bytes // 2 ** 20))


def sequence_too_long(limit: int) -> ScriptResourceLimit:
    return ScriptResourceLimit(N_("结果长度超过 {limit} 项，超出沙箱限制").format(limit=f"{limit:,}"))


def integer_too_big(bits: int) -> ScriptResourceLimit:
    return ScriptResourceLimit(N_("整数超过 {bits} 位，超出沙箱限制").format(bits=f"{bits:,}"))


def modular_pow_too_big(bits: int) -> ScriptResourceLimit:
    return ScriptResourceLimit(N_("模幂运算的整数超过 {bits} 位，超出沙箱限制").format(bits=bits))


def data_too_big(limit: int) -> ScriptResourceLimit:
    return ScriptResourceLimit(N_("任务数据超过约 {limit} 字符，超出沙箱限制").format(limit=f"{limit:,}"))


def star_width() -> ScriptRejected:
    return ScriptRejected(N_("格式字符串不支持 '*' 宽度"))


def attribute_denied(name: str) -> ScriptRejected:
    return ScriptRejected(N_("脚本不允许访问属性 {name}").format(name=name))


def attribute_name_not_text() -> TypeError:
    return TypeError(N_("属性名必须是字符串"))


def call_on_value(name: str) -> ScriptRejected:
    return ScriptRejected(N_("请直接在值上调用 {name}()").format(name=name))


def cannot_concatenate(expected: type, found: type) -> TypeError:
    """`sum(items, start)` over lists or tuples met an item of another type (Python's own TypeError, in Chinese)."""
    return TypeError(N_("只能把 {expected} 与 {expected} 连接，不能连接 {found}").format(
        expected=expected.__name__, found=found.__name__))


def names_clash(names: list[str]) -> ScriptRejected:
    return ScriptRejected(N_("任务数据中的变量与沙箱内置名称冲突，请改名：{names}").format(names=", ".join(names)))


def expression_failed(expression: str, err: BaseException) -> str:
    """An expression raised: the stock engine drops the cause, but it is what the incident list must show."""
    return N_("表达式「{expression}」求值出错：{error_type}: {error}").format(
        expression=expression, error_type=type(err).__name__, error=err)


def expression_note(expression: str) -> str:
    return N_("表达式「{expression}」求值出错").format(expression=expression)
