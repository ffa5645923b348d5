"""Signing in and out, the language switch, and what every page template may use (labels, CSRF token, times)."""
from __future__ import annotations

from flask import g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from app.i18n import render
from app.auth import check_csrf, csrf_token, sign_in, sign_out
from app.services.errors import ServiceError
from app.services.inbox import pages
from app.services.people import sessions
from app.vocabulary import InstanceStatus, TaskState, role_label, status_label, task_state_label
from app.web import web
from app.web.i18n import LANGUAGES


@web.app_context_processor
def _globals():
    return {"csrf_token": csrf_token, "current_user": g.get("user"), "lang": session.get("lang", "zh"),
            "status_label": lambda s: _(status_label(s)), "role_label": lambda r: _(role_label(r)),
            "task_state_label": lambda s: _(task_state_label(s)), "InstanceStatus": InstanceStatus,
            "TaskState": TaskState,
            "fmt_time": pages.local_time, "say": lambda value: render(value, _)}


# ---- login -------------------------------------------------------------------------------------------------------
@web.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        check_csrf()
        try:
            token, _user = sessions.login(request.form.get("username", "").strip(), request.form.get("password", ""),
                                        request.remote_addr)
        except ServiceError as err:
            error = err.render(_)["message"]
        else:
            sign_in(token)
            target = request.args.get("next") or ""
            return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("web.inbox_page"))
    return render_template("login.html", error=error), (401 if error else 200)


@web.post("/logout")
def logout():
    check_csrf()
    sign_out()
    return redirect(url_for("web.login"))


@web.get("/lang/<code>")
def set_language(code: str):
    if code in LANGUAGES:
        session["lang"] = code
    back = request.referrer or ""
    return redirect(back if back.startswith(request.host_url) else url_for("web.inbox_page"))


@web.get("/")
def home():
    return redirect(url_for("web.inbox_page"))
