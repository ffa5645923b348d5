"""Deploy-time rules that need the sequence-flow graph: conditions and other expressions must read variables that
exist by then, and loops must be bounded.

Variables an expression reads (rule "gateway fields"). A gateway condition is evaluated against the data the case
carries when the flow is taken, so every name it reads must be set upstream: a field of the form of a user task or
start event from which the flow can be reached, a name a script (script task, pre- or post-script) upstream assigns,
a message, signal, multi-instance or result variable, a data object, or one the platform sets at start
(business_key, handling_organisation, started_by, limits). A name that nothing upstream sets is almost always a typo
or a field renamed in the form; at run time it is a NameError incident in a running case. Timer expressions and the
task properties dueDate / organisation / priority are checked the same way against what is set before the element
starts (this also catches an unquoted duration such as P30D, which Python reads as a variable). A process whose none
start event has no form accepts any start variables, so nothing downstream of it can be checked.

Bounded loops (rule "loops"). SpiffWorkflow never prunes history and stalls silently at tree depth 1000 (about 500
iterations of a gateway loop; reference §8). So every cycle of the flow graph must, on each turn, either
  * wait for a person or the outside world — pass a user task, a receive task or a message catch event (or a
    subprocess / call activity that contains one): people do not loop 500 times, and each turn is a recorded act; or
  * be counted — pass an exclusive gateway whose outgoing conditions read a variable that a script on the same cycle
    updates from its own previous value (`n = n + 1`, `n += 1`, `items = items + [x]`), so the condition can end it.
The rule is checked exactly: remove those nodes from the graph; any cycle left is an unbounded loop. A loop task
(standardLoopCharacteristics) that is not a user task needs `loopMaximum`.
"""
from __future__ import annotations

import ast
import builtins

from lxml import etree

from app.engine import bpmn_elements as bx
from app.engine.errors import Problem
from app.engine.sandbox import HELPERS
from app.i18n import N_

PLATFORM_VARIABLES = frozenset(("business_key", "handling_organisation", "started_by", "limits"))  # set at every start
WAIT_KINDS = frozenset(("userTask", "receiveTask"))
KNOWN_NAMES = frozenset(HELPERS) | frozenset(dir(builtins)) | {"True", "False", "None"}
# What ast.parse raises for source it cannot read: a syntax error, or a tree too deep or large to build (the
# sandbox rule reports the expression itself; the lint rules skip it rather than crash).
PARSE_ERRORS = (SyntaxError, MemoryError, RecursionError, ValueError)


def check(root: etree._Element, forms: dict[str, dict], filename: str | None = None) -> list[Problem]:
    diagram = bx.read(root)
    problems = _expression_variables(diagram, forms, filename) + _loops(diagram, filename)
    return problems


# ---- names read and written --------------------------------------------------------------------------------------
def _parse(source: str | None, mode: str = "exec") -> ast.AST | None:
    """The syntax tree of a script or expression; None for empty or unreadable source (the sandbox rule reports it)."""
    if not source:
        return None
    try:
        return ast.parse(source, mode=mode)
    except PARSE_ERRORS:
        return None


def read_names(expression: str) -> set[str] | None:
    """Free variable names an expression reads (None if it does not parse: the sandbox rule reports that)."""
    tree = _parse(expression.strip(), "eval")
    return None if tree is None else _free_names(tree) - KNOWN_NAMES


def _free_names(tree: ast.AST) -> set[str]:
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.comprehension):
            bound |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.Lambda):
            bound |= {a.arg for a in node.args.args + node.args.kwonlyargs}
        elif isinstance(node, ast.NamedExpr):
            bound.add(node.target.id)
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - bound


def assigned_names(source: str | None) -> set[str]:
    """Names a script assigns at any level (over-approximated: loop variables count too)."""
    tree = _parse(source)
    if tree is None:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def counters(source: str | None) -> set[str]:
    """Names a script updates from their own previous value: `n += 1`, `n = n + 1`, `xs = xs + [x]`."""
    tree = _parse(source)
    if tree is None:
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            found.add(node.target.id)
        elif isinstance(node, ast.Assign):
            reads = _free_names(node.value)
            found |= {t.id for t in node.targets if isinstance(t, ast.Name) and t.id in reads}
    return found


def _scripts(node: bx.Node) -> list[str]:
    return [s for s in (bx.script(node.el), bx.extension_text(node.el, "preScript"),
                        bx.extension_text(node.el, "postScript")) if s]


