"""Deployed process definitions (immutable, versioned) and running instances."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.vocabulary import InstanceStatus

# Running, no timer, no open task: the few candidates for "stalled" (a subscription check finishes the test).
STALLED = text(f"status = '{InstanceStatus.RUNNING}' AND next_timer_due IS NULL AND open_tasks = 0")


class ProcessDefinition(Base):
    __tablename__ = "process_definition"
    __table_args__ = (UniqueConstraint("key", "version"), Index("ix_process_definition_key_hash", "key", "content_hash"))
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict]  # {form_key: form-js JSON}: the forms travel with the version that uses them
    content_hash: Mapped[str] = mapped_column(String(64))
    deployed_by: Mapped[str] = mapped_column(String(80))
    deployed_at: Mapped[datetime]


class ProcessInstance(Base):
    __tablename__ = "process_instance"
    __table_args__ = (  # PostgreSQL also has ix_process_instance_business_key_prefix (migration 0005)
        UniqueConstraint("process_key", "business_key"),
        Index("ix_process_instance_org_status", "organisation_id", "status"),
        Index("ix_process_instance_started_at", "started_at"),
        Index("ix_process_instance_key_status_started", "process_key", "status", "started_at"),
        Index("ix_process_instance_stalled", "organisation_id", postgresql_where=STALLED, sqlite_where=STALLED),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100))
    business_key: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), index=True)  # an InstanceStatus (app/vocabulary.py)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    started_by: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    state: Mapped[str] = mapped_column(Text)  # SpiffWorkflow state JSON, spec stored by reference
    version: Mapped[int] = mapped_column(default=1)  # bumped by every command; a stale expectation is a conflict
    next_timer_due: Mapped[datetime | None] = mapped_column(index=True)  # for the worker: running instances only
    limit_due: Mapped[datetime | None] = mapped_column(index=True)  # earliest awaited timer, whatever the status
    task_due: Mapped[datetime | None] = mapped_column(index=True)  # earliest due date of its open/suspended tasks
    open_tasks: Mapped[int] = mapped_column(default=0, server_default="0")  # how many tasks are open (0 and no timer: maybe stalled)
    error_element: Mapped[str | None] = mapped_column(String(200))
    error_line: Mapped[int | None]
    error_message: Mapped[str | None] = mapped_column(Text)
    error_task_id: Mapped[str | None] = mapped_column(String(36))
    error_at: Mapped[datetime | None]
    error_data: Mapped[dict | None]  # task data at the failure, for the supervisor's incident view
    awaited_messages: Mapped[list] = mapped_column(default=list)  # mirrors message_subscription, to skip no-op rewrites
    search_values: Mapped[dict] = mapped_column(default=dict)  # mirrors instance_variable, likewise

    __mapper_args__ = {"version_id_col": version}  # UPDATE … WHERE version = :loaded; 0 rows -> StaleDataError
