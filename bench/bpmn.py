"""The benchmark diagrams, built here so the benchmark does not depend on test or shipped process files.
Each passes the deploy validator (every user task has a lane naming a role and a formKey)."""
from __future__ import annotations

FORMS = {"bench_done": {"components": [{"type": "textfield", "key": "note", "label": "备注"}]}}
FORM_DATA = {"note": "已办理"}
LOOP_ROUNDS = 250
TIMER_DATE = "2030-01-01T00:00:00+08:00"

_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
         '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
         'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" '
         'targetNamespace="http://jiefen.bench">\n')
_FORM = ('<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="formKey" value="bench_done"/>'
         '</spiffworkflow:properties></bpmn:extensionElements>')


def _document(key: str, name: str, lane_refs: list[str], body: list[str]) -> str:
    lanes = ""
    if lane_refs:
        refs = "".join(f"<bpmn:flowNodeRef>{r}</bpmn:flowNodeRef>" for r in lane_refs)
        lanes = f'<bpmn:laneSet id="lanes"><bpmn:lane id="lane_m" name="调解员">{refs}</bpmn:lane></bpmn:laneSet>\n'
    return (_HEAD + f'<bpmn:collaboration id="collab"><bpmn:participant id="pool" name="{name}" processRef="{key}"/>'
            f'</bpmn:collaboration>\n<bpmn:process id="{key}" name="{name}" isExecutable="true">\n' + lanes
            + "\n".join(body) + "\n</bpmn:process>\n</bpmn:definitions>\n")


def _user_task(tid: str, name: str, incoming: list[str], outgoing: str) -> str:
    inc = "".join(f"<bpmn:incoming>{f}</bpmn:incoming>" for f in incoming)
    return (f'<bpmn:userTask id="{tid}" name="{name}">{_FORM}{inc}<bpmn:outgoing>{outgoing}</bpmn:outgoing>'
            '</bpmn:userTask>')


def _flow(fid: str, source: str, target: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}"/>'
    return (f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}">'
            f'<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>')


def seq10() -> str:
    """`bench_seq10`: start → 10 user tasks in sequence (lane 调解员, form bench_done) → end."""
    ids = [f"ut_{i:02d}" for i in range(1, 11)]
    nodes = ["start", *ids, "end"]
    body = ['<bpmn:startEvent id="start" name="开始"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>']
    body += [_user_task(t, f"第{i}步", [f"f{i - 1}"], f"f{i}") for i, t in enumerate(ids, 1)]
    body.append('<bpmn:endEvent id="end" name="办结"><bpmn:incoming>f10</bpmn:incoming></bpmn:endEvent>')
    body += [_flow(f"f{i}", nodes[i], nodes[i + 1]) for i in range(11)]
    return _document("bench_seq10", "十步顺序", ids, body)


def loop() -> str:
    """`bench_loop`: one user task repeated while `rounds < max_rounds` (start variables rounds=0, max_rounds)."""
    body = [
        '<bpmn:startEvent id="start" name="开始"><bpmn:outgoing>f_in</bpmn:outgoing></bpmn:startEvent>',
        _user_task("ut_round", "办理一轮", ["f_in", "f_back"], "f_done"),
        '<bpmn:scriptTask id="count" name="计数"><bpmn:incoming>f_done</bpmn:incoming><bpmn:outgoing>f_gw</bpmn:outgoing>'
        '<bpmn:script>rounds = rounds + 1</bpmn:script></bpmn:scriptTask>',
        '<bpmn:exclusiveGateway id="gw" name="继续？" default="f_end"><bpmn:incoming>f_gw</bpmn:incoming>'
        '<bpmn:outgoing>f_back</bpmn:outgoing><bpmn:outgoing>f_end</bpmn:outgoing></bpmn:exclusiveGateway>',
        '<bpmn:endEvent id="end" name="结束"><bpmn:incoming>f_end</bpmn:incoming></bpmn:endEvent>',
        _flow("f_in", "start", "ut_round"), _flow("f_done", "ut_round", "count"), _flow("f_gw", "count", "gw"),
        _flow("f_back", "gw", "ut_round", "rounds &lt; max_rounds"), _flow("f_end", "gw", "end"),
    ]
    return _document("bench_loop", "有界循环", ["ut_round"], body)


def timer() -> str:
    """`bench_timer`: start → intermediate timer (fixed date) → script → end; no user task."""
    body = [
        '<bpmn:startEvent id="start" name="开始"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>',
        '<bpmn:intermediateCatchEvent id="wait" name="等待">'
        '<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>'
        f'<bpmn:timerEventDefinition><bpmn:timeDate>"{TIMER_DATE}"</bpmn:timeDate></bpmn:timerEventDefinition>'
        '</bpmn:intermediateCatchEvent>',
        '<bpmn:scriptTask id="after" name="到期处理"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>'
        '<bpmn:script>fired = True</bpmn:script></bpmn:scriptTask>',
        '<bpmn:endEvent id="end" name="结束"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>',
        _flow("f1", "start", "wait"), _flow("f2", "wait", "after"), _flow("f3", "after", "end"),
    ]
    return _document("bench_timer", "定时等待", [], body)


ALL = {"bench_seq10": seq10, "bench_loop": loop, "bench_timer": timer}
