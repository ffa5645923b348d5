"""Server-side validation of a form submission, built from the same form-js JSON the browser renders.

The browser's checks are a convenience; these are the ones that count. Unknown keys, keys starting with `_`, missing
required fields, wrong types, options outside the list, bad patterns, failed checksums and phone numbers that are not
Chinese ones are refused with a Chinese message per field; phone numbers are stored in one spelling (phones.py). Fields hidden by their `conditional.hide` are neither required nor stored.
"""
from __future__ import annotations

import re
from datetime import date, datetime

from marshmallow import Schema, ValidationError, fields, validate

from app.i18n import N_, Text
from app.services.errors import Invalid
from app.services.runtime.idcodes import CHECKS
from app.services.runtime.phones import PHONE_MESSAGE, normalise_phone

INPUT_TYPES = {"textfield", "textarea", "number", "select", "radio", "checkbox", "checklist", "datetime", "taglist"}
REQUIRED_MSG = N_("此项为必填项")
NOT_A_NUMBER = N_("请输入数字")
NOT_AN_OBJECT = N_("提交的数据应为 JSON 对象")
UNDERSCORE_KEYS = N_("字段名不能以下划线开头")
KEY_NOT_ALLOWED = N_("不允许的字段名")


MAX_DEPTH = 20  # groups nested deeper than this are not a form anyone can fill in
_STRING_PROPS = ("type", "label", "text", "description", "subtype")
_OBJECT_PROPS = ("validate", "conditional", "properties")


def structure_problems(form) -> list[str]:
    """Why a form-js schema cannot be used (empty if it can), in Chinese: checked before anything reads it, so a
    hand-edited or machine-made form is a message at deploy time, never a crash when a clerk opens or submits it."""
    if not isinstance(form, dict):
        return [N_("表单应为 JSON 对象")]
    if not isinstance(form.get("components"), list):
        return [N_("缺少 components 列表，不是 form-js 表单")]
    problems: list[str] = []
    stack = [(comp, f"components[{i}]", 1) for i, comp in enumerate(form["components"])]
    while stack and len(problems) < 20:
        comp, where, depth = stack.pop(0)
        if not isinstance(comp, dict):
            problems.append(N_("{where} 应为 JSON 对象").format(where=where))
            continue
        if depth > MAX_DEPTH:
            problems.append(N_("{where} 嵌套超过 {depth} 层").format(where=where, depth=MAX_DEPTH))
            continue
        if "key" in comp and (not isinstance(comp["key"], str) or not comp["key"].strip()):
            problems.append(N_("{where} 的 key 应为非空字符串").format(where=where))
        if comp.get("type") in INPUT_TYPES and not (isinstance(comp.get("key"), str) and comp["key"].strip()):
            problems.append(N_("{where}（{type}）缺少 key").format(where=where, type=comp.get("type")))
        for prop in _STRING_PROPS:
            if comp.get(prop) is not None and not isinstance(comp[prop], str):
                problems.append(N_("{where} 的 {prop} 应为字符串").format(where=where, prop=prop))
        for prop in _OBJECT_PROPS:
            if comp.get(prop) is not None and not isinstance(comp[prop], dict):
                problems.append(N_("{where} 的 {prop} 应为 JSON 对象").format(where=where, prop=prop))
        problems.extend(N_("{where} 的 {problem}").format(where=where, problem=m) for m in _rule_problems(comp))
        hide = comp["conditional"].get("hide") if isinstance(comp.get("conditional"), dict) else None
        if hide is not None and not isinstance(hide, str):
            problems.append(N_("{where} 的 conditional.hide 应为字符串").format(where=where))
        values = comp.get("values")
        if values is not None and not (isinstance(values, list) and all(isinstance(v, dict) and "value" in v
                                                                         for v in values)):
            problems.append(N_("{where} 的 values 应为 [{{\"label\", \"value\"}}] 列表").format(where=where))
        inner = comp.get("components")
        if inner is not None:
            if not isinstance(inner, list):
                problems.append(N_("{where} 的 components 应为列表").format(where=where))
            else:
                stack.extend((c, f"{where}.components[{i}]", depth + 1) for i, c in enumerate(inner))
    return problems


def _rule_problems(comp: dict) -> list[str]:
    rules = comp.get("validate")
    if not isinstance(rules, dict):
        return []
    found = []
    if "required" in rules and not isinstance(rules["required"], bool):
        found.append(N_("validate.required 应为 true 或 false"))
    for name in ("minLength", "maxLength", "min", "max"):
        if name in rules and rules[name] is not None and (isinstance(rules[name], bool)
                                                          or not isinstance(rules[name], (int, float))):
            found.append(N_("validate.{name} 应为数字").format(name=name))
    if rules.get("validationType") == "phone":
        found.append(N_("validate.validationType 为 phone 时浏览器只接受国际号码，请删除并改用 properties.check = phone"))
    pattern = rules.get("pattern")
    if pattern is not None:
        try:
            if not isinstance(pattern, str):
                raise TypeError
            re.compile(pattern)
        except (TypeError, re.error, RecursionError, OverflowError):
            found.append(N_("validate.pattern 应为合法的正则表达式"))
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
                problems.append(N_("字段 {key} 的显示条件超出支持范围：{condition}").format(key=comp["key"], condition=expr))
    return sorted(set(problems))


