"""Chinese telephone numbers as clerks type them, reduced to one stored spelling.

The one rule set for every phone field (`"properties": {"check": "phone"}`): the browser does not check phone
numbers (form-js's own "phone" validationType wants international E.164 numbers), so what is accepted and how it is
stored is decided here only, and the page shows this module's message at the field.

Accepted, with any spaces or dashes between the groups and full-width characters allowed:
- mobile 1[3-9]xxxxxxxxx, optionally after +86 / 0086 / 86          -> "13912345678"
- landline 0 + area code + 7–8 digit number, optionally "(025)", "+86 25", and an extension
  "转123" / "分机123" / "ext 123" / "-123"                           -> "025-12345678", "025-12345678-123"
- 400 / 800 service numbers                                         -> "400-123-4567"
Area codes: 010 and 02x have two digits after the 0, all others (03xx–09xx) three, so the split is never ambiguous.
"""
from __future__ import annotations

import re
import unicodedata

from app.i18n import N_

PHONE_MESSAGE = N_("电话号码格式不正确：手机号为 11 位，座机请加区号，如 025-12345678")

_SEP = r"[\s\-]*"
_MOBILE = re.compile(r"(?:\+?86|0086)?(1[3-9]\d{9})")
_LANDLINE = re.compile(
    r"(?:(?:\+|00)86" + _SEP + r"\(?0?|\(?0)"           # +86 25… / 0086-025… / 025… / (025)…
    r"(10|2\d|[3-9]\d{2})\)?" + _SEP +                 # area code without its 0
    r"([1-9]\d{2,3})[\s\-]?(\d{4})"                    # 7 or 8 digits, at most one separator inside
    r"(?:" + _SEP + r"(?:转|分机|ext\.?|x|#)" + _SEP + r"(\d{1,6})|\s*-\s*(\d{1,6}))?",
    re.IGNORECASE)
_SERVICE = re.compile(r"([48]00)" + _SEP + r"(\d{3})" + _SEP + r"(\d{4})")


def normalise_phone(value: str) -> str | None:
    """The stored spelling of `value`, or None if it is not a Chinese phone number."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    mobile = _MOBILE.fullmatch(re.sub(r"[\s\-]", "", text))
    if mobile:
        return mobile.group(1)
    landline = _LANDLINE.fullmatch(text)
    if landline:
        area, head, tail, ext_word, ext_dash = landline.groups()
        ext = ext_word or ext_dash
        return f"0{area}-{head}{tail}" + (f"-{ext}" if ext else "")
    service = _SERVICE.fullmatch(text)
    if service:
        return "-".join(service.groups())
    return None
