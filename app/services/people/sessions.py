"""Signing in: login (rate limited), API tokens (random, stored only as a SHA-256 hash, expiring), sign-out.
Apart from `accounts` (the directory the runtime looks people up in) because these writes run in the runtime's unit
of work: so the imports stay one-way."""
from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import defaultdict, deque
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.engine import clock
from app.i18n import N_
from app.models import ApiToken, User
from app.services.errors import TooManyAttempts, Unauthorized
from app.services.people.accounts import verify_password
from app.services.runtime.unit_of_work import run

TOKEN_LIFETIME = timedelta(hours=12)
MAX_FAILURES = 10
FAILURE_WINDOW_SECONDS = 300


class LoginLimiter:
    """Failed logins per user name and client address in a sliding window (per process: enough to stop password
    guessing at human scale)."""

    def __init__(self):
        self._failures: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        with self._lock:
            window = self._failures[key]
            while window and window[0] < time.monotonic() - FAILURE_WINDOW_SECONDS:
                window.popleft()
            if len(window) >= MAX_FAILURES:
                raise TooManyAttempts(N_("登录失败次数过多，请 {minutes} 分钟后再试"), minutes=FAILURE_WINDOW_SECONDS // 60)

    def fail(self, key: str) -> None:
        with self._lock:
            self._failures[key].append(time.monotonic())

    def reset(self, key: str | None = None) -> None:
        with self._lock:
            if key is None:
                self._failures.clear()
            else:
                self._failures.pop(key, None)


LIMITER = LoginLimiter()


def login(username: str, password: str, client_address: str | None) -> tuple[str, User]:
    """Issue a token (one unit of work), refusing after too many failures from the same address for that user."""
    key = f"{client_address}|{username}"
    LIMITER.check(key)
    try:
        token, user = run(lambda uow: issue_token(uow.session, username, password))
    except Unauthorized:
        LIMITER.fail(key)
        raise
    LIMITER.reset(key)
    return token, user


def issue_token(session: Session, username: str, password: str) -> tuple[str, User]:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not verify_password(user, password):
        raise Unauthorized(N_("用户名或密码错误"))
    token = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(ApiToken(user_id=user.id, token_hash=_digest(token), created_at=now, expires_at=now + TOKEN_LIFETIME))
    return token, user


def user_for_token(session: Session, token: str) -> User:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= clock.now():
        raise Unauthorized(N_("登录已失效，请重新登录"))
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise Unauthorized(N_("账号已停用"))
    return user


def sign_out(token: str) -> None:
    """Revoke a token (one unit of work); an unknown or already revoked one is left as it is."""
    run(lambda uow: _revoke(uow.session, token))


def _revoke(session: Session, token: str) -> None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = clock.now()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
