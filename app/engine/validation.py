"""Deploy-time validation: everything that can be known wrong before a case runs is reported, each problem located
by element id and line, in Chinese. SpiffWorkflow checks the schema and structure; we add what it never checks
(script syntax, expressions, lanes, forms) and the rules that keep 3.2.0 out of its traps."""
from __future__ import annotations

import re

from SpiffWorkflow.exceptions import SpiffWorkflowException

from app.engine import flow_lint, xml_safety
from app.engine.bpmn_elements import B, EXPRESSION_PROPERTIES, S, properties
from app.engine.errors import Problem
from app.engine.sandbox import check_source
from app.engine.specs import (BUSINESS_KEY_PREFIX, PARTY_NAMES, SEARCHABLE, ParsedDefinition, executable_process,
                              parse_definition, party_name_variables, searchable_variables)
from app.i18n import N_

DI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
# A process key (the executable process's id) or a form key; the services, the API and the pages use this one.
KEY_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
MAX_NAME_LENGTH = 200
MAX_PREFIX_LENGTH = 20  # 案号 = prefix + 〔year〕 + five digits + 号, within the 100 characters of a business key
VARIABLE_NAME = re.compile(r"^[A-Za-z]\w*$")
FLOW_TAGS = {B + t for t in ("userTask", "scriptTask", "serviceTask", "sendTask", "receiveTask", "businessRuleTask",
                             "task", "manualTask", "subProcess", "callActivity", "exclusiveGateway", "parallelGateway",
                             "inclusiveGateway", "eventBasedGateway", "startEvent", "endEvent", "intermediateCatchEvent",
                             "intermediateThrowEvent", "boundaryEvent", "sequenceFlow")}


def validate(bpmn: bytes | str, forms: dict[str, dict], role_names: set[str], filename: str = "process.bpmn",
             form_checker=None, require_layout: bool = False) -> tuple[ParsedDefinition | None, list[Problem]]:
    """Returns the parsed definition (None if it cannot be parsed) and every problem found. `require_layout`: the
    diagram must carry its drawing (BPMNDI) — the designer and supervision pages cannot show a file without one."""
    try:
        root = xml_safety.parse(bpmn)
    except xml_safety.XmlRejected as err:
        return None, [Problem(str(err), line=err.line, file=filename)]
    problems = _lint(root, forms, role_names, filename, form_checker)
    if require_layout:
        problems.extend(_layout_problems(root, filename))
    parsed = None
    try:
        parsed = parse_definition(bpmn, filename)
    except xml_safety.XmlRejected as err:
        problems.insert(0, Problem(str(err), line=err.line, file=filename))
    except SpiffWorkflowException as err:
        element_id = getattr(err, "id", None) or None
        line = getattr(err, "line_number", None) or _line_of(root, element_id)
        if element_id is None and line:  # an XSD error: it names a line only; locate the element written there
            message = N_("流程图不符合 BPMN 规范（XSD 校验）：{problem}").format(
                problem=_in_chinese(_short_names(_first_line(err))))
            problems.insert(0, Problem(message, element_id=_element_at_line(root, line), line=line, file=filename))
        else:
            message = N_("流程图结构错误：{problem}").format(problem=_in_chinese(_first_line(err)))
            problems.insert(0, Problem(message, element_id=element_id, line=line or None, file=filename))
    return (parsed if not problems else None), problems


