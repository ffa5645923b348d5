"""Who may start a case and who may act on, release or hand out a task. The organisation reach these rules build on
(which organisations a user acts in, as which role) is `people.access`."""
from __future__ import annotations

from sqlalchemy.orm import Session

from app.engine.specs import ParsedDefinition
from app.i18n import N_
from app.models import Task, User
from app.services.errors import Forbidden
from app.services.people.access import visible_org_ids
from app.services.runtime.commands import role_for_lane
from app.vocabulary import ASSIGNERS, RoleCode


# ---- starting a case -------------------------------------------------------------------------------------------------
def starter_role(session: Session, parsed: ParsedDefinition) -> str | None:
    """The role whose lane holds the process's none start event (None: anyone signed in may start it)."""
    for spec in parsed.spec.task_specs.values():
        if type(spec).__name__ == "StartEvent" and type(getattr(spec, "event_definition", None)).__name__ == "NoneEventDefinition":
            return role_for_lane(session, spec.lane)
    return None


def may_start(user: User, starter: str | None) -> bool:
    """The one rule for starting a case: hold the starter role (none: anyone), or be an administrator."""
    return not starter or starter in user.role_codes or RoleCode.ADMIN in user.role_codes


def require_can_start(session: Session, user: User, parsed: ParsedDefinition) -> None:
    role = starter_role(session, parsed)
    if not may_start(user, role):
        raise Forbidden(N_("您没有发起此类案件的权限（需要角色 {role}）"), role=role)


# ---- acting on a task --------------------------------------------------------------------------------------------------
def can_act_on_task(session: Session, user: User, task: Task) -> bool:
    if task.assignee_id is not None:
        return task.assignee_id == user.id or RoleCode.ADMIN in user.role_codes
    if task.candidate_role is None:
        return RoleCode.ADMIN in user.role_codes
    return task.organisation_id in visible_org_ids(session, user, task.candidate_role)


def require_task_access(session: Session, user: User, task: Task) -> None:
    if not can_act_on_task(session, user, task):
        raise Forbidden(N_("您无权办理此任务"))


def require_can_release(user: User, task: Task) -> None:
    """A claimed task goes back to the pool by its assignee, or by someone who may hand tasks out."""
    if task.assignee_id != user.id and not (user.role_codes & ASSIGNERS):
        raise Forbidden(N_("只能退回自己签收的任务"))


def require_assigner(user: User) -> None:
    if not user.role_codes & ASSIGNERS:
        raise Forbidden(N_("只有机关负责人或督办领导可以指派任务"))


def require_assign_scope(session: Session, user: User, task: Task) -> None:
    """An assigner hands out tasks of the organisations they head or supervise (an administrator: any)."""
    if task.organisation_id not in visible_org_ids(session, user, next(iter(user.role_codes & ASSIGNERS))) \
            and RoleCode.ADMIN not in user.role_codes:
        raise Forbidden(N_("此任务不在您的管辖范围内"))
