"""Option codes as people read them. A select, radio or checklist stores a code ("administrative"); the form that
offers it names it ("行政争议"); a code a script sets is named by the diagram (specs.VALUE_LABELS). One lookup per
process definition, collected from the options of the forms deployed with it and the diagram, turns a stored value into
what a clerk reads: in case summaries, case pages and the texts of task forms.
Messages are named by the events that wait for or send them."""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.engine.specs import ParsedDefinition
from app.i18n import N_, Text
from app.services.runtime import commands
from app.services.runtime.forms import input_components

OPTION_TYPES = {"select", "radio", "checklist", "taglist"}
YES, NO = N_("是"), N_("否")
_TEMPLATE = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}")


@dataclass(frozen=True)
class ValueLabels:
    options: dict[str, dict]     # variable -> {option value -> label}
    booleans: frozenset[str]     # variables a checkbox sets
    messages: dict[str, str]     # message name -> the name of the event that receives (else sends) it

    def label(self, name: str, value):
        """The value as shown to staff: the option's label, 是/否 for a yes/no, labels joined for a list; other
        values unchanged. Booleans also arrive as the search index's "true"/"false"."""
        if isinstance(value, bool) or (name in self.booleans and value in ("true", "false")):
            return Text(YES if value in (True, "true") else NO)
        known = self.options.get(name)
        if not known:
            return value
        if isinstance(value, list):
            return "、".join(str(_option(known, v)) for v in value)
        return _option(known, value)

    def message(self, name: str | None) -> str | None:
        return self.messages.get(name, name) if name else name


def _option(known: dict, value):
    return known.get(value, value) if isinstance(value, (str, int, float)) else value


class _Cache:
    """definition id -> labels, rebuilt if the spec cache re-parsed that definition (it is cleared between tests)."""

    def __init__(self):
        self._by_id: dict[int, tuple[ParsedDefinition, ValueLabels]] = {}
        self._lock = threading.Lock()

    def get(self, parsed: ParsedDefinition, definition_id: int) -> ValueLabels:
        entry = self._by_id.get(definition_id)
        if entry is None or entry[0] is not parsed:
            with self._lock:
                entry = (parsed, _collect(parsed))
                self._by_id[definition_id] = entry
        return entry[1]


_LABELS = _Cache()


def value_labels(session: Session, definition_id: int) -> ValueLabels:
    """The lookup for one deployed definition (cached like its parsed spec: definitions never change)."""
    return _LABELS.get(commands.parsed_definition(session, definition_id), definition_id)


def resolve_texts(form: dict | None, labels: ValueLabels, data: dict) -> dict | None:
    """A copy of `form` whose text components show the label, not the code, of each `{{variable}}` that has options
    or is a yes/no. Done before the browser renders: form-js fills templates with the raw value, and the case
    variables a text quotes are context, not fields of the form, so nothing live is lost by resolving them here."""
    if not form:
        return form

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name not in data or (name not in labels.options and name not in labels.booleans
                                and not isinstance(data[name], bool)):
            return match.group(0)
        return str(labels.label(name, data[name]))

    def walk(components: list) -> list:
        out = []
        for comp in components:
            comp = dict(comp)
            if comp.get("type") == "text" and isinstance(comp.get("text"), str):
                comp["text"] = _TEMPLATE.sub(fill, comp["text"])
            if comp.get("components"):
                comp["components"] = walk(comp["components"])
            out.append(comp)
        return out
    return {**form, "components": walk(form.get("components", []))}


def _collect(parsed: ParsedDefinition) -> ValueLabels:
    options: dict[str, dict] = {}
    booleans: set[str] = set()
    for form in (parsed.forms or {}).values():
        for comp in input_components(form or {}):
            if comp["type"] in OPTION_TYPES:
                for option in comp.get("values") or []:
                    options.setdefault(comp["key"], {}).setdefault(option.get("value"), option.get("label"))
            elif comp["type"] == "checkbox":
                booleans.add(comp["key"])
    for name, codes in parsed.value_labels.items():  # the codes scripts set, as the diagram names them
        for code, label in codes.items():
            options.setdefault(name, {}).setdefault(code, label)
    return ValueLabels(options, frozenset(booleans), _message_names(parsed))


def _message_names(parsed: ParsedDefinition) -> dict[str, str]:
    """Message name -> the name of an event in the diagram that catches it (else one that throws it)."""
    found: dict[str, str] = {}
    catching: set[str] = set()
    specs = [parsed.spec, *parsed.subprocess_specs.values()]
    for spec in specs:
        for ts in spec.task_specs.values():
            event = getattr(ts, "event_definition", None)
            message, name = getattr(event, "name", None), getattr(ts, "bpmn_name", None)
            if type(event).__name__ != "MessageEventDefinition" or not message or not name:
                continue
            catches = "Throw" not in type(ts).__name__ and "End" not in type(ts).__name__
            if message not in found or (catches and message not in catching):
                found[message] = name
            if catches:
                catching.add(message)
    return found
