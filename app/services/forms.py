"""Server-side validation of a form submission, built from the same form-js JSON the browser renders.

The browser's checks are a convenience; these are the ones that count. Unknown keys, keys starting with `_`, missing
required fields, wrong types, options outside the list, bad patterns and failed checksums are refused with a Chinese
message per field. Fields hidden by their `conditional.hide` are neither required nor stored.
"""
from __future__ import annotations

import re
from datetime import date, datetime

from marshmallow import Schema, ValidationError, fields, validate

from app.services.errors import Invalid
from app.services.idcodes import CHECKS

INPUT_TYPES = {"textfield", "textarea", "number", "select", "radio", "checkbox", "checklist", "datetime", "taglist"}
REQUIRED_MSG = "此项为必填项 / required"


def input_components(form: dict) -> list[dict]:
    """Every component that carries a value, groups flattened."""
    return [comp for comp, _conditions in _inputs_with_conditions(form, ())]


def _inputs_with_conditions(form: dict, inherited: tuple) -> list[tuple[dict, tuple]]:
    """(component, the hide conditions that apply to it: its own and every enclosing group's)."""
    found = []
    for comp in form.get("components", []):
        own = (comp.get("conditional") or {}).get("hide")
        conditions = inherited + ((own,) if own else ())
        if comp.get("type") in INPUT_TYPES and comp.get("key"):
            found.append((comp, conditions))
        if comp.get("components"):
            found.extend(_inputs_with_conditions(comp, conditions))
    return found


# ---- the `conditional.hide` subset: =a = "x", =a != "x", =a = true, =not(a), joined by and / or ----------------------
_ATOM = re.compile(r'^\s*(?:not\((\w+)\)|(\w+)\s*(=|!=)\s*("(?:[^"]*)"|true|false|null|-?\d+(?:\.\d+)?))\s*$')


def hidden(expression: str | None, data: dict) -> bool:
    if not expression:
        return False
    expr = expression.strip().lstrip("=")
    return any(all(_atom(a, data) for a in re.split(r"\s+and\s+", part)) for part in re.split(r"\s+or\s+", expr))


def _atom(text: str, data: dict) -> bool:
    m = _ATOM.match(text)
    if not m:
        raise ValueError(f"unsupported condition: {text}")
    if m.group(1):
        return not data.get(m.group(1))
    key, op, literal = m.group(2), m.group(3), m.group(4)
    if literal.startswith('"'):
        value = literal[1:-1]
    else:
        value = {"true": True, "false": False, "null": None}.get(literal)
        if value is None and literal not in ("null",):
            value = float(literal) if "." in literal else int(literal)
    equal = data.get(key) == value
    return equal if op == "=" else not equal


def check_conditions(form: dict) -> list[str]:
    """Deploy-time: every `conditional.hide` (fields and groups) must be in the supported subset."""
    problems = []
    for comp, conditions in _inputs_with_conditions(form, ()):
        for expr in conditions:
            try:
                hidden(expr, {})
            except ValueError:
                problems.append(f"字段 {comp['key']} 的显示条件超出支持范围：{expr}")
    return sorted(set(problems))


