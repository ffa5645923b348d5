"""Reading a BPMN document element by element: what each flow node and sequence flow says (name, type, lane,
properties, scripts, conditions, timers, messages, flows). The lint rules that need the flow graph and the comparison
of two versions both read diagrams through this module, so they see a diagram the same way."""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
B = f"{{{BPMN_NS}}}"
S = f"{{{SPIFF_NS}}}"

NODE_KINDS = frozenset((
    "userTask", "scriptTask", "serviceTask", "sendTask", "receiveTask", "businessRuleTask", "task", "manualTask",
    "subProcess", "transaction", "callActivity", "exclusiveGateway", "parallelGateway", "inclusiveGateway",
    "eventBasedGateway", "complexGateway", "startEvent", "endEvent", "intermediateCatchEvent",
    "intermediateThrowEvent", "boundaryEvent",
))
CONTAINER_KINDS = frozenset(("subProcess", "transaction"))
EVENT_DEFINITIONS = {
    "timerEventDefinition": "timer", "messageEventDefinition": "message", "signalEventDefinition": "signal",
    "errorEventDefinition": "error", "escalationEventDefinition": "escalation", "terminateEventDefinition": "terminate",
    "conditionalEventDefinition": "conditional", "cancelEventDefinition": "cancel",
    "compensateEventDefinition": "compensate", "linkEventDefinition": "link",
}
TIMER_TAGS = ("timeDate", "timeDuration", "timeCycle")
EXPRESSION_PROPERTIES = ("dueDate", "organisation", "priority")  # task properties evaluated when the task opens


def local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


@dataclass
class Node:
    """A flow node: its element, its kind (the BPMN tag's local name) and the process or subprocess it sits in."""
    id: str
    kind: str
    el: etree._Element = field(repr=False)
    scope: str | None
    name: str | None = None


@dataclass
class Flow:
    id: str
    source: str
    target: str
    el: etree._Element = field(repr=False)
    condition: str | None = None


@dataclass
class Diagram:
    """Every flow node and sequence flow of a document, with lanes and the simple graph they form."""
    nodes: dict[str, Node]
    flows: dict[str, Flow]
    lanes: dict[str, str]                      # node id -> lane name
    messages: dict[str, str]                   # message id -> name (signals and errors alike, by id)
    processes: dict[str, etree._Element]       # process id -> element

    def outgoing(self, node_id: str) -> list[Flow]:
        return [f for f in self.flows.values() if f.source == node_id]

    def incoming(self, node_id: str) -> list[Flow]:
        return [f for f in self.flows.values() if f.target == node_id]

    def children(self, scope_id: str) -> list[Node]:
        return [n for n in self.nodes.values() if n.scope == scope_id]

    def descendants(self, scope_id: str) -> list[Node]:
        """Nodes inside a subprocess (or process), nested subprocesses included."""
        found, stack = [], [scope_id]
        while stack:
            for node in self.children(stack.pop()):
                found.append(node)
                if node.kind in CONTAINER_KINDS:
                    stack.append(node.id)
        return found


def read(root: etree._Element) -> Diagram:
    nodes, flows = {}, {}
    for el in root.iter(B + "*"):
        kind = local(el.tag)
        if kind in NODE_KINDS and el.get("id"):
            parent = el.getparent()
            nodes[el.get("id")] = Node(el.get("id"), kind, el, parent.get("id") if parent is not None else None,
                                       el.get("name"))
        elif kind == "sequenceFlow" and el.get("id"):
            cond = el.find(B + "conditionExpression")
            text = (cond.text or "").strip() if cond is not None else ""
            flows[el.get("id")] = Flow(el.get("id"), el.get("sourceRef"), el.get("targetRef"), el, text or None)
    lanes = {}
    for lane in root.iter(B + "lane"):
        for ref in lane.findall(B + "flowNodeRef"):
            if ref.text and ref.text.strip():
                lanes[ref.text.strip()] = lane.get("name") or lane.get("id")
    messages = {el.get("id"): el.get("name") or el.get("id")
                for tag in ("message", "signal", "error", "escalation") for el in root.findall(B + tag)}
    processes = {p.get("id"): p for p in root.findall(B + "process")}
    return Diagram(nodes, flows, lanes, messages, processes)


# ---- what one element says ---------------------------------------------------------------------------------------
def own_extensions(el: etree._Element) -> etree._Element | None:
    """The element's own extensionElements (never those of tasks nested inside a subprocess)."""
    return el.find(B + "extensionElements")


def properties(el: etree._Element) -> dict[str, str]:
    ext = own_extensions(el)
    if ext is None:
        return {}
    return {p.get("name"): p.get("value") or "" for p in ext.iter(S + "property") if p.get("name")}


