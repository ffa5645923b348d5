"""Errors a service raises for the caller to show: a code and a message template with parameters (app/i18n.py).
No HTTP status here: each surface maps the kind to its own answer (`app/api/errors.py`, the pages, the CLI)."""
from __future__ import annotations

from enum import StrEnum

from app.i18n import Text, render


class ErrorCode(StrEnum):
    """Every code a client may see in `{"error": {"code": ...}}`: the kinds below, and the finer codes a service
    gives a particular refusal so a client can react to it."""
    BAD_REQUEST = "bad_request"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    VALIDATION_FAILED = "validation_failed"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    INTERNAL_ERROR = "internal_error"
    STALE_VERSION = "stale_version"  # the row changed since the client read it
    STALE_BASE = "stale_base"  # a draft started from a version that is no longer the latest
    WRONG_STATUS = "wrong_status"  # the instance's status does not allow the command
    INSTANCE_NOT_RUNNING = "instance_not_running"
    TASK_NOT_OPEN = "task_not_open"
    CLAIMED_BY_OTHER = "claimed_by_other"
    ASSIGNEE_NOT_ELIGIBLE = "assignee_not_eligible"
    DUPLICATE_BUSINESS_KEY = "duplicate_business_key"
    NO_RECEIVER = "no_receiver"  # no instance waits for the message
    BATCH_TOO_LARGE = "batch_too_large"
    COUNT_MISMATCH = "count_mismatch"  # a batch repair confirmed with a different number of cases
    INVALID_JSON = "invalid_json"


class ServiceError(Exception):
    code = ErrorCode.BAD_REQUEST

    def __init__(self, message: str | Text, fields: dict | None = None, code: ErrorCode | None = None,
                 details: list | None = None, **params):
        self.text = message if isinstance(message, Text) else Text(message, **params)
        super().__init__(self.text.render())
        self.fields = fields or {}
        self.details = details or []
        if code:
            self.code = code

    @property
    def message(self) -> str:
        """The message in Chinese (the default language)."""
        return self.text.render()

    def render(self, gettext=None) -> dict:
        """Message, fields and details in the user's language."""
        return {"message": self.text.render(gettext), "fields": render(self.fields, gettext),
                "details": render(self.details, gettext)}


class BadRequest(ServiceError):
    code = ErrorCode.BAD_REQUEST


class Unauthorized(ServiceError):
    code = ErrorCode.UNAUTHORIZED


class Forbidden(ServiceError):
    code = ErrorCode.FORBIDDEN


class NotFound(ServiceError):
    code = ErrorCode.NOT_FOUND


class Conflict(ServiceError):
    code = ErrorCode.CONFLICT


class Invalid(ServiceError):
    code = ErrorCode.VALIDATION_FAILED


class TooLarge(ServiceError):
    code = ErrorCode.PAYLOAD_TOO_LARGE


class UnsupportedType(ServiceError):
    code = ErrorCode.UNSUPPORTED_MEDIA_TYPE


class TooManyAttempts(ServiceError):
    code = ErrorCode.TOO_MANY_ATTEMPTS
