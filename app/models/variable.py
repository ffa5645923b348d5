"""Searchable copies of the instance variables supervisors filter on (the workflow state itself is opaque JSON)."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class InstanceVariable(Base):
    __tablename__ = "instance_variable"
    # PostgreSQL also has ix_instance_variable_prefix (name, value varchar_pattern_ops) INCLUDE (instance_id) for
    # prefix searches, created by migration 0005 only there (SQLite's LIKE cannot use it).
    __table_args__ = (Index("ix_instance_variable_name_value", "name", "value"),)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))
