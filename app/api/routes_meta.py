"""For operators and API clients: the health check and the OpenAPI document."""
from __future__ import annotations

from flask import jsonify
from sqlalchemy import text

from app import db
from app.api import api, contract, responses as r
from app.api.contract import contract as declare
from app.i18n import N_


@api.get("/health")
@declare(N_("健康检查"), r.Health, errors=(), public=True)
def health():
    with db.transaction(write=False) as s:
        s.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})


@api.get("/openapi.json")
def openapi():
    return jsonify(contract.document())
