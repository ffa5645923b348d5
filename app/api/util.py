"""Reading request bodies and query strings through the schemas the view's contract declares (app/api/contract.py)."""
from __future__ import annotations

from flask import request

from app.api.contract import declared
from app.i18n import N_
from app.services.errors import BadRequest


def body() -> dict:
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest(N_("请求体应为 JSON（Content-Type: application/json）"))
    if not isinstance(data, dict):
        raise BadRequest(N_("请求体应为 JSON 对象"))
    return declared().body().load(data)


def query() -> dict:
    return declared().query().load(request.args.to_dict())