def _node_defines(diagram: bx.Diagram, node: bx.Node, forms: dict[str, dict]) -> set[str] | None:
    """Names available after `node` ran (None: cannot be known, e.g. its form is missing or a callee is elsewhere)."""
    names: set[str] = set()
    key = bx.properties(node.el).get("formKey")
    if node.kind == "startEvent" and not key and node.scope in diagram.processes \
            and not bx.event_definition(node.el, {}):
        return None  # a process without a start form accepts any start variables: nothing can be said downstream
    if key:
        if key not in forms:
            return None
        names |= form_fields(forms[key])
    for source in _scripts(node):
        names |= assigned_names(source)
    for el in node.el.iter():
        tag = bx.local(el.tag)
        if tag in ("messageVariable", "variableName", "resultVariable") and (el.text or "").strip():
            names.add(el.text.strip())
        if tag in ("inputDataItem", "outputDataItem", "dataInput", "dataOutput"):
            names |= {v for v in (el.get("name"), el.get("id")) if v}
        if tag == "loopDataOutputRef" and (el.text or "").strip():
            names.add(el.text.strip())
        for attr in ("resultVariable", "variableName"):
            if el.get(attr):
                names.add(el.get(attr))
    if node.kind in bx.CONTAINER_KINDS:
        for inner in diagram.descendants(node.id):
            inner_names = _node_defines(diagram, inner, forms)
            if inner_names is None:
                return None
            names |= inner_names
    if node.kind == "callActivity":
        callee = diagram.processes.get(node.el.get("calledElement") or "")
        if callee is None:
            return None
        for inner in diagram.descendants(callee.get("id")):
            inner_names = _node_defines(diagram, inner, forms)
            if inner_names is None:
                return None
            names |= inner_names
    return names


def form_fields(form: dict) -> set[str]:
    keys, stack = set(), list(form.get("components") or [])
    while stack:
        comp = stack.pop()
        if isinstance(comp, dict):
            if comp.get("key"):
                keys.add(comp["key"])
            stack.extend(comp.get("components") or [])
    return keys


def _upstream(diagram: bx.Diagram, start: str) -> set[str]:
    """Node ids from which `start` can be reached (itself included): sequence flows backwards, a boundary event's
    host, and a subprocess for the nodes inside it."""
    preds: dict[str, set[str]] = {}
    for flow in diagram.flows.values():
        preds.setdefault(flow.target, set()).add(flow.source)
    for node in diagram.nodes.values():
        if node.kind == "boundaryEvent" and node.el.get("attachedToRef"):
            preds.setdefault(node.id, set()).add(node.el.get("attachedToRef"))
        if node.scope in diagram.nodes:  # inside a subprocess: what reached the subprocess reached it
            preds.setdefault(node.id, set()).add(node.scope)
    seen, stack = {start}, [start]
    while stack:
        for pred in preds.get(stack.pop(), ()):
            if pred not in seen:
                seen.add(pred)
                stack.append(pred)
    return seen


def _expressions_read(diagram: bx.Diagram):
    """(expression, element it is written on, what it is in Chinese, the node whose upstream sets its data, whether
    that node's own output counts) for every condition, timer and task property expression."""
    for flow in diagram.flows.values():
        if flow.condition:
            source = diagram.nodes.get(flow.source)
            flow_name = flow.el.get("name") or flow.id
            what = (N_("“{gateway}”的出线“{flow}”的条件").format(gateway=source.name or source.id, flow=flow_name)
                    if source is not None else N_("出线“{flow}”的条件").format(flow=flow_name))
            yield flow.condition, flow.el, flow.id, what, flow.source, True
    for node in diagram.nodes.values():
        label = node.name or node.id
        for definition in node.el:
            for tag in bx.TIMER_TAGS:
                timer = definition.find(bx.B + tag) if bx.local(definition.tag) == "timerEventDefinition" else None
                if timer is not None and (timer.text or "").strip():
                    yield (timer.text.strip(), timer, node.id,
                           N_("定时器“{timer}”的表达式（ISO 期限等常量须加引号，如 \"P30D\"）").format(timer=label), node.id,
                           False)
        ext = bx.own_extensions(node.el)
        for prop in ext.iter(bx.S + "property") if ext is not None else ():
            if prop.get("name") in bx.EXPRESSION_PROPERTIES and (prop.get("value") or "").strip():
                what = N_("任务“{task}”的属性 {name}").format(task=label, name=prop.get("name"))
                yield prop.get("value"), prop, node.id, what, node.id, False


