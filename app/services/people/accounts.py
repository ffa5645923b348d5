"""Users, passwords (argon2), organisations and roles: the directory the other services look people up in.
Signing in (tokens) is `sessions`."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.engine import clock
from app.i18n import N_
from app.models import Organisation, Role, User, UserRole
from app.services.errors import NotFound

_hasher = PasswordHasher()


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
        raise NotFound(N_("用户不存在：{username}"), username=username)
    return user


def org_names(session: Session, ids: set) -> dict:
    """{organisation id: {"code", "name"}} for the ids given (one query), as lists and tables show units."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {oid: {"code": code, "name": name} for oid, code, name in
            session.execute(select(Organisation.id, Organisation.code, Organisation.name).where(Organisation.id.in_(ids)))}


def display_names(session: Session, usernames: set = frozenset(), ids: set = frozenset()) -> dict:
    """{username: display name} and {user id: display name} in one dict for everyone given (one query), so pages
    name people as colleagues know them, never by their sign-in name."""
    usernames, ids = {u for u in usernames if u}, {i for i in ids if i}
    if not usernames and not ids:
        return {}
    names = {}
    for uid, username, display in session.execute(select(User.id, User.username, User.display_name).where(
            or_(User.username.in_(usernames), User.id.in_(ids)))):
        names[uid] = names[username] = display or username
    return names


def org_by_code(session: Session, code: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.code == code))
    if org is None:
        raise NotFound(N_("机构不存在：{code}"), code=code)
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
