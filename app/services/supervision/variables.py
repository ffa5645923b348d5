"""修改变量 for supervisors: a case's variables as the fields its deployed forms define (label, kind, options, the
value shown), and every change checked by the rule the form's own submission applies, so a correction cannot store
what no clerk could have entered (a hand-typed bad date once crashed the next script). Unchecked JSON is for
administrators only."""
from __future__ import annotations

from app.i18n import N_
from app.models import User
from app.services.errors import Invalid
from app.services.runtime.forms import input_components, validate_fields
from app.vocabulary import RoleCode

KINDS = {"textfield": "text", "textarea": "textarea", "number": "number", "select": "select", "radio": "select",
         "checkbox": "yesno", "checklist": "multi", "taglist": "multi"}
DATETIME_KINDS = {"date": "date", "datetime": "datetime"}  # form-js subtypes; "time" is typed as text
NOT_IN_FORMS = N_("表单中没有此字段")


def may_edit_raw(user: User) -> bool:
    return RoleCode.ADMIN in user.role_codes


def form_fields(forms: dict | None) -> dict[str, dict]:
    """{variable: the first component that defines it}, in the order the forms were deployed."""
    found: dict[str, dict] = {}
    for form in (forms or {}).values():
        for comp in input_components(form):
            found.setdefault(comp["key"], comp)
    return found


def kind(comp: dict) -> str:
    if comp["type"] == "datetime":
        return DATETIME_KINDS.get(comp.get("subtype", "date"), "text")
    return KINDS[comp["type"]]


def variable_fields(forms: dict | None, variables: dict) -> list[dict]:
    """One input per variable a form defines, prefilled with the case's value as the page's input shows it; the
    filled ones first."""
    result = []
    for key, comp in form_fields(forms).items():
        field_kind, value = kind(comp), variables.get(key)
        options = [{"value": str(v["value"]), "label": v.get("label") or str(v["value"])}
                   for v in comp.get("values") or []]
        shown = _shown(field_kind, value)
        known = {o["value"] for o in options}
        for text in (shown if field_kind == "multi" else [shown] if field_kind == "select" else []):
            if text and text not in known:  # a value outside the list (an older version's option) stays visible
                options.append({"value": text, "label": text})
        result.append({"key": key, "label": comp.get("label") or key, "kind": field_kind, "options": options,
                       "shown": shown, "required": bool((comp.get("validate") or {}).get("required"))})
    return sorted(result, key=lambda f: f["shown"] in ("", []))  # what the case holds first, then the blanks


def _shown(field_kind: str, value):
    if field_kind == "multi":
        return [str(v) for v in value] if isinstance(value, list) else [] if value is None else [str(value)]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return {"date": text[:10], "datetime": text[:16]}.get(field_kind, text)


def from_inputs(forms: dict | None, inputs: dict[str, list[str]]) -> dict:
    """The page's texts as the values a submission would carry (options back to their own values, yes/no to
    booleans, an emptied input to null); the field rules then check them."""
    if not inputs:
        raise Invalid(N_("没有修改任何变量"))
    components = form_fields(forms)
    return {k: _typed(components[k], texts) if k in components else texts for k, texts in inputs.items()}


def _typed(comp: dict, texts: list[str]):
    field_kind = kind(comp)
    by_text = {str(v["value"]): v["value"] for v in comp.get("values") or []}
    if field_kind == "multi":
        return [by_text.get(t, t) for t in texts]
    text = texts[0] if texts else ""
    if field_kind in ("text", "textarea"):
        return text
    if text == "":
        return None
    if field_kind == "yesno":
        return {"true": True, "false": False}.get(text, text)
    return by_text.get(text, text) if field_kind == "select" else text


def checked(forms: dict | None, changes):
    """The changes cleaned by their fields' rules, or Invalid naming each field; an empty or non-object `changes`
    passes through for the command to refuse."""
    if not isinstance(changes, dict) or not changes:
        return changes
    components = form_fields(forms)
    unknown = [k for k in changes if k not in components]
    if unknown:
        raise Invalid(N_("只能修改表单中定义的变量"), fields={k: NOT_IN_FORMS for k in unknown})
    return validate_fields({k: components[k] for k in changes}, changes)
