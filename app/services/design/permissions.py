"""Who may design: reading versions, drafts and forms, validating, deploying, migrating and attaching scenarios are
for process designers and administrators only."""
from __future__ import annotations

from app.i18n import N_
from app.models import User
from app.services.errors import Forbidden
from app.vocabulary import DESIGNERS


def may_design(user: User) -> bool:
    return bool(user.role_codes & DESIGNERS)


def require_designer(user: User) -> None:
    if not may_design(user):
        raise Forbidden(N_("您没有设计或部署流程（需要流程设计员或系统管理员角色）的权限"))


def designer(user: User):
    """The check a design write gives the unit of work."""
    return lambda _session: require_designer(user)
