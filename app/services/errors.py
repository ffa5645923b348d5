"""Errors a service raises for the caller to show: a code and a message template with parameters (app/i18n.py).
No HTTP status here: each surface maps the kind to its own answer (`app/api/errors.py`, the pages, the CLI)."""
from __future__ import annotations

from app.i18n import Text, render


class ServiceError(Exception):
    code = "bad_request"

    def __init__(self, message: str | Text, fields: dict | None = None, code: str | None = None,
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
    code = "bad_request"


class Unauthorized(ServiceError):
    code = "unauthorized"


class Forbidden(ServiceError):
    code = "forbidden"


class NotFound(ServiceError):
    code = "not_found"


class Conflict(ServiceError):
    code = "conflict"


class Invalid(ServiceError):
    code = "validation_failed"


class TooLarge(ServiceError):
    code = "payload_too_large"


class UnsupportedType(ServiceError):
    code = "unsupported_media_type"


class TooManyAttempts(ServiceError):
    code = "too_many_attempts"
