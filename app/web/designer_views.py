"""Designer pages (流程设计): process list, modeler, form editor, version compare and instance migration.

The pages are shells: the browser reads and writes through the designer JSON API (/api/v1) with the session cookie and
the page's CSRF token, so the page and any API client see exactly the same rules. Only designers and administrators
may open them; everyone else gets the 403 page."""
from __future__ import annotations

from functools import wraps

from flask import g, render_template, request

from app import db
from app.auth import page_login_required
from app.i18n import N_
from app.services.design import permissions
from app.services.people import accounts as people
from app.services.design.drafts import KEY_PATTERN  # a process key or a form key: the same pattern everywhere
from app.services.errors import NotFound
from app.web import web


@web.app_context_processor
def _designer_globals():
    user = g.get("user")
    return {"can_design": bool(user and permissions.may_design(user))}


def designer_required(view):
    """Under @page_login_required: everyone but designers and administrators gets the 403 page."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        permissions.require_designer(g.user)
        return view(*args, **kwargs)
    return wrapper


def _checked_key(key: str) -> str:
    if not KEY_PATTERN.match(key):
        raise NotFound(N_("没有这个流程或表单"))
    return key


def _lane_roles() -> list[dict]:
    """Roles a lane may name (a lane's name is the role's Chinese name)."""
    with db.transaction(write=False) as s:
        return people.lane_roles(s)


@web.get("/designer")
@page_login_required
@designer_required
def designer_list():
    return render_template("designer/list.html")


@web.get("/designer/<key>")
@page_login_required
@designer_required
def designer_modeler(key: str):
    return render_template("designer/modeler.html", key=_checked_key(key), roles=_lane_roles())


@web.get("/designer/forms/<key>")
@page_login_required
@designer_required
def designer_form_editor(key: str):
    process = request.args.get("process", "")
    return render_template("designer/form_editor.html", form_key=_checked_key(key),
                           process=process if KEY_PATTERN.match(process) else "")


@web.get("/designer/<key>/compare")
@page_login_required
@designer_required
def designer_compare(key: str):
    return _two_versions_page("designer/compare.html", key)


@web.get("/designer/<key>/migrate")
@page_login_required
@designer_required
def designer_migrate(key: str):
    return _two_versions_page("designer/migrate.html", key)


def _two_versions_page(template: str, key: str):
    """Compare and migrate both work on a pair of versions, preselected by ?from=&to= (the page picks when absent)."""
    return render_template(template, key=_checked_key(key),
                           from_version=request.args.get("from", type=int), to_version=request.args.get("to", type=int))
