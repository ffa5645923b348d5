"""REST API under /api/v1: JSON in and out, marshmallow-validated, errors as {"error": {code, message, fields}}."""
from __future__ import annotations

from flask import Blueprint

api = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import errors, routes_auth, routes_instances, routes_tasks, routes_meta, routes_supervision  # noqa: E402,F401  (register routes)
from app.api import routes_stats  # noqa: E402,F401  (统计报送)
from app.api import routes_designer  # noqa: E402,F401  (流程设计)
