"""What an administrator changes: a time limit of a process, a working day of the calendar. Each change is one
audited unit of work."""
from __future__ import annotations

from app.engine import clock
from app.engine.workdays import to_date
from app.i18n import N_, Text
from app.models import Setting, WorkdayOverride
from app.services.admin import settings
from app.services.errors import Invalid, NotFound
from app.services.runtime import unit_of_work
from app.services.runtime.unit_of_work import UnitOfWork


def set_workday(day, is_workday: bool, note: str, actor: str) -> WorkdayOverride:
    """Record an official 放假/调休 day for a year the library lacks (or correct one); audited; takes effect at once
    here and within 30 s in other processes."""
    return unit_of_work.run(lambda uow: _set_workday(uow, to_date(day), is_workday, note, actor))


def _set_workday(uow: UnitOfWork, day, is_workday: bool, note: str, actor: str) -> WorkdayOverride:
    session = uow.session
    row = session.get(WorkdayOverride, day) or WorkdayOverride(day=day)
    before = None if row.updated_at is None else {"is_workday": row.is_workday, "note": row.note}
    row.is_workday, row.note, row.updated_by, row.updated_at = is_workday, note[:200], actor, clock.now()
    session.add(row)
    uow.audit(actor, "set_workday", None, None, {"day": day.isoformat(), "before": before,
                                                 "after": {"is_workday": is_workday, "note": note}})
    session.flush()
    settings.refresh_calendar(session, force=True)
    return row


def set_time_limit(process_key: str, name: str, value, actor: str) -> None:
    """Override a configured time limit for cases started from now on (running cases keep theirs)."""
    unit_of_work.run(lambda uow: _set_time_limit(uow, process_key, name, value, actor))


def _set_time_limit(uow: UnitOfWork, process_key: str, name: str, value, actor: str) -> None:
    session = uow.session
    defaults = settings.default_limits(process_key)
    if name not in defaults:
        raise NotFound(N_("流程 {key} 没有名为 {name} 的期限（可选：{choices}）"), key=process_key, name=name,
                       choices="、".join(defaults) or Text(N_("无")))
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise Invalid(N_("期限必须是非负整数"), fields={"value": N_("必须是非负整数")})
    key = f"time_limits.{process_key}.{name}"
    row = session.get(Setting, key)
    before = row.value["value"] if row else defaults[name]["value"]
    if row is None:
        row = Setting(key=key)
        session.add(row)
    row.value, row.updated_by, row.updated_at = {"value": value}, actor, clock.now()
    uow.audit(actor, "set_time_limit", None, None, {"key": key, "before": before, "after": value})
