"""Login (token issue) and logout (revoke). Failed logins are rate limited per user name and client address."""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from flask import jsonify, request

from app import db
from app.api import api
from app.api.auth import current_token, login_required
from app.api.schemas import TokenRequest
from app.api.util import body
from app.services import people
from app.services.errors import ServiceError, Unauthorized

MAX_FAILURES = 10
WINDOW_SECONDS = 300


class TooManyAttempts(ServiceError):
    status, code = 429, "too_many_attempts"


class _Limiter:
    """Failed attempts per key in a sliding window (per process; enough to stop password guessing at human scale)."""

    def __init__(self):
        self._failures: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        with self._lock:
            window = self._failures[key]
            while window and window[0] < time.monotonic() - WINDOW_SECONDS:
                window.popleft()
            if len(window) >= MAX_FAILURES:
                raise TooManyAttempts("登录失败次数过多，请 5 分钟后再试 / too many failed logins, try again later")

    def fail(self, key: str) -> None:
        with self._lock:
            self._failures[key].append(time.monotonic())

    def reset(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


LIMITER = _Limiter()


def user_json(user) -> dict:
    return {"username": user.username, "display_name": user.display_name, "roles": sorted(user.role_codes),
            "organisation": {"code": user.organisation.code, "name": user.organisation.name}}


def login(username: str, password: str) -> tuple[str, object]:
    key = f"{request.remote_addr}|{username}"
    LIMITER.check(key)
    try:
        with db.transaction() as s:
            token, user = people.issue_token(s, username, password)
    except Unauthorized:
        LIMITER.fail(key)
        raise
    LIMITER.reset(key)
    return token, user


@api.post("/auth/token")
def issue_token():
    data = body(TokenRequest)
    token, user = login(data["username"], data["password"])
    return jsonify({"token": token, "user": user_json(user)}), 201


@api.delete("/auth/token")
@login_required
def revoke_token():
    with db.transaction() as s:
        people.revoke_token(s, current_token())
    return "", 204
