"""Who is calling: a Bearer token (API clients) or the signed session of the web pages (which holds a token too)."""
from __future__ import annotations

from functools import wraps

from flask import g, request, session

from app import db
from app.services import people
from app.services.errors import Unauthorized


def current_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip() or None
    return session.get("token")


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
