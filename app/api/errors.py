"""Every error leaves the API in one shape, with a Chinese message a clerk can act on."""
from __future__ import annotations

import logging

from flask import jsonify, request
from marshmallow import ValidationError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from app.api import api
from app.services.errors import ServiceError

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
        return error_response(400, "bad_request", "请求中含有不允许的控制字符 / NUL characters are not allowed")
    return None


@api.errorhandler(ServiceError)
def _service_error(err: ServiceError):
    return error_response(err.status, err.code, err.message, err.fields, err.details)


@api.errorhandler(ValidationError)
def _validation_error(err: ValidationError):
    fields = {k: (v[0] if isinstance(v, list) and v and isinstance(v[0], str) else str(v)) for k, v in err.messages.items()} \
        if isinstance(err.messages, dict) else {}
    return error_response(422, "validation_failed", "请求参数不正确，请按提示修改 / invalid request", fields)


@api.errorhandler(StaleDataError)
def _stale(_err):
    return error_response(409, "stale_version", "案件已被他人更新，请刷新后重试 / the case changed meanwhile")


@api.errorhandler(HTTPException)
def _http_error(err: HTTPException):
    status = err.code or 500
    return error_response(status, (err.name or "error").lower().replace(" ", "_"), HTTP_MESSAGES.get(status, err.description))


@api.errorhandler(Exception)
def _unexpected(err: Exception):
    log.exception("unexpected API error")
    return error_response(500, "internal_error", "系统内部错误，已记录，请稍后重试或联系管理员 / internal error")
