"""What the sandbox raises. Every class is an ordinary `Exception`, so SpiffWorkflow puts the task in ERROR and the
incident records str(err): a finished Chinese message (the templates are in `messages`)."""
from __future__ import annotations


class SandboxError(Exception):
    """Base of everything the sandbox itself raises."""


class ScriptRejected(SandboxError):
    """The source does not compile under the sandbox policy, or the code tried something the sandbox forbids."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


class ScriptTimeout(SandboxError):
    """The call ran past its wall-clock deadline."""


class ScriptResourceLimit(SandboxError):
    """An operation would have produced a value (or used memory) beyond the sandbox limits."""