def extension_text(el: etree._Element, tag: str) -> str | None:
    ext = own_extensions(el)
    found = ext.find(S + tag) if ext is not None else None
    text = (found.text or "").strip() if found is not None else ""
    return text or None


def script(el: etree._Element) -> str | None:
    found = el.find(B + "script")
    text = (found.text or "").strip() if found is not None else ""
    return text or None


def documentation(el: etree._Element) -> str | None:
    texts = [(d.text or "").strip() for d in el.findall(B + "documentation")]
    return "\n".join(t for t in texts if t) or None


def event_definition(el: etree._Element, messages: dict[str, str]) -> dict[str, str]:
    """The event's definition as comparable text: kind, referenced message/signal/error name, timer expression,
    message payload and variable."""
    out: dict[str, str] = {}
    for child in el:
        kind = EVENT_DEFINITIONS.get(local(child.tag))
        if kind is None:
            continue
        out["event"] = kind
        for attr in ("messageRef", "signalRef", "errorRef", "escalationRef"):
            if child.get(attr):
                out["event"] = f"{kind}: {messages.get(child.get(attr), child.get(attr))}"
        for tag in TIMER_TAGS:
            timer = child.find(B + tag)
            if timer is not None:
                out["timer"] = f"{tag}: {(timer.text or '').strip()}"
        for tag in ("messagePayload", "messageVariable"):
            found = child.find(S + tag)
            if found is not None and (found.text or "").strip():
                out[tag] = found.text.strip()
    return out


def loop_characteristics(el: etree._Element) -> str | None:
    multi = el.find(B + "multiInstanceLoopCharacteristics")
    if multi is not None:
        parts = ["sequential" if multi.get("isSequential") == "true" else "parallel"]
        for tag in ("loopCardinality", "loopDataInputRef", "loopDataOutputRef", "completionCondition"):
            found = multi.find(B + tag)
            if found is not None and (found.text or "").strip():
                parts.append(f"{tag}={found.text.strip()}")
        for tag in ("inputDataItem", "outputDataItem"):
            found = multi.find(B + tag)
            if found is not None:
                parts.append(f"{tag}={found.get('name') or found.get('id')}")
        return "multiInstance(" + ", ".join(parts) + ")"
    standard = el.find(B + "standardLoopCharacteristics")
    if standard is not None:
        cond = standard.find(B + "loopCondition")
        parts = [f"loopMaximum={standard.get('loopMaximum')}" if standard.get("loopMaximum") else "",
                 f"loopCondition={(cond.text or '').strip()}" if cond is not None else ""]
        return "standardLoop(" + ", ".join(p for p in parts if p) + ")"
    return None


def node_properties(diagram: Diagram, node: Node) -> dict[str, object]:
    """Everything about a node a designer would call a change, as property -> comparable value."""
    el = node.el
    props: dict[str, object] = {
        "name": node.name, "type": node.kind, "lane": diagram.lanes.get(node.id), "scope": node.scope,
        "documentation": documentation(el),
        "incoming": sorted(f.id for f in diagram.incoming(node.id)),
        "outgoing": sorted(f.id for f in diagram.outgoing(node.id)),
    }
    props.update(properties(el))
    props["script"] = script(el)
    for tag in ("preScript", "postScript", "instructionsForEndUser"):
        props[tag] = extension_text(el, tag)
    props.update(event_definition(el, diagram.messages))
    for attr in ("default", "attachedToRef", "calledElement"):
        if el.get(attr) is not None:
            props[attr] = el.get(attr)
    if node.kind == "boundaryEvent":
        props["cancelActivity"] = el.get("cancelActivity", "true")
    props["loop"] = loop_characteristics(el)
    return {k: v for k, v in props.items() if v not in (None, "", [])} | {"name": node.name, "type": node.kind}


def flow_properties(flow: Flow) -> dict[str, object]:
    props = {"name": flow.el.get("name"), "type": "sequenceFlow", "source": flow.source, "target": flow.target,
             "condition": flow.condition, "documentation": documentation(flow.el)}
    return {k: v for k, v in props.items() if v not in (None, "")} | {"name": flow.el.get("name"), "type": "sequenceFlow"}


def describe(root: etree._Element) -> dict[str, dict[str, object]]:
    """element id -> its properties, for every flow node and sequence flow of the document."""
    diagram = read(root)
    described = {node_id: node_properties(diagram, node) for node_id, node in diagram.nodes.items()}
    described.update({flow_id: flow_properties(flow) for flow_id, flow in diagram.flows.items()})
    return described