# ---- field construction ------------------------------------------------------------------------------------------
class _IsoDate(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return date.fromisoformat(text[:10]).isoformat() if len(text) >= 10 else date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValidationError("日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD") from None


class _IsoDateTime(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return datetime.fromisoformat(text).isoformat()
        except ValueError:
            raise ValidationError("日期时间格式不正确 / invalid date-time") from None


class _Number(fields.Number):
    num_type = float

    def _format_num(self, value):
        if isinstance(value, bool):
            raise ValidationError("请输入数字 / must be a number")
        number = float(value)
        return int(number) if number.is_integer() else number


def _field(comp: dict, required: bool) -> fields.Field:
    rules = comp.get("validate") or {}
    kind = comp["type"]
    common = {"required": required, "allow_none": not required,
              "error_messages": {"required": REQUIRED_MSG, "null": REQUIRED_MSG, "invalid": "格式不正确 / invalid value"}}
    validators = []
    options = [v.get("value") for v in comp.get("values") or []]
    if kind in ("textfield", "textarea"):
        if "minLength" in rules:
            validators.append(validate.Length(min=rules["minLength"], error=f"至少 {rules['minLength']} 个字 / too short"))
        if "maxLength" in rules:
            validators.append(validate.Length(max=rules["maxLength"], error=f"最多 {rules['maxLength']} 个字 / too long"))
        if rules.get("pattern"):
            validators.append(validate.Regexp(rules["pattern"], error=comp.get("properties", {}).get(
                "patternMessage", "格式不正确 / wrong format")))
        if rules.get("validationType") == "email":
            validators.append(validate.Email(error="电子邮箱格式不正确 / invalid email"))
        if rules.get("validationType") == "phone":
            validators.append(validate.Regexp(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$", error="电话号码格式不正确 / invalid phone"))
        check = (comp.get("properties") or {}).get("check")
        if check in CHECKS:
            validators.append(_checksum(CHECKS[check]))
        return fields.String(validate=validators, **common)
    if kind == "number":
        if "min" in rules:
            validators.append(validate.Range(min=rules["min"], error=f"不能小于 {rules['min']} / too small"))
        if "max" in rules:
            validators.append(validate.Range(max=rules["max"], error=f"不能大于 {rules['max']} / too large"))
        common["error_messages"]["invalid"] = "请输入数字 / must be a number"
        return _Number(validate=validators, **common)
    if kind in ("select", "radio"):
        if options:
            validators.append(validate.OneOf(options, error="请从列表中选择 / choose one of the options"))
        return fields.Raw(validate=validators, **common)
    if kind == "checkbox":
        common["error_messages"]["invalid"] = "应为是或否 / must be true or false"
        return fields.Boolean(truthy={True}, falsy={False}, **common)
    if kind in ("checklist", "taglist"):
        inner = fields.Raw(validate=validate.OneOf(options, error="包含不在列表中的选项 / unknown option")) if options else fields.Raw()
        if required:
            validators.append(validate.Length(min=1, error=REQUIRED_MSG))
        return fields.List(inner, validate=validators, **common)
    if kind == "datetime":
        return (_IsoDate if comp.get("subtype", "date") == "date" else _IsoDateTime)(**common)
    raise ValueError(kind)


def _checksum(check):
    def run(value):
        if value:
            error = check(value)
            if error:
                raise ValidationError(error)
    return run


_SCHEMAS: dict[tuple, tuple[dict, Schema]] = {}  # (id(form), visible keys, partial) -> (form, schema)


def _schema(form: dict, visible: dict, partial: bool) -> Schema:
    """The marshmallow schema for these visible fields, built once per form (forms are cached per definition, so
    identity is stable; the entry keeps the form alive so its id cannot be reused)."""
    key = (id(form), frozenset(visible), partial)
    cached = _SCHEMAS.get(key)
    if cached is None or cached[0] is not form:
        fields_ = {k: _field(c, required=bool((c.get("validate") or {}).get("required")) and not partial)
                   for k, c in visible.items()}
        if len(_SCHEMAS) > 5000:
            _SCHEMAS.clear()
        cached = _SCHEMAS[key] = (form, Schema.from_dict(fields_)())
    return cached[1]


def validate_submission(form: dict, submitted, partial: bool = False) -> dict:
    """Cleaned values of the visible input fields, or Invalid with per-field messages. `partial` is for drafts."""
    if not isinstance(submitted, dict):
        raise Invalid("提交的数据应为 JSON 对象 / data must be a JSON object")
    bad_keys = [k for k in submitted if not isinstance(k, str) or k.startswith("_")]
    if bad_keys:
        raise Invalid("字段名不能以下划线开头 / keys may not start with '_'", fields={k: "不允许的字段名 / key not allowed" for k in bad_keys})
    comps = {c["key"]: (c, conditions) for c, conditions in _inputs_with_conditions(form, ())}
    unknown = [k for k in submitted if k not in comps]
    if unknown:
        raise Invalid("表单中没有这些字段 / unknown fields", fields={k: "表单中没有此字段 / not a field of this form" for k in unknown})
    visible = {k: c for k, (c, conditions) in comps.items()
               if not any(hidden(expr, submitted) for expr in conditions)
               and not c.get("readonly") and not c.get("disabled")}
    schema = _schema(form, visible, partial)
    try:
        cleaned = schema.load({k: v for k, v in submitted.items() if k in visible}, partial=partial)
    except ValidationError as err:
        messages = {k: (v[0] if isinstance(v, list) and v and isinstance(v[0], str) else str(v)) for k, v in err.messages.items()}
        raise Invalid("表单填写有误，请按提示修改 / the form has errors", fields=messages) from None
    return cleaned