# ---- field construction ------------------------------------------------------------------------------------------
class _IsoDate(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return date.fromisoformat(text[:10]).isoformat() if len(text) >= 10 else date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValidationError(N_("日期格式应为 YYYY-MM-DD")) from None


class _IsoDateTime(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return datetime.fromisoformat(text).isoformat()
        except ValueError:
            raise ValidationError(N_("日期时间格式不正确")) from None


class _Phone(fields.String):
    """Stored in one spelling whatever the clerk typed (app/services/runtime/phones.py); empty stays empty."""
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text.strip():
            return text
        normalised = normalise_phone(text)
        if normalised is None:
            raise ValidationError(PHONE_MESSAGE)
        return normalised


class _Number(fields.Number):
    num_type = float

    def _format_num(self, value):
        if isinstance(value, bool):
            raise ValidationError(NOT_A_NUMBER)
        number = float(value)
        return int(number) if number.is_integer() else number


def _field(comp: dict, required: bool) -> fields.Field:
    rules = comp.get("validate") or {}
    kind = comp["type"]
    common = {"required": required, "allow_none": not required,
              "error_messages": {"required": REQUIRED_MSG, "null": REQUIRED_MSG, "invalid": N_("格式不正确")}}
    validators = []
    options = [v.get("value") for v in comp.get("values") or []]
    if kind in ("textfield", "textarea"):
        if "minLength" in rules:
            validators.append(_worded(validate.Length(min=rules["minLength"]), N_("至少 {count} 个字"), count=rules["minLength"]))
        if "maxLength" in rules:
            validators.append(_worded(validate.Length(max=rules["maxLength"]), N_("最多 {count} 个字"), count=rules["maxLength"]))
        if rules.get("pattern"):
            validators.append(validate.Regexp(rules["pattern"], error=comp.get("properties", {}).get(
                "patternMessage", N_("格式不正确"))))
        if rules.get("validationType") == "email":
            validators.append(validate.Email(error=N_("电子邮箱格式不正确")))
        check = (comp.get("properties") or {}).get("check")
        if check in CHECKS:
            validators.append(_checksum(CHECKS[check]))
        return (_Phone if check == "phone" else fields.String)(validate=validators, **common)
    if kind == "number":
        if "min" in rules:
            validators.append(_worded(validate.Range(min=rules["min"]), N_("不能小于 {limit}"), limit=rules["min"]))
        if "max" in rules:
            validators.append(_worded(validate.Range(max=rules["max"]), N_("不能大于 {limit}"), limit=rules["max"]))
        common["error_messages"]["invalid"] = NOT_A_NUMBER
        return _Number(validate=validators, **common)
    if kind in ("select", "radio"):
        if options:
            validators.append(validate.OneOf(options, error=N_("请从列表中选择")))
        return fields.Raw(validate=validators, **common)
    if kind == "checkbox":
        common["error_messages"]["invalid"] = N_("应为是或否")
        return fields.Boolean(truthy={True}, falsy={False}, **common)
    if kind in ("checklist", "taglist"):
        inner = fields.Raw(validate=validate.OneOf(options, error=N_("包含不在列表中的选项"))) if options else fields.Raw()
        if required:
            validators.append(validate.Length(min=1, error=REQUIRED_MSG))
        return fields.List(inner, validate=validators, **common)
    if kind == "datetime":
        return (_IsoDate if comp.get("subtype", "date") == "date" else _IsoDateTime)(**common)
    raise ValueError(kind)


def _worded(validator, template: str, **params):
    """`validator` failing with a Text, not marshmallow's finished string, so the surface renders the message with its
    numbers in the user's language."""
    def run(value):
        try:
            validator(value)
        except ValidationError:
            raise ValidationError([Text(template, **params)]) from None
    return run


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
        raise Invalid(NOT_AN_OBJECT)
    bad_keys = [k for k in submitted if not isinstance(k, str) or k.startswith("_")]
    if bad_keys:
        raise Invalid(UNDERSCORE_KEYS, fields={k: KEY_NOT_ALLOWED for k in bad_keys})
    comps = {c["key"]: (c, conditions) for c, conditions in _inputs_with_conditions(form, ())}
    unknown = [k for k in submitted if k not in comps]
    if unknown:
        raise Invalid(N_("表单中没有这些字段"), fields={k: N_("表单中没有此字段") for k in unknown})
    visible = {k: c for k, (c, conditions) in comps.items()
               if not any(hidden(expr, submitted) for expr in conditions)
               and not c.get("readonly") and not c.get("disabled")}
    schema = _schema(form, visible, partial)
    try:
        cleaned = schema.load({k: v for k, v in submitted.items() if k in visible}, partial=partial)
    except ValidationError as err:
        raise Invalid(N_("表单填写有误，请按提示修改"), fields=_messages(err)) from None
    return cleaned


def validate_fields(components: dict[str, dict], values: dict) -> dict:
    """Cleaned values for some fields alone (a supervisor's correction of a case), each checked by the rule its
    submission would be: type, options, dates, lengths, patterns, checksums; a required field may not be emptied."""
    schema = Schema.from_dict({k: _field(components[k], required=bool((components[k].get("validate") or {})
                                                                         .get("required"))) for k in values})()
    try:
        return schema.load(values)
    except ValidationError as err:
        raise Invalid(N_("变量填写有误，请按提示修改"), fields=_messages(err)) from None


def _messages(err: ValidationError) -> dict:
    return {k: (v[0] if isinstance(v, list) and v and isinstance(v[0], (str, Text)) else str(v))
            for k, v in err.messages.items()}
