"""What changed between two deployed versions of a process, element by element (matched by id): added, removed, and
changed elements with the list of properties that differ (name, type, lane, formKey and the other spiffworkflow
properties, scripts, conditions, timer expressions, messages, documentation, incoming/outgoing flows, and the content
of the form a task uses, since forms are versioned with the diagram)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from app.engine import bpmn_elements, xml_safety
from app.services.design.drafts import definition_of

ORDER = ("name", "type", "lane", "scope", "formKey")  # shown first; the rest alphabetically


def compare_versions(session: Session, key: str, from_version: int, to_version: int) -> dict:
    old = definition_of(session, key, from_version)
    new = definition_of(session, key, to_version)
    result = compare_documents(old.bpmn_xml, new.bpmn_xml, old.forms or {}, new.forms or {})
    return {"key": key, "from": from_version, "to": to_version, **result}


def compare_documents(old_xml: str, new_xml: str, old_forms: dict | None = None, new_forms: dict | None = None) -> dict:
    old = bpmn_elements.describe(xml_safety.parse(old_xml))
    new = bpmn_elements.describe(xml_safety.parse(new_xml))
    _add_form_summaries(old, old_forms or {})
    _add_form_summaries(new, new_forms or {})
    added = [_entry(i, new[i]) for i in new if i not in old]
    removed = [_entry(i, old[i]) for i in old if i not in new]
    changed = []
    for element_id in (i for i in new if i in old):
        changes = _changes(old[element_id], new[element_id])
        if changes:
            changed.append({**_entry(element_id, new[element_id]), "changes": changes})
    return {"added": added, "removed": removed, "changed": changed}


def _entry(element_id: str, props: dict) -> dict:
    return {"element_id": element_id, "name": props.get("name"), "type": props.get("type")}


def _changes(old: dict, new: dict) -> list[dict]:
    keys = set(old) | set(new)
    ordered = [k for k in ORDER if k in keys] + sorted(keys - set(ORDER))
    return [{"property": k, "old": old.get(k), "new": new.get(k)} for k in ordered if old.get(k) != new.get(k)]


def _add_form_summaries(described: dict, forms: dict) -> None:
    """A task whose form content changed (same key, different fields) is changed too: property `form`."""
    for props in described.values():
        key = props.get("formKey")
        if key and key in forms:
            props["form"] = _form_summary(forms[key])


def _form_summary(form: dict) -> list[str]:
    """One line per field: key, type, label, required, options — what a clerk would notice."""
    lines, stack = [], list(reversed(form.get("components") or []))
    while stack:
        comp = stack.pop()
        if not isinstance(comp, dict):
            continue
        if comp.get("key"):
            rules = comp.get("validate") or {}
            options = ",".join(str(v.get("value")) for v in comp.get("values") or [] if isinstance(v, dict))
            line = f"{comp['key']}: {comp.get('type')} “{comp.get('label') or ''}”"
            if rules:
                line += " " + ",".join(f"{k}={v}" for k, v in sorted(rules.items()))
            if options:
                line += f" [{options}]"
            if (comp.get("conditional") or {}).get("hide"):
                line += f" hide({comp['conditional']['hide']})"
            lines.append(line)
        stack.extend(reversed(comp.get("components") or []))
    return lines
