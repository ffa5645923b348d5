"""Who is calling: a Bearer token (API clients) or the signed session of the web pages (which holds a token too)."""
from __future__ import annotations

import secrets
from functools import wraps

from flask import g, request, session

from app import db
from app.services.people import accounts as people
from app.services.errors import Forbidden, Unauthorized


def current_token() -> str | None:
    """The Bearer token, or the web session's token. A cookie-authenticated change must carry the page's CSRF token,
    so another site cannot make a signed-in browser act."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip() or None
    token = session.get("token")
    if token and request.method not in ("GET", "HEAD", "OPTIONS"):
        sent = request.headers.get("X-CSRF-Token", "")
        if not sent or not secrets.compare_digest(sent, session.get("csrf", "")):
            raise Forbidden("页面已过期，请刷新后重试 / missing or wrong CSRF token")
    return token


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        token = current_token()
        if not token:
            raise Unauthorized("请先登录 / authentication required")
        with db.transaction(write=False) as s:
            g.user = people.user_for_token(s, token)
        return view(*args, **kwargs)
    return wrapper
