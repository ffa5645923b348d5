"""marshmallow speaking to a clerk: fields, a schema base and validators with Chinese N_ templates (marshmallow's own
{placeholders}) in place of its English defaults, for every input schema (the API's, the supervisor's search filters).
Validators answer with a `Text`, so each surface renders the message through the catalogue, with no translation table."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from app.i18n import N_, Text

_FIELD = {"required": N_("此项为必填项"), "null": N_("不能为空"), "validator_failed": N_("格式不正确")}


class Strict(Schema):
    """Request bodies and query strings: unknown keys are refused."""
    error_messages = {"unknown": N_("不允许的字段"), "type": N_("格式不正确")}

    class Meta:
        unknown = RAISE


class String(fields.String):
    default_error_messages = {**_FIELD, "invalid": N_("应为文本"), "invalid_utf8": N_("应为文本")}


class Integer(fields.Integer):
    default_error_messages = {**_FIELD, "invalid": N_("应为整数"), "too_large": N_("数值过大")}


class Boolean(fields.Boolean):
    default_error_messages = {**_FIELD, "invalid": N_("应为 true 或 false")}


class Date(fields.Date):
    default_error_messages = {**_FIELD, "invalid": N_("日期格式应为 YYYY-MM-DD")}


class Dict(fields.Dict):
    default_error_messages = {**_FIELD, "invalid": N_("应为 JSON 对象")}


class List(fields.List):
    default_error_messages = {**_FIELD, "invalid": N_("应为列表")}


class Nested(fields.Nested):
    default_error_messages = {**_FIELD, "type": N_("应为 JSON 对象")}


# Validators: `_format_error` returns a one-item list, which ValidationError keeps as it is (a bare Text would not be).
class Length(validate.Length):
    message_min = N_("长度不能少于 {min}")
    message_max = N_("长度不能超过 {max}")
    message_all = N_("长度应为 {min} 到 {max}")
    message_equal = N_("长度应为 {equal}")

    def _format_error(self, value, message):
        return [Text(self.error or message, input=value, min=self.min, max=self.max, equal=self.equal)]


class Range(validate.Range):
    """Inclusive bounds only (all the API has): the message follows from which bounds are set."""
    RANGE, AT_LEAST, AT_MOST = N_("应在 {min} 到 {max} 之间"), N_("不能小于 {min}"), N_("不能大于 {max}")

    def _format_error(self, value, message):
        template = self.RANGE if self.min is not None and self.max is not None else \
            self.AT_MOST if self.min is None else self.AT_LEAST
        return [Text(self.error or template, input=value, min=self.min, max=self.max)]


class OneOf(validate.OneOf):
    default_message = N_("可选值：{choices}")

    def __init__(self, choices, labels=None, *, error: str | None = None, separator: str = ", "):
        super().__init__(choices, labels, error=error)
        self.choices_text = separator.join(str(choice) for choice in self.choices)

    def _format_error(self, value):
        return [Text(self.error, input=value, choices=self.choices_text, labels=self.labels_text)]
