"""Every shipped diagram carries complete layout: a shape for every flow node, an edge for every sequence flow, and no
two flow-node shapes overlapping (boundary events sit on their host's border; a subprocess contains its children)."""
from __future__ import annotations

import itertools

import pytest
from lxml import etree

from app import config

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC"}
NODE_TAGS = ["userTask", "scriptTask", "serviceTask", "sendTask", "receiveTask", "subProcess", "callActivity",
             "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "startEvent", "endEvent",
             "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"]


def load(key: str):
    root = etree.parse(str(config.PROCESSES_DIR / f"{key}.bpmn")).getroot()
    nodes = {el.get("id"): el for tag in NODE_TAGS for el in root.iter(f"{{{NS['bpmn']}}}{tag}")}
    flows = {el.get("id") for el in root.iter(f"{{{NS['bpmn']}}}sequenceFlow")}
    shapes = {}
    for shape in root.iter(f"{{{NS['bpmndi']}}}BPMNShape"):
        b = shape.find("dc:Bounds", NS)
        shapes[shape.get("bpmnElement")] = (float(b.get("x")), float(b.get("y")), float(b.get("width")), float(b.get("height")))
    edges = {e.get("bpmnElement") for e in root.iter(f"{{{NS['bpmndi']}}}BPMNEdge")}
    return nodes, flows, shapes, edges


def overlap(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def inside(inner, outer) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[0] + inner[2] <= outer[0] + outer[2] \
        and inner[1] + inner[3] <= outer[1] + outer[3]


@pytest.mark.parametrize("key", ["mediation", "compensation", "petition_to_review"])
def test_layout_is_complete_and_free_of_overlaps(key):
    nodes, flows, shapes, edges = load(key)
    assert set(nodes) - set(shapes) == set(), "flow nodes without a shape"
    assert flows - edges == set(), "sequence flows without an edge"
    placed = {i: shapes[i] for i, el in nodes.items() if etree.QName(el).localname != "boundaryEvent"}
    clashes = [(a, b) for a, b in itertools.combinations(placed, 2)
               if overlap(placed[a], placed[b]) and not inside(placed[a], placed[b]) and not inside(placed[b], placed[a])]
    assert not clashes, f"overlapping shapes: {clashes}"
    for boundary_id, el in nodes.items():
        if etree.QName(el).localname == "boundaryEvent":
            host = shapes[el.get("attachedToRef")]
            assert overlap(shapes[boundary_id], host), f"{boundary_id} is not drawn on its host's border"
