"""Server-rendered pages for staff (Chinese, English available). Pages read through services; the form itself is
rendered in the browser by @bpmn-io/form-js and submitted to the JSON API with the session's CSRF token."""
from __future__ import annotations

import secrets
from functools import wraps
from pathlib import Path

from flask import Blueprint, abort, g, redirect, request, send_from_directory, session, url_for

from app import config, db
from app.services.people import accounts as people
from app.services.errors import Unauthorized

web = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/static/web")

VENDOR = {  # url prefix -> folder in node_modules (only these files are served)
    "form-js": config.ROOT / "node_modules" / "@bpmn-io" / "form-js" / "dist",
    "bpmn-js": config.ROOT / "node_modules" / "bpmn-js" / "dist",
}


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def check_csrf() -> None:
    sent = request.form.get("csrf") or request.headers.get("X-CSRF-Token")
    if not sent or not secrets.compare_digest(sent, session.get("csrf", "")):
        abort(400, description="页面已过期，请刷新后重试 / form expired, reload the page")


def page_login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        token = session.get("token")
        if not token:
            return redirect(url_for("web.login", next=request.full_path))
        try:
            with db.transaction(write=False) as s:
                g.user = people.user_for_token(s, token)
        except Unauthorized:
            session.pop("token", None)
            return redirect(url_for("web.login", next=request.full_path))
        return view(*args, **kwargs)
    return wrapper


@web.get("/vendor/<lib>/<path:filename>")
def vendor(lib: str, filename: str):
    folder = VENDOR.get(lib)
    if folder is None or not Path(filename).suffix in (".js", ".css", ".woff", ".woff2", ".svg", ".map"):
        abort(404)
    return send_from_directory(folder, filename, max_age=86400)


from app.web import views  # noqa: E402,F401  (register routes)
from app.web import designer_views  # noqa: E402,F401  (designer pages)
from app.web import stats_views  # noqa: E402,F401  (统计报送 pages)
from app.web import supervision_views  # noqa: E402,F401  (督办 pages)