def _expression_variables(diagram: bx.Diagram, forms: dict[str, dict], filename) -> list[Problem]:
    problems = []
    data_objects = {el.get(a) for p in diagram.processes.values() for el in p.iter(bx.B + "dataObject")
                    for a in ("id", "name") if el.get(a)}
    cache: dict[str, set[str] | None] = {}
    for expression, el, element_id, what, node_id, own_output in _expressions_read(diagram):
        reads = read_names(expression)
        if not reads:
            continue
        node = diagram.nodes.get(node_id)
        upstream = _upstream(diagram, node_id)
        if not own_output:  # evaluated when the node starts: its own form is not filled yet, its preScript has run
            upstream.discard(node_id)
            if node is not None and node.kind == "boundaryEvent":
                upstream.discard(node.el.get("attachedToRef"))
        available: set[str] | None = set(PLATFORM_VARIABLES) | data_objects
        if node is not None and not own_output:
            available |= assigned_names(bx.extension_text(node.el, "preScript"))
        for up_id in upstream:
            up = diagram.nodes.get(up_id)
            if up is None:
                continue
            if up_id not in cache:
                cache[up_id] = _node_defines(diagram, up, forms)
            if cache[up_id] is None:
                available = None
                break
            available |= cache[up_id]
        if available is None:
            continue
        missing = sorted(reads - available)
        if missing:
            problems.append(Problem(
                N_("{what}读取的变量 {names} 在上游的表单字段、脚本和平台变量中都没有定义（拼写错误或表单字段已改名？）").format(
                    what=what, names="、".join(missing)),
                element_id=element_id, line=el.sourceline, file=filename))
    return problems


# ---- bounded loops -------------------------------------------------------------------------------------------------
def _contains_wait(diagram: bx.Diagram, node: bx.Node, depth: int = 0) -> bool:
    if node.kind in WAIT_KINDS:
        return True
    if node.kind == "intermediateCatchEvent" and bx.event_definition(node.el, {}).get("event", "").startswith("message"):
        return True
    if depth > 20:
        return False
    if node.kind in bx.CONTAINER_KINDS:
        return any(_contains_wait(diagram, n, depth + 1) for n in diagram.descendants(node.id))
    if node.kind == "callActivity":
        callee = diagram.processes.get(node.el.get("calledElement") or "")
        return callee is None or any(_contains_wait(diagram, n, depth + 1) for n in diagram.descendants(callee.get("id")))
    return False


def _successors(diagram: bx.Diagram) -> dict[str, set[str]]:
    succ: dict[str, set[str]] = {n: set() for n in diagram.nodes}
    for flow in diagram.flows.values():
        if flow.source in succ and flow.target in diagram.nodes:
            succ[flow.source].add(flow.target)
    for node in diagram.nodes.values():
        host = node.el.get("attachedToRef")
        if node.kind == "boundaryEvent" and host in succ:
            succ[host].add(node.id)
    return succ


def strongly_connected(succ: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (diagrams can be deep). Components in no particular order."""
    index, low, on_stack, stack, result, counter = {}, {}, set(), [], [], [0]
    for root in succ:
        if root in index:
            continue
        work = [(root, iter(sorted(succ[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(succ.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                result.append(component)
    return result


def _cycles(succ: dict[str, set[str]]) -> list[list[str]]:
    return [c for c in strongly_connected(succ) if len(c) > 1 or c[0] in succ.get(c[0], ())]


def _counter_gateways(diagram: bx.Diagram, component: set[str]) -> set[str]:
    updated: set[str] = set()
    for node_id in component:
        for source in _scripts(diagram.nodes[node_id]):
            updated |= counters(source)
    found = set()
    for node_id in component:
        node = diagram.nodes[node_id]
        if node.kind != "exclusiveGateway":
            continue
        reads = set()
        for flow in diagram.outgoing(node_id):
            reads |= read_names(flow.condition or "") or set()
        if reads & updated:
            found.add(node_id)
    return found


def _loops(diagram: bx.Diagram, filename) -> list[Problem]:
    succ = _successors(diagram)
    breakers: set[str] = set()
    for component in _cycles(succ):
        members = set(component)
        breakers |= {n for n in members if _contains_wait(diagram, diagram.nodes[n])}
        breakers |= _counter_gateways(diagram, members)
    reduced = {n: {s for s in targets if s not in breakers} for n, targets in succ.items() if n not in breakers}
    order = {node_id: i for i, node_id in enumerate(diagram.nodes)}
    problems = []
    for component in _cycles(reduced):
        members = sorted(component, key=order.get)
        gateways = [n for n in members if diagram.nodes[n].kind == "exclusiveGateway"]
        at = diagram.nodes[(gateways or members)[0]]
        names = " → ".join(diagram.nodes[n].name or n for n in members[:6]) + (" …" if len(members) > 6 else "")
        problems.append(Problem(
            N_("循环（{names}）没有上限：每一轮既不经过用户任务或消息等待，也不经过读取计数器的排他网关；"
               "请在循环中用脚本累加计数器（如 n = n + 1）并在网关条件中判断上限").format(names=names),
            element_id=at.id, line=at.el.sourceline, file=filename))
    for node in diagram.nodes.values():
        standard = node.el.find(bx.B + "standardLoopCharacteristics")
        if standard is not None and node.kind not in WAIT_KINDS and not standard.get("loopMaximum"):
            problems.append(Problem(
                N_("循环任务“{name}”没有设置最大循环次数（loopMaximum）").format(name=node.name or node.id),
                element_id=node.id, line=standard.sourceline, file=filename))
    return problems
