"""Small helpers shared by service tests."""
from __future__ import annotations

from sqlalchemy import select

from app import db
from app.models import AuditEvent, Organisation, ProcessInstance, Task


def open_task(summary: dict, element_id: str) -> dict:
    matches = [t for t in summary["open_tasks"] if t["element_id"] == element_id]
    assert matches, f"{element_id} not open; open: {[t['element_id'] for t in summary['open_tasks']]}"
    return matches[0]


def instance(instance_id: int) -> ProcessInstance:
    with db.transaction(write=False) as s:
        return s.get(ProcessInstance, instance_id)


def tasks_of(instance_id: int) -> list[Task]:
    with db.transaction(write=False) as s:
        return list(s.scalars(select(Task).where(Task.instance_id == instance_id).order_by(Task.created_at)))


def org_code(org_id: int) -> str:
    with db.transaction(write=False) as s:
        return s.scalar(select(Organisation.code).where(Organisation.id == org_id))


def audit_actions(instance_id: int) -> list[str]:
    with db.transaction(write=False) as s:
        return list(s.scalars(select(AuditEvent.action).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)))


def variables(instance_id: int) -> dict:
    from app.services.runtime import commands
    with db.transaction(write=False) as s:
        inst = s.get(ProcessInstance, instance_id)
        return commands.restore(s, inst).current_data()