def _lint(root, forms, role_names, filename, form_checker) -> list[Problem]:
    problems: list[Problem] = []

    def add(message, el):
        owner = _owner(el)
        problems.append(Problem(message, element_id=owner.get("id") if owner is not None else None,
                                line=el.sourceline, file=filename))

    process = executable_process(root)
    if process is None:
        return [Problem(N_("文件中没有可执行的 bpmn:process"), file=filename)]
    process_id, process_name = process.get("id") or "", process.get("name") or ""
    if not KEY_PATTERN.match(process_id):
        problems.append(Problem(N_("流程标识“{key}”只能包含英文字母、数字和下划线，以字母或下划线开头，最长 100 个字符").format(
            key=process_id[:100]), element_id=process_id[:200] or None, line=process.sourceline, file=filename))
    if len(process_name) > MAX_NAME_LENGTH:
        problems.append(Problem(N_("流程名称过长（{length} 个字符），最多 {limit} 个字符").format(
            length=len(process_name), limit=MAX_NAME_LENGTH), element_id=process_id[:200] or None,
            line=process.sourceline, file=filename))
    problems.extend(_process_property_problems(process, filename))
    lanes = {ref.text.strip(): lane.get("name") for lane in root.iter(B + "lane")
             for ref in lane.iter(B + "flowNodeRef") if ref.text}
    for lane in root.iter(B + "lane"):
        if lane.get("name") not in role_names:
            add(N_("泳道“{lane}”不是系统中的角色（应为角色中文名或代码）").format(lane=lane.get("name")), lane)
    for el in root.iter(B + "task"):
        add(N_("不允许使用无类型任务（bpmn:task），引擎会把它当作人工任务而停住；请改为用户任务或脚本任务"), el)
    for el in root.iter(B + "manualTask"):
        add(N_("不允许使用手工任务（manualTask）；请改为用户任务"), el)
    for el in root.iter(B + "subProcess"):
        if el.get("triggeredByEvent") == "true":
            add(N_("不允许使用事件子流程（SpiffWorkflow 3.2.0 存在缺陷）；请改用边界事件"), el)
    for el in root.iter(B + "userTask"):
        name = el.get("name") or el.get("id")
        if el.get("id") not in lanes:
            add(N_("用户任务“{name}”不在任何泳道中，无法确定办理角色").format(name=name), el)
        key = properties(el).get("formKey")
        if not key:
            add(N_("用户任务“{name}”没有指定表单（formKey）").format(name=name), el)
        elif key not in forms:
            add(N_("用户任务“{name}”引用的表单 {key} 不存在于 forms/").format(name=name, key=key), el)
    for el in root.iter(B + "startEvent"):
        key = properties(el).get("formKey")
        if key and key not in forms:
            add(N_("开始事件引用的表单 {key} 不存在于 forms/").format(key=key), el)
    for el in root.iter(B + "exclusiveGateway"):
        outgoing = [f for f in root.iter(B + "sequenceFlow") if f.get("sourceRef") == el.get("id")]
        if len(outgoing) > 1 and not el.get("default") and any(f.find(B + "conditionExpression") is None for f in outgoing):
            add(N_("排他网关“{name}”既没有默认路径，也没有为每条出线设置条件").format(name=el.get("name") or el.get("id")), el)
        if el.get("default") and el.get("default") not in {f.get("id") for f in outgoing}:
            add(N_("排他网关“{name}”的默认路径 {flow} 不是它的出线").format(name=el.get("name") or el.get("id"),
                                                                flow=el.get("default")), el)
    for source, mode, el in _expressions(root):
        error = check_source(source, mode)
        if error:
            add(N_("表达式或脚本无法通过沙箱编译：{error}").format(error=error), el)
    problems.extend(flow_lint.check(root, forms, filename))
    if form_checker is not None:
        for key, form in forms.items():
            for message in form_checker(form):
                problems.append(Problem(N_("表单 {key}：{problem}").format(key=key, problem=message), file=f"forms/{key}.json"))
    return problems


def _process_property_problems(process, filename: str) -> list[Problem]:
    """The process's own properties (specs.BUSINESS_KEY_PREFIX, SEARCHABLE, PARTY_NAMES) must be usable as written."""
    own, found = properties(process), []
    where = {"element_id": (process.get("id") or "")[:200] or None, "line": process.sourceline, "file": filename}
    if len(own.get(BUSINESS_KEY_PREFIX, "").strip()) > MAX_PREFIX_LENGTH:
        found.append(Problem(N_("流程属性 businessKeyPrefix（案号前缀）最多 20 个字符"), **where))
    searchable = searchable_variables(own.get(SEARCHABLE, ""))
    if any(not VARIABLE_NAME.match(name) for name in searchable):
        found.append(Problem(N_("流程属性 searchable（可检索变量）应写作“变量名:标签, 变量名:标签”，变量名为字母开头的英文标识符"),
                             **where))
    unindexed = [n for n in party_name_variables(own.get(PARTY_NAMES, "")) if n not in searchable]
    if unindexed:
        found.append(Problem(N_("流程属性 partyNames（当事人名称变量）中的 {names} 不在 searchable 中，无法按名称检索").format(
            names="、".join(unindexed)), **where))
    return found


