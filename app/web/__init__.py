"""Server-rendered pages for staff (Chinese, English available). Pages read through services; the form itself is
rendered in the browser by @bpmn-io/form-js and submitted to the JSON API with the session's CSRF token."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_from_directory

from app import config

web = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/static/web")

VENDOR = {  # url prefix -> folder in node_modules (only these files are served)
    "form-js": config.ROOT / "node_modules" / "@bpmn-io" / "form-js" / "dist",
    "bpmn-js": config.ROOT / "node_modules" / "bpmn-js" / "dist",
}


@web.get("/vendor/<lib>/<path:filename>")
def vendor(lib: str, filename: str):
    folder = VENDOR.get(lib)
    if folder is None or not Path(filename).suffix in (".js", ".css", ".woff", ".woff2", ".svg", ".map"):
        abort(404)
    return send_from_directory(folder, filename, max_age=86400)


from app.web import session_views  # noqa: E402,F401  (sign-in, language, page globals)
from app.web import inbox_views  # noqa: E402,F401  (staff pages)
from app.web import designer_views  # noqa: E402,F401  (designer pages)
from app.web import stats_views  # noqa: E402,F401  (统计报送 pages)
from app.web import supervision_views  # noqa: E402,F401  (督办 pages)
