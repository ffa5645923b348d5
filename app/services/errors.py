"""Errors a service raises for the caller to show: a code, an HTTP status and a Chinese message a clerk understands."""
from __future__ import annotations


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict | None = None, code: str | None = None, details: list | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.details = details or []
        if code:
            self.code = code


class BadRequest(ServiceError):
    status, code = 400, "bad_request"


class Unauthorized(ServiceError):
    status, code = 401, "unauthorized"


class Forbidden(ServiceError):
    status, code = 403, "forbidden"


class NotFound(ServiceError):
    status, code = 404, "not_found"


class Conflict(ServiceError):
    status, code = 409, "conflict"


class Invalid(ServiceError):
    status, code = 422, "validation_failed"


class TooManyAttempts(ServiceError):
    status, code = 429, "too_many_attempts"
