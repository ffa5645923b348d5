"""Users, passwords (argon2) and API tokens (random, stored only as a SHA-256 hash)."""
from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import defaultdict, deque
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import db
from app.engine import clock
from app.models import ApiToken, Organisation, Role, User, UserRole
from app.services.errors import NotFound, TooManyAttempts, Unauthorized

_hasher = PasswordHasher()
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
                raise TooManyAttempts("登录失败次数过多，请 5 分钟后再试 / too many failed logins, try again later")

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
    """Issue a token (one transaction), refusing after too many failures from the same address for that user."""
    key = f"{client_address}|{username}"
    LIMITER.check(key)
    try:
        with db.transaction() as session:
            token, user = issue_token(session, username, password)
    except Unauthorized:
        LIMITER.fail(key)
        raise
    LIMITER.reset(key)
    return token, user


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def user_by_username(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"用户不存在：{username} / unknown user")
    return user


def org_names(session: Session, ids: set) -> dict:
    """{organisation id: {"code", "name"}} for the ids given (one query), as lists and tables show units."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {oid: {"code": code, "name": name} for oid, code, name in
            session.execute(select(Organisation.id, Organisation.code, Organisation.name).where(Organisation.id.in_(ids)))}


def org_by_code(session: Session, code: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.code == code))
    if org is None:
        raise NotFound(f"机构不存在：{code} / unknown organisation")
    return org


def role_code_for_lane(session: Session, lane: str | None) -> str | None:
    """A lane names a role by its Chinese name or its code."""
    if not lane:
        return None
    return session.scalar(select(Role.code).where((Role.name == lane) | (Role.code == lane)))


def lane_roles(session: Session) -> list[dict]:
    """The roles a lane may name (by code or Chinese name), for the designer's lane picker."""
    return [{"code": r.code, "name": r.name} for r in session.scalars(select(Role).order_by(Role.code))]


def create_user(session: Session, username: str, display_name: str, password: str, org: Organisation,
                roles: list[str]) -> User:
    user = User(username=username, display_name=display_name, password_hash=hash_password(password),
                organisation_id=org.id, created_at=clock.now())
    user.roles = [UserRole(role_code=r) for r in roles]
    session.add(user)
    session.flush()
    return user


def issue_token(session: Session, username: str, password: str) -> tuple[str, User]:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not verify_password(user, password):
        raise Unauthorized("用户名或密码错误 / wrong username or password")
    token = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(ApiToken(user_id=user.id, token_hash=_digest(token), created_at=now, expires_at=now + TOKEN_LIFETIME))
    return token, user


def user_for_token(session: Session, token: str) -> User:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= clock.now():
        raise Unauthorized("登录已失效，请重新登录 / token invalid or expired")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise Unauthorized("账号已停用 / account disabled")
    return user


def revoke_token(session: Session, token: str) -> None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = clock.now()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
