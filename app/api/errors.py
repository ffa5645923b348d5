"""Every error leaves the API in one shape, with a Chinese message a clerk can act on (English through the catalogue
when the user chose English). Validation messages arrive as Chinese templates from app/services/fields.py."""
from __future__ import annotations

import logging

from flask import jsonify, request
from flask_babel import gettext
from marshmallow import ValidationError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from app.api import api
from app.http import status_of
from app.i18n import N_, Text, render
from app.services.errors import ErrorCode, ServiceError

log = logging.getLogger("jiefen.api")

HTTP_MESSAGES = {
    400: N_("请求格式不正确"), 401: N_("请先登录"), 403: N_("无权执行此操作"), 404: N_("请求的资源不存在"),
    405: N_("不支持此请求方法"), 409: N_("操作冲突，请刷新后重试"), 413: N_("上传内容过大"), 415: N_("请以 JSON 提交"),
    422: N_("数据校验未通过"), 429: N_("操作过于频繁，请稍后再试"),
}


def error_response(status: int, code: str, message: str | Text, fields: dict | None = None,
                   details: list | None = None):
    """The error body; `message` and `fields` may still be templates: they are rendered in the user's language."""
    body = {"error": {"code": code, "message": render(message, gettext), "fields": render(fields or {}, gettext)}}
    if details:
        body["error"]["details"] = details
    return jsonify(body), status


@api.before_request
def _refuse_nul_bytes():
    """PostgreSQL cannot store NUL in text: refuse it at the edge with a 400 instead of failing deep inside."""
    if "\x00" in request.path or any("\x00" in k + v for k, v in request.args.items(multi=True)) \
            or b"\\u0000" in request.get_data(cache=True) or b"\x00" in request.get_data(cache=True):
        return error_response(400, ErrorCode.BAD_REQUEST, N_("请求中含有不允许的控制字符"))
    return None


@api.errorhandler(ServiceError)
def _service_error(err: ServiceError):
    shown = err.render(gettext)
    return error_response(status_of(err), err.code, shown["message"], shown["fields"], shown["details"])


def _flat(messages, prefix: str = "") -> dict:
    """Nested marshmallow messages as {"forms.0": <first message>}: one readable line per field."""
    if isinstance(messages, list):
        texts = [m for m in messages if isinstance(m, (str, Text))]
        if texts:
            return {prefix: texts[0]}
        out: dict = {}
        for m in messages:
            out.update(_flat(m, prefix))
        return out
    if isinstance(messages, dict):
        out = {}
        for key, value in messages.items():
            out.update(_flat(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: messages if isinstance(messages, Text) else str(messages)}


@api.errorhandler(ValidationError)
def _validation_error(err: ValidationError):
    fields = _flat(err.messages) if isinstance(err.messages, dict) else {}
    return error_response(422, ErrorCode.VALIDATION_FAILED, N_("请求参数不正确，请按提示修改"), fields)


@api.errorhandler(StaleDataError)
def _stale(_err):
    return error_response(409, ErrorCode.STALE_VERSION, N_("案件已被他人更新，请刷新后重试"))


@api.errorhandler(HTTPException)
def _http_error(err: HTTPException):
    status = err.code or 500
    return error_response(status, (err.name or "error").lower().replace(" ", "_"), HTTP_MESSAGES.get(status, err.description))


@api.errorhandler(Exception)
def _unexpected(err: Exception):
    log.exception("unexpected API error")
    return error_response(500, ErrorCode.INTERNAL_ERROR, N_("系统内部错误，已记录，请稍后重试或联系管理员"))
