"""Every error leaves the API in one shape, with a Chinese message a clerk can act on."""
from __future__ import annotations

import logging
import re

from flask import jsonify, request
from flask_babel import gettext
from marshmallow import ValidationError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from app.api import api
from app.http import status_of
from app.services.errors import ErrorCode, ServiceError

log = logging.getLogger("jiefen.api")

HTTP_MESSAGES = {
    400: "请求格式不正确 / malformed request", 401: "请先登录 / authentication required", 403: "无权执行此操作 / forbidden",
    404: "请求的资源不存在 / not found", 405: "不支持此请求方法 / method not allowed", 409: "操作冲突，请刷新后重试 / conflict",
    413: "上传内容过大 / payload too large", 415: "请以 JSON 提交 / unsupported media type", 422: "数据校验未通过 / validation failed",
    429: "操作过于频繁，请稍后再试 / too many requests",
}


def error_response(status: int, code: str, message: str, fields: dict | None = None, details: list | None = None):
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    if details:
        body["error"]["details"] = details
    return jsonify(body), status


@api.before_request
def _refuse_nul_bytes():
    """PostgreSQL cannot store NUL in text: refuse it at the edge with a 400 instead of failing deep inside."""
    if "\x00" in request.path or any("\x00" in k + v for k, v in request.args.items(multi=True)) \
            or b"\\u0000" in request.get_data(cache=True) or b"\x00" in request.get_data(cache=True):
        return error_response(400, ErrorCode.BAD_REQUEST, "请求中含有不允许的控制字符 / NUL characters are not allowed")
    return None


@api.errorhandler(ServiceError)
def _service_error(err: ServiceError):
    shown = err.render(gettext)
    return error_response(status_of(err), err.code, shown["message"], shown["fields"], shown["details"])


MARSHMALLOW_MESSAGES = {  # marshmallow's own messages for fields that set none, as a clerk reads them
    "Not a valid mapping type.": "应为 JSON 对象 / must be an object", "Not a valid integer.": "应为整数 / must be an integer",
    "Not a valid string.": "应为文本 / must be text", "Not a valid list.": "应为列表 / must be a list",
    "Not a valid boolean.": "应为 true 或 false / must be a boolean", "Not a valid date.": "日期格式应为 YYYY-MM-DD / invalid date",
    "Unknown field.": "不允许的字段 / unknown field", "Missing data for required field.": "此项为必填项 / required",
    "Field may not be null.": "不能为空 / may not be null", "Invalid input type.": "格式不正确 / invalid value",
}


MARSHMALLOW_PATTERNS = [  # validators' messages with values in them
    (re.compile(r"Must be one of: (.*)\.$"), "可选值：{0} / must be one of {0}"),
    (re.compile(r"Must be greater than or equal to (\S+) and less than or equal to (\S+?)\.$"), "应在 {0} 到 {1} 之间 / out of range"),
    (re.compile(r"Must be greater than or equal to (\S+?)\.$"), "不能小于 {0} / too small"),
    (re.compile(r"Must be less than or equal to (\S+?)\.$"), "不能大于 {0} / too large"),
    (re.compile(r"Length must be between (\d+) and (\d+)\.$"), "长度应为 {0} 到 {1} / wrong length"),
    (re.compile(r"Shorter than minimum length (\d+)\.$"), "长度不能少于 {0} / too short"),
    (re.compile(r"Longer than maximum length (\d+)\.$"), "长度不能超过 {0} / too long"),
]


def _chinese(message: str) -> str:
    if message in MARSHMALLOW_MESSAGES:
        return MARSHMALLOW_MESSAGES[message]
    for pattern, text in MARSHMALLOW_PATTERNS:
        found = pattern.match(message)
        if found:
            return text.format(*found.groups())
    return message


def _flat(messages, prefix: str = "") -> dict:
    """Nested marshmallow messages as {"forms.0": "应为 JSON 对象 / …"}: one readable line per field."""
    if isinstance(messages, list):
        texts = [m for m in messages if isinstance(m, str)]
        if texts:
            return {prefix: _chinese(texts[0])}
        out: dict = {}
        for m in messages:
            out.update(_flat(m, prefix))
        return out
    if isinstance(messages, dict):
        out = {}
        for key, value in messages.items():
            out.update(_flat(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: _chinese(str(messages))}


@api.errorhandler(ValidationError)
def _validation_error(err: ValidationError):
    fields = _flat(err.messages) if isinstance(err.messages, dict) else {}
    return error_response(422, ErrorCode.VALIDATION_FAILED, "请求参数不正确，请按提示修改 / invalid request", fields)


@api.errorhandler(StaleDataError)
def _stale(_err):
    return error_response(409, ErrorCode.STALE_VERSION, "案件已被他人更新，请刷新后重试 / the case changed meanwhile")


@api.errorhandler(HTTPException)
def _http_error(err: HTTPException):
    status = err.code or 500
    return error_response(status, (err.name or "error").lower().replace(" ", "_"), HTTP_MESSAGES.get(status, err.description))


@api.errorhandler(Exception)
def _unexpected(err: Exception):
    log.exception("unexpected API error")
    return error_response(500, ErrorCode.INTERNAL_ERROR, "系统内部错误，已记录，请稍后重试或联系管理员 / internal error")
