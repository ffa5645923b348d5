"""Flask application factory (surfaces only: the API and pages call services, never the engine)."""
from __future__ import annotations

from flask import Flask, jsonify, redirect
from sqlalchemy import text

from app import db


def create_app() -> Flask:
    app = Flask(__name__)
    app.json.ensure_ascii = False

    @app.get("/api/v1/health")
    def health():
        with db.transaction(write=False) as session:
            session.execute(text("SELECT 1"))
        return jsonify({"status": "ok", "service": "解纷 Jiefen"})

    @app.get("/")
    def index():
        return redirect("/api/v1/health")

    return app
