"""The reach of a user: the organisations in which they act as a role (supervisory roles reach down the organisation
tree) and the ones they supervise. The rules built on it live beside what they guard: `runtime.permissions` (starting
cases, tasks), `supervision.permissions` (repairs in scope), `design.permissions` (designers)."""
from __future__ import annotations
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.i18n import N_
from app.models import Organisation, Role, Task, User, UserRole
from app.services.errors import Forbidden
from app.vocabulary import SUPERVISORS, RoleCode


_TREE_TTL = 60.0
_trees: dict[int, tuple[float, dict, frozenset]] = {}  # per database: (loaded at, children, supervisory roles)


def _tree(session: Session) -> tuple[dict, frozenset]:
    """The organisation tree and the supervisory roles, re-read at most once a minute (they change rarely, and every
    inbox request needs them)."""
    key = id(session.get_bind())
    cached = _trees.get(key)
    if cached is None or time.monotonic() - cached[0] > _TREE_TTL:
        children: dict[int | None, list[int]] = {}
        for oid, parent in session.execute(select(Organisation.id, Organisation.parent_id)):
            children.setdefault(parent, []).append(oid)
        roles = frozenset(session.scalars(select(Role.code).where(Role.supervisory.is_(True))))
        cached = (time.monotonic(), children, roles)
        _trees[key] = cached
    return cached[1], cached[2]


def forget_tree() -> None:
    _trees.clear()


def descendant_ids(session: Session, org_id: int) -> set[int]:
    """The organisation and everything below it."""
    children, _roles = _tree(session)
    found, stack = set(), [org_id]
    while stack:
        oid = stack.pop()
        if oid not in found:
            found.add(oid)
            stack.extend(children.get(oid, []))
    return found


def supervisory_roles(session: Session) -> frozenset[str]:
    return _tree(session)[1]


def visible_org_ids(session: Session, user: User, role: str) -> set[int]:
    """Organisations in which `user` acts as `role`: its own, plus the subtree for a supervisory role or admin."""
    if RoleCode.ADMIN in user.role_codes:
        return descendant_ids(session, user.organisation_id)
    if role not in user.role_codes:
        return set()
    if role in supervisory_roles(session):
        return descendant_ids(session, user.organisation_id)
    return {user.organisation_id}


def ancestor_ids(session: Session, org_id: int | None) -> set[int]:
    """The organisation and every one above it: the units whose subtree holds it."""
    children, _roles = _tree(session)
    parent = {child: p for p, kids in children.items() for child in kids}
    found = set()
    while org_id is not None and org_id not in found:
        found.add(org_id)
        org_id = parent.get(org_id)
    return found


def eligible_holders(session: Session, task: Task) -> list[dict]:
    """The active users who may hold `task` (its role reaches its organisation; a task without a role stays in its
    unit), the task's own unit first, by name: the list the supervisor's 改派 offers and the rule it checks."""
    query = select(User).where(User.active.is_(True), User.organisation_id.in_(ancestor_ids(session, task.organisation_id)))
    if task.candidate_role:
        query = query.where(User.roles.any(UserRole.role_code.in_([task.candidate_role, RoleCode.ADMIN])))
    else:
        query = query.where(User.organisation_id == task.organisation_id)
    users = [u for u in session.scalars(query)
             if not task.candidate_role or task.organisation_id in visible_org_ids(session, u, task.candidate_role)]
    users.sort(key=lambda u: (u.organisation_id != task.organisation_id, u.organisation_id, u.display_name, u.username))
    return [{"username": u.username, "display_name": u.display_name, "organisation": u.organisation.name}
            for u in users]


def can_supervise(user: User) -> bool:
    """Only supervisors, 司法局 staff and administrators supervise."""
    return bool(user.role_codes & SUPERVISORS)


def supervision_org_ids(session: Session, user: User) -> set[int]:
    """Organisations whose cases `user` may supervise: the subtree of the user's organisation, or of the area it gives
    业务指导 to (a 区司法局 supervises the whole 区)."""
    if not can_supervise(user):
        raise Forbidden(N_("您没有督办权限（需要督办领导、司法局或系统管理员角色）"))
    org = user.organisation
    return descendant_ids(session, org.supervision_scope_id or org.id)
