"""Who may repair a case: supervisors, 司法局 staff and administrators, for cases inside the area they supervise
(`people.access.supervision_org_ids`). Staff get a 403 whether the case exists or not; a case outside the scope is
a 404, as if it did not exist."""
from __future__ import annotations

from sqlalchemy.orm import Session

from app.i18n import N_
from app.models import ProcessInstance, User
from app.services.errors import NotFound
from app.services.people import access


def scoped_instance(session: Session, user: User, instance_id: int) -> ProcessInstance:
    scope = access.supervision_org_ids(session, user)
    inst = session.get(ProcessInstance, instance_id)
    if inst is None or inst.organisation_id not in scope:
        raise NotFound(N_("案件不存在或不在您的督办范围内（编号 {id}）"), id=instance_id)
    return inst


def in_scope(user: User, instance_id: int):
    """The check a repair gives the unit of work: the case lies in `user`'s scope."""
    return lambda session: scoped_instance(session, user, instance_id)
