"""Who is calling, and the CSRF rule: one module for both HTTP surfaces (the JSON API and the pages).

A caller is known by a Bearer token (API clients) or by the token kept in the signed session cookie (the pages, and
the pages' own calls to the API). A change made with the cookie must carry the session's CSRF token (form field
`csrf` or header `X-CSRF-Token`), so another site cannot make a signed-in browser act; a Bearer token needs none, as
no browser sends it on its own. The API answers a missing sign-in with a 401 error, the pages redirect to the login."""
from __future__ import annotations

import secrets
from functools import wraps

from flask import g, redirect, request, session, url_for

from app import db
from app.i18n import N_
from app.services.errors import BadRequest, Forbidden, ServiceError, Unauthorized
from app.services.people import sessions

CSRF_EXPIRED = N_("页面已过期，请刷新后重试")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def csrf_token() -> str:
    """The session's CSRF token, made on first use (pages put it in a form field and a meta tag)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def check_csrf(refusal: type[ServiceError] = BadRequest) -> None:
    """Refuse (a page's expired form: 400; the API: 403) unless the request carries the session's CSRF token."""
    sent = request.form.get("csrf") or request.headers.get("X-CSRF-Token", "")
    if not sent or not secrets.compare_digest(sent, session.get("csrf", "")):
        raise refusal(CSRF_EXPIRED)


def current_token() -> str | None:
    """The Bearer token, or the session's token (checking the CSRF token of a change made with the cookie)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip() or None
    token = session.get("token")
    if token and request.method not in SAFE_METHODS:
        check_csrf(Forbidden)
    return token


def sign_in(token: str) -> None:
    """Start a fresh page session for a token just issued (a new CSRF token is made on the next page); the language
    chosen before signing in stays."""
    language = session.get("lang")
    session.clear()
    session["token"] = token
    if language:
        session["lang"] = language


def sign_out() -> None:
    """End the page session and revoke its token."""
    token = session.pop("token", None)
    if token:
        sessions.sign_out(token)


def _load_user(token: str) -> None:
    with db.transaction(write=False) as s:
        g.user = sessions.user_for_token(s, token)


def login_required(view):
    """API views: the caller's user in `g.user`, or a 401 error."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        token = current_token()
        if not token:
            raise Unauthorized(N_("请先登录"))
        _load_user(token)
        return view(*args, **kwargs)
    return wrapper


def page_login_required(view):
    """Pages: the signed-in user in `g.user`, or a redirect to the login page (which comes back here)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not _page_signed_in():
            return redirect(url_for("web.login", next=request.full_path))
        return view(*args, **kwargs)
    return wrapper


def _page_signed_in() -> bool:
    """Whether the session holds a valid token (an expired or revoked one is dropped)."""
    token = session.get("token")
    if not token:
        return False
    try:
        _load_user(token)
    except Unauthorized:
        session.pop("token", None)
        return False
    return True
