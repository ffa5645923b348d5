"""Engine-level failures, carried up to services as data (element, line, message), never as SpiffWorkflow objects."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Problem:
    """One thing wrong with a diagram or form, located as precisely as we can."""
    message: str
    element_id: str | None = None
    line: int | None = None
    file: str | None = None

    def as_dict(self) -> dict:
        return {"element_id": self.element_id, "line": self.line, "message": self.message, "file": self.file}


@dataclass
class Incident:
    """A failure while running an instance: a script error, a bad expression or an uncaught BPMN error event."""
    message: str
    element_id: str | None = None
    element_name: str | None = None
    line: int | None = None
    task_id: str | None = None
    data: dict = field(default_factory=dict)


class TaskNotOpen(Exception):
    """The task does not exist in the workflow or is not READY any more."""
