"""Reading request bodies and query strings through marshmallow schemas."""
from __future__ import annotations

from flask import request

from app.services.errors import BadRequest


def body(schema_cls) -> dict:
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest("请求体应为 JSON（Content-Type: application/json） / body must be JSON")
    if not isinstance(data, dict):
        raise BadRequest("请求体应为 JSON 对象 / body must be a JSON object")
    return schema_cls().load(data)


def query(schema_cls) -> dict:
    return schema_cls().load(request.args.to_dict())
