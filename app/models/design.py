"""Work in progress of a process designer: one draft per process key (diagram and the forms edited with it), saved
from the modeler and form editor before anything is deployed. Optimistic lock: a save from a stale page is a 409."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class DesignDraft(Base):
    __tablename__ = "design_draft"
    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), unique=True)
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict]  # {form_key: form-js JSON}
    base_version: Mapped[int | None]  # the deployed version the draft started from; None for a new process
    updated_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class ProcessScenario(Base):
    """A scenario file a designer attached to a process in the designer (the shipped ones live in
    processes/scenarios/<key>/); run together with them by the designer and `jiefen test-process`."""
    __tablename__ = "process_scenario"
    __table_args__ = (UniqueConstraint("process_key", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))  # its file name without .json
    content: Mapped[dict]
    updated_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime]
