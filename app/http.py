"""What the two HTTP surfaces (the JSON API and the pages) share: the status each kind of service error answers with."""
from __future__ import annotations

from app.services.errors import (BadRequest, Conflict, Forbidden, Invalid, NotFound, ServiceError, TooLarge,
                                 TooManyAttempts, Unauthorized, UnsupportedType)

STATUS = {BadRequest: 400, Unauthorized: 401, Forbidden: 403, NotFound: 404, Conflict: 409, TooLarge: 413,
          UnsupportedType: 415, Invalid: 422, TooManyAttempts: 429}


def status_of(err: ServiceError) -> int:
    return next((status for kind, status in STATUS.items() if isinstance(err, kind)), 400)
