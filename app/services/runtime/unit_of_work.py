"""The one way a write happens: `run(act, …)`.

open the transaction → (refresh the working-day calendar) → check the actor's permission → lock the instance and
check its version → act (restore, change, `uow.save`) → commit → deliver the outbox collected on the way.

The permission check runs inside the transaction but before the instance is locked, so someone without authority
learns nothing from a 404 or 409 about whether the case exists or changed. Checks that decide on a row read under the
lock (may this user act on this task?) are called by the act itself, from the same permission modules.

Messages thrown by a command are delivered only after it committed, each in its own unit of work, by the function
registered with `deliver_outbox_with` (the runtime package registers `messages.deliver_outbox`): so commands need
not import the message service, and a failing receiver never undoes the thrower."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy.orm import Session

from app import db
from app.engine.errors import Incident
from app.engine.runtime import Runtime
from app.models import ProcessInstance
from app.services.admin import settings
from app.services.runtime import commands

T = TypeVar("T")
_delivery: list[Callable[[list[int]], None]] = []


@dataclass
class UnitOfWork:
    """What an act works with: the session, the locked instance (if one was asked for), the outbox so far."""
    session: Session
    instance: ProcessInstance | None = None
    outbox: list[int] = field(default_factory=list)

    def restore(self) -> Runtime:
        return commands.restore(self.session, self.instance)

    def save(self, rt: Runtime, actor: str, action: str, detail: dict, incident: Incident | None = None,
             completed_task_id: str | None = None, inst: ProcessInstance | None = None) -> commands.Saved:
        """`commands.save` for the locked instance (or `inst`); what it threw joins the outbox."""
        saved = commands.save(self.session, inst or self.instance, rt, actor, action, detail, incident, completed_task_id)
        self.outbox += saved.outbox
        return saved

    def audit(self, actor: str, action: str, instance_id: int | None = None, task_id: str | None = None,
              detail: dict | None = None) -> None:
        commands.audit(self.session, actor, action, instance_id, task_id, detail or {})


def run(act: Callable[[UnitOfWork], T], *, check: Callable[[Session], None] | None = None, instance=None,
        expected_version: int | None = None, not_found: str | None = None, calendar: bool = False) -> T:
    """Run `act` as one unit of work and return its result. `instance` (an id, or a scalar subquery giving one) is
    locked and version-checked before `act` (`not_found`: the message if it does not exist); `check(session)` is the permission check; `calendar` refreshes the
    working-day overrides first (for acts that compute due dates)."""
    with db.transaction() as session:
        uow = UnitOfWork(session)
        if calendar:
            settings.refresh_calendar(session)
        if check is not None:
            check(session)
        if instance is not None:
            uow.instance = commands.lock_instance(session, instance, expected_version, not_found)
        result = act(uow)
    deliver(uow.outbox)
    return result


def deliver_outbox_with(deliver_fn: Callable[[list[int]], None]) -> None:
    """Register the function that delivers committed messages (one: registering again replaces it)."""
    _delivery[:] = [deliver_fn]


def deliver(message_ids: list[int]) -> None:
    """Deliver committed messages now. Without a registered deliverer they stay `pending` for the worker."""
    if message_ids and _delivery:
        _delivery[0](message_ids)
