"""What the two HTTP surfaces (the JSON API and the pages) share: the status each kind of service error answers with,
and file downloads whose names may be Chinese."""
from __future__ import annotations

import os
import re
import unicodedata
from urllib.parse import quote

from flask import Response

from app.services.errors import (BadRequest, Conflict, Forbidden, Invalid, NotFound, ServiceError, TooLarge,
                                 TooManyAttempts, Unauthorized, UnsupportedType)

STATUS = {BadRequest: 400, Unauthorized: 401, Forbidden: 403, NotFound: 404, Conflict: 409, TooLarge: 413,
          UnsupportedType: 415, Invalid: 422, TooManyAttempts: 429}

_UNSAFE_FALLBACK = re.compile(r"[^A-Za-z0-9._()+\- ]+")  # no quote, backslash, semicolon, percent or control char
_RFC5987_SAFE = "!#$&+^`|~"  # attr-chars `quote` would escape (letters, digits and "_.-~" it keeps anyway)


def status_of(err: ServiceError) -> int:
    return next((status for kind, status in STATUS.items() if isinstance(err, kind)), 400)


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII `filename` for old clients and the real name as RFC 5987 `filename*` (RFC 6266).

    A WSGI server sends headers as latin-1, so a Chinese name in a plain `filename=` fails the response (a 500); both
    parameters are built from safe characters only, so no name can end the header or add a parameter of its own."""
    name = "".join(c for c in filename if c.isprintable()).strip() or "download"
    stem, ext = (unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode("ascii")
                 for part in os.path.splitext(name))
    stem, ext = _UNSAFE_FALLBACK.sub("_", stem).strip("_. "), _UNSAFE_FALLBACK.sub("", ext)
    fallback = (stem if re.search(r"[A-Za-z0-9]", stem) else "download") + (ext if len(ext) > 1 else "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe=_RFC5987_SAFE)}"


def download(content: bytes, mimetype: str, filename: str) -> Response:
    """A file the browser saves under `filename` (any language) instead of showing it."""
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": content_disposition(filename)})
