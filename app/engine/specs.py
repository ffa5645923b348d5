"""Parse a deployed BPMN document once per definition and keep the specs in the process (they are read-only)."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from app.engine import xml_safety
from app.engine.bpmn_elements import B, properties
from app.i18n import N_

# Properties of the <bpmn:process> itself (spiffworkflow:properties, edited in the designer's process panel): what
# the platform needs to know about a process that is the process's own business, not the platform's.
BUSINESS_KEY_PREFIX = "businessKeyPrefix"  # the 案号 prefix: 调 gives 调〔2026〕00001号 (none: the process key)
SEARCHABLE = "searchable"  # "applicant_name:申请人, dispute_type:纠纷类型": variables indexed for the case search
PARTY_NAMES = "partyNames"  # "applicant_name, enterprise_name": searchable variables naming a party (name search)
VALUE_LABELS = "valueLabels"  # "outcome.agreement:达成协议, …": what the codes a script sets mean (forms name theirs)


@dataclass
class ParsedDefinition:
    process_key: str
    name: str
    spec: object
    subprocess_specs: dict
    message_starts: list[str] = field(default_factory=list)   # message names that start this process
    start_form_key: str | None = None
    lines: dict[str, int] = field(default_factory=dict)       # element id -> source line
    version: int | None = None                                # of the deployed definition (set by the cache loader)
    forms: dict = field(default_factory=dict)                 # the forms deployed with it
    business_key_prefix: str = ""                             # the process's 案号 prefix
    searchable: dict[str, str] = field(default_factory=dict)  # variable -> the label the search form shows
    party_names: tuple[str, ...] = ()                         # the searchable variables that name a party
    value_labels: dict[str, dict] = field(default_factory=dict)  # variable -> {code a script sets -> label}
    element_names: dict[str, str] = field(default_factory=dict)  # element id -> its name on the diagram


def executable_process(root: etree._Element) -> etree._Element | None:
    """The document's main process: the one its pool (collaboration participant) shows, else the first executable one.
    Other processes in the file are callees of call activities."""
    procs = root.findall(f"{B}process")
    participant = root.find(f"{B}collaboration/{B}participant[@processRef]")
    if participant is not None:
        for proc in procs:
            if proc.get("id") == participant.get("processRef"):
                return proc
    executable = [p for p in procs if p.get("isExecutable") == "true"] or procs
    return executable[0] if executable else None


def element_lines(root: etree._Element) -> dict[str, int]:
    return {el.get("id"): el.sourceline for el in root.iter() if isinstance(el.tag, str) and el.get("id")}


def _element_names(spec, subprocess_specs: dict) -> dict[str, str]:
    """{BPMN element id: its name on the diagram} across the process and its subprocesses (unnamed ones left out),
    so what people read says 受理审查, not review_application. Read once per definition, with the spec."""
    names = {}
    for spec in [spec, *subprocess_specs.values()]:
        for task_spec in spec.task_specs.values():
            if getattr(task_spec, "bpmn_id", None) and getattr(task_spec, "bpmn_name", None):
                names.setdefault(task_spec.bpmn_id, task_spec.bpmn_name)
    return names


def start_form_key(spec) -> str | None:
    for ts in spec.task_specs.values():
        if type(ts).__name__ == "StartEvent" and "NoneEventDefinition" == type(getattr(ts, "event_definition", None)).__name__:
            key = (getattr(ts, "extensions", {}) or {}).get("properties", {}).get("formKey")
            if key:
                return key
    return None


def searchable_variables(value: str) -> dict[str, str]:
    """The `searchable` property read: variable -> label, in the order written (a missing label is the name)."""
    found = {}
    for entry in value.split(","):
        name, _colon, label = entry.partition(":")
        if name.strip():
            found[name.strip()] = label.strip() or name.strip()
    return found


def code_labels(value: str) -> dict[str, dict]:
    """The `valueLabels` property read: variable -> {code -> label}; an entry without a variable is ignored."""
    found: dict[str, dict] = {}
    for entry, label in searchable_variables(value).items():
        name, _dot, code = entry.partition(".")
        if name.strip() and code.strip():
            found.setdefault(name.strip(), {})[code.strip()] = label
    return found


def party_name_variables(value: str) -> tuple[str, ...]:
    """The `partyNames` property read: the variable names, in the order written."""
    return tuple(name.strip() for name in value.split(",") if name.strip())


def parse_definition(bpmn_xml: str | bytes, filename: str = "process.bpmn") -> ParsedDefinition:
    """Parse with schema validation; raises xml_safety.XmlRejected or SpiffWorkflow ValidationException."""
    root = xml_safety.parse(bpmn_xml)
    process = executable_process(root)
    if process is None:
        raise xml_safety.XmlRejected(N_("文件中没有 bpmn:process 流程"))
    key = process.get("id")
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_xml(etree.ElementTree(root), filename)
    spec = parser.get_spec(key)
    subprocess_specs = parser.get_subprocess_specs(key)
    own = properties(process)
    return ParsedDefinition(
        process_key=key,
        name=process.get("name") or key,
        spec=spec,
        subprocess_specs=subprocess_specs,
        message_starts=list(parser.get_process_parser(key).start_messages()),
        start_form_key=start_form_key(spec),
        lines=element_lines(root),
        business_key_prefix=own.get(BUSINESS_KEY_PREFIX, "").strip() or key,
        searchable=searchable_variables(own.get(SEARCHABLE, "")),
        party_names=party_name_variables(own.get(PARTY_NAMES, "")),
        value_labels=code_labels(own.get(VALUE_LABELS, "")),
        element_names=_element_names(spec, subprocess_specs),
    )


class SpecCache:
    """definition id -> ParsedDefinition. Definitions are immutable, so entries never go stale."""

    def __init__(self):
        self._by_id: dict[int, ParsedDefinition] = {}
        self._lock = threading.Lock()

    def get(self, definition_id: int, load) -> ParsedDefinition:
        """`load()` returns (bpmn_xml, version, forms) of the definition; called once per definition."""
        parsed = self._by_id.get(definition_id)
        if parsed is None:
            with self._lock:
                parsed = self._by_id.get(definition_id)
                if parsed is None:
                    xml, version, forms = load()
                    parsed = parse_definition(xml)
                    parsed.version, parsed.forms = version, forms or {}
                    self._by_id[definition_id] = parsed
        return parsed

    def clear(self) -> None:
        self._by_id.clear()


SPECS = SpecCache()