def _layout_problems(root, filename: str) -> list[Problem]:
    """A file whose flow nodes have no shape in a BPMNDiagram deploys and runs, but cannot be drawn."""
    process = executable_process(root)
    if process is None:
        return []
    nodes = {el.get("id") for el in process.iter() if el.tag in FLOW_TAGS and el.tag != B + "sequenceFlow"}
    shapes = {shape.get("bpmnElement") for shape in root.iter(f"{{{DI_NS}}}BPMNShape")}
    if not nodes or nodes & shapes:
        return []
    return [Problem(N_("流程图缺少图形信息（BPMNDiagram），设计器和督办页面无法显示"),
                    element_id=process.get("id") or None, line=process.sourceline, file=filename)]


def _expressions(root):
    """(source, 'exec' | 'eval', element) for every script and expression the engine will run."""
    for el in root.iter(B + "scriptTask"):
        script = el.find(B + "script")
        if script is not None and (script.text or "").strip():
            yield script.text, "exec", script
    for tag in ("preScript", "postScript"):
        for el in root.iter(S + tag):
            if (el.text or "").strip():
                yield el.text, "exec", el
    for tag in (B + "conditionExpression", B + "timeDuration", B + "timeDate", B + "timeCycle", S + "messagePayload",
                B + "loopCardinality", B + "completionCondition", B + "loopCondition", S + "payloadExpression"):
        for el in root.iter(tag):
            if (el.text or "").strip():
                yield el.text.strip(), "eval", el
    for el in root.iter(S + "property"):
        if el.get("name") in EXPRESSION_PROPERTIES and (el.get("value") or "").strip():
            yield el.get("value"), "eval", el


def _owner(el):
    while el is not None and el.tag not in FLOW_TAGS and el.tag not in (B + "lane", B + "process"):
        el = el.getparent()
    return el


def _line_of(root, element_id) -> int | None:
    if not element_id:
        return None
    for el in root.iter():
        if isinstance(el.tag, str) and el.get("id") == element_id:
            return el.sourceline
    return None


def _element_at_line(root, line: int) -> str | None:
    """The id of the element written at `line` (or of the nearest enclosing element that has one)."""
    for el in root.iter():
        if isinstance(el.tag, str) and el.sourceline == line:
            owner = el if el.get("id") else _owner(el)
            return owner.get("id") if owner is not None else None
    return None


# SpiffWorkflow's structure checks and libxml2's schema errors, said in Chinese; the library's own words follow as detail.
_ZH = (
    ("Non-default exclusive outgoing sequence flow without condition", N_("排他网关的非默认出线没有设置条件")),
    ("No start event found", N_("流程没有开始事件")),
    ("Duplicate process ID", N_("流程标识重复")),
    ("was not found. Did you mean", N_("找不到被调用的流程")),
    ("A SubWorkflow Must contain an End event", N_("子流程必须有结束事件")),
    ("Exactly one start event is required in a SubWorkflow", N_("子流程必须恰好有一个开始事件")),
    ("No \"calledElement\" attribute for Call Activity", N_("调用活动没有指定被调用的流程（calledElement）")),
    ("Invalid Script Task.  No Script Provided", N_("脚本任务没有脚本")),
    ("A Service Task must have an operator", N_("服务任务必须指定 operator")),
    ("Could not find messageRef", N_("找不到消息事件引用的消息")),
    ("identifier is missing from bpmn xml", N_("引用的消息、信号、错误或升级定义缺少标识")),
    ("Time Specification Error", N_("定时器表达式格式错误")),
    ("Unknown Time Specification", N_("无法识别的定时器设置")),
    ("is not executable", N_("流程未标记为可执行（isExecutable）")),
    ("This element is not expected", N_("此处不允许出现该元素")),
    ("is not a valid value", N_("属性值不合法")),
    ("attribute", N_("属性不合法")),
    ("is not an element of the set", N_("取值不在允许的范围内")),
    ("Missing child element", N_("缺少必需的子元素")),
)


def _in_chinese(message: str) -> str:
    summary = next((chinese for english, chinese in _ZH if english in message), N_("结构校验未通过"))
    return N_("{summary}（{detail}）").format(summary=summary, detail=message)


def _short_names(message: str) -> str:
    return message.replace(B, "bpmn:").replace(S, "spiffworkflow:")[:500]


def _first_line(err) -> str:
    return str(err).splitlines()[0] if str(err) else type(err).__name__


def form_keys(bpmn: bytes | str) -> set[str]:
    """Every formKey a document references (user tasks and start events), for collecting forms at deploy."""
    root = xml_safety.parse(bpmn)
    return {p.get("value") for p in root.iter(S + "property") if p.get("name") == "formKey" and p.get("value")}



