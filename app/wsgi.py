"""Flask application factory (surfaces only: the API and pages call services, never the engine)."""
from __future__ import annotations

import os
import secrets
from datetime import date, datetime

from flask import Flask, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext

from app import config


class JiefenJSON(DefaultJSONProvider):
    """ISO 8601 dates (Flask's default is RFC 822) and Chinese left readable."""
    ensure_ascii = False

    @staticmethod
    def default(value):
        if isinstance(value, (datetime, date)):
            return value.isoformat()
        return DefaultJSONProvider.default(value)


def _secret_key() -> str:
    key = os.environ.get("JIEFEN_SECRET_KEY")
    if key:
        return key
    path = config.INSTANCE_DIR / "secret_key"
    config.INSTANCE_DIR.mkdir(exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app() -> Flask:
    app = Flask(__name__)
    app.json = JiefenJSON(app)
    app.config.update(SECRET_KEY=_secret_key(), MAX_CONTENT_LENGTH=12 * 1024 * 1024,
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    from app.api import api
    from app.api.errors import HTTP_MESSAGES, error_response
    from app.web import i18n, web
    i18n.init_app(app)
    app.register_blueprint(api)
    app.register_blueprint(web)

    @app.errorhandler(400)
    @app.errorhandler(404)
    @app.errorhandler(405)
    @app.errorhandler(413)
    def _routing_error(err):
        """Routing errors happen before the blueprint: API paths answer in the API's shape, pages with the Chinese
        error page (a page's own message, e.g. an expired form, is kept)."""
        if request.path.startswith("/api/"):
            return error_response(err.code, err.name.lower().replace(" ", "_"), HTTP_MESSAGES[err.code])
        own = err.description if err.description != type(err).description else None
        return render_template("error.html", message=own or gettext(HTTP_MESSAGES[err.code])), err.code

    return app
