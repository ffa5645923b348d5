"""Process definitions, messages, health and the OpenAPI document."""
from __future__ import annotations

from flask import g, jsonify
from sqlalchemy import text

from app import db
from app.api import api
from app.auth import login_required
from app.api.openapi import spec
from app.api.schemas import MessageRequest
from app.api.util import body
from app.services.inbox import cases
from app.services.runtime import messages


@api.get("/health")
def health():
    with db.transaction(write=False) as s:
        s.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})


@api.get("/openapi.json")
def openapi():
    return jsonify(spec())


@api.get("/process-definitions")
@login_required
def list_definitions():
    with db.transaction(write=False) as s:
        return jsonify(cases.definitions(s))


@api.post("/messages")
@login_required
def send_message():
    data = body(MessageRequest)
    cases.require_can_message(g.user, data["name"], data["correlation"])
    return jsonify(messages.send(data["name"], data["correlation"], data["payload"], g.user))
