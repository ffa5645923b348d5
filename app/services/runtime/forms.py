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
from app.services.runtime.idcodes import CHECKS

INPUT_TYPES = {"textfield", "textarea", "number", "select", "radio", "checkbox", "checklist", "datetime", "taglist"}
REQUIRED_MSG = "此项为必填项 / required"


MAX_DEPTH = 20  # groups nested deeper than this are not a form anyone can fill in
_STRING_PROPS = ("type", "label", "text", "description", "subtype")
_OBJECT_PROPS = ("validate", "conditional", "properties")


def structure_problems(form) -> list[str]:
    """Why a form-js schema cannot be used (empty if it can): checked before anything reads it, so a hand-edited or
    machine-made form is a message at deploy time, never a crash when a clerk opens or submits it."""
    if not isinstance(form, dict):
        return ["表单应为 JSON 对象 / a form must be a JSON object"]
    if not isinstance(form.get("components"), list):
        return ["缺少 components 列表，不是 form-js 表单 / not a form-js schema (no components list)"]
    problems: list[str] = []
    stack = [(comp, f"components[{i}]", 1) for i, comp in enumerate(form["components"])]
    while stack and len(problems) < 20:
        comp, where, depth = stack.pop(0)
        if not isinstance(comp, dict):
            problems.append(f"{where} 应为 JSON 对象 / must be an object")
            continue
        if depth > MAX_DEPTH:
            problems.append(f"{where} 嵌套超过 {MAX_DEPTH} 层 / nested too deeply")
            continue
        if "key" in comp and (not isinstance(comp["key"], str) or not comp["key"].strip()):
            problems.append(f"{where} 的 key 应为非空字符串 / key must be a non-empty string")
        if comp.get("type") in INPUT_TYPES and not (isinstance(comp.get("key"), str) and comp["key"].strip()):
            problems.append(f"{where}（{comp.get('type')}）缺少 key / an input field needs a key")
        for prop in _STRING_PROPS:
            if comp.get(prop) is not None and not isinstance(comp[prop], str):
                problems.append(f"{where} 的 {prop} 应为字符串 / {prop} must be a string")
        for prop in _OBJECT_PROPS:
            if comp.get(prop) is not None and not isinstance(comp[prop], dict):
                problems.append(f"{where} 的 {prop} 应为 JSON 对象 / {prop} must be an object")
        problems.extend(f"{where} 的 {m}" for m in _rule_problems(comp))
        hide = comp["conditional"].get("hide") if isinstance(comp.get("conditional"), dict) else None
        if hide is not None and not isinstance(hide, str):
            problems.append(f"{where} 的 conditional.hide 应为字符串 / conditional.hide must be a string")
        values = comp.get("values")
        if values is not None and not (isinstance(values, list) and all(isinstance(v, dict) and "value" in v
                                                                         for v in values)):
            problems.append(f"{where} 的 values 应为 [{{\"label\", \"value\"}}] 列表 / values must be a list of options")
        inner = comp.get("components")
        if inner is not None:
            if not isinstance(inner, list):
                problems.append(f"{where} 的 components 应为列表 / components must be a list")
            else:
                stack.extend((c, f"{where}.components[{i}]", depth + 1) for i, c in enumerate(inner))
    return problems


def _rule_problems(comp: dict) -> list[str]:
    rules = comp.get("validate")
    if not isinstance(rules, dict):
        return []
    found = []
    if "required" in rules and not isinstance(rules["required"], bool):
        found.append("validate.required 应为 true 或 false / must be a boolean")
    for name in ("minLength", "maxLength", "min", "max"):
        if name in rules and rules[name] is not None and (isinstance(rules[name], bool)
                                                          or not isinstance(rules[name], (int, float))):
            found.append(f"validate.{name} 应为数字 / must be a number")
    pattern = rules.get("pattern")
    if pattern is not None:
        try:
            if not isinstance(pattern, str):
                raise TypeError
            re.compile(pattern)
        except (TypeError, re.error, RecursionError, OverflowError):
            found.append("validate.pattern 应为合法的正则表达式 / must be a valid regular expression")
    return found


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
