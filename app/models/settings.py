"""Administrator-editable configuration: time-limit overrides and the working-day calendar for years the library lacks."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Setting(Base):
    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)  # e.g. "time_limits.mediation.accept_days"
    value: Mapped[dict]
    updated_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime]


class WorkdayOverride(Base):
    __tablename__ = "workday_override"
    day: Mapped[date] = mapped_column(primary_key=True)
    is_workday: Mapped[bool]
    note: Mapped[str] = mapped_column(String(200), default="")
    updated_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime]
