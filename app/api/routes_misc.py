"""Process definitions, messages, health and the OpenAPI document."""
from __future__ import annotations

from flask import g, jsonify
from sqlalchemy import text

from app import db
from app.api import api, contract, responses as r
from app.auth import login_required
from app.api.contract import contract as declare
from app.api.schemas import MessageRequest
from app.api.util import body
from app.i18n import N_
from app.services.inbox import cases
from app.services.runtime import messages


@api.get("/health")
@declare(N_("健康检查"), r.Health, errors=(), public=True)
def health():
    with db.transaction(write=False) as s:
        s.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})


@api.get("/openapi.json")
def openapi():
    return jsonify(contract.document())


@api.get("/process-definitions")
@declare(N_("已部署的流程"), r.Definition(many=True), errors=(401,))
@login_required
def list_definitions():
    with db.transaction(write=False) as s:
        return jsonify(cases.definitions(s))


@api.post("/messages")
@declare(N_("发送消息"), r.Delivered, body=MessageRequest)
@login_required
def send_message():
    data = body()
    cases.require_can_message(g.user, data["name"], data["correlation"])
    return jsonify(messages.send(data["name"], data["correlation"], data["payload"], g.user))
