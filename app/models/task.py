"""The task projection: every user task an instance has shown. The inbox is a query over this table only."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Task(Base):
    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_inbox", "status", "candidate_role", "organisation_id", "due_at", "assignee_id"),
        Index("ix_task_assignee", "assignee_id", "status"),
        Index("ix_task_completed_by", "completed_by", "completed_at"),
        Index("ix_task_status_due", "status", "due_at"),
        Index("ix_task_due", "due_at"),
        Index("ix_task_process_element", "process_key", "element_id", "created_at"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the SpiffWorkflow task id
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    process_key: Mapped[str] = mapped_column(String(100))  # copied from the instance: inbox filters need no join
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(100))
    candidate_role: Mapped[str | None] = mapped_column(String(40))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    status: Mapped[str] = mapped_column(String(20))  # a TaskState (app/vocabulary.py)
    due_at: Mapped[datetime | None]
    priority: Mapped[int] = mapped_column(default=0)
    form_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(80))
    data: Mapped[dict | None]  # what the user submitted
    draft: Mapped[dict | None]  # 暂存: saved but not submitted
