"""Checksums of Chinese identity numbers: 居民身份证号码 (GB 11643) and 统一社会信用代码 (GB 32100)."""
from __future__ import annotations

import re
from datetime import date

from app.i18n import N_

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def id_card_error(value: str) -> str | None:
    if not re.fullmatch(r"\d{17}[\dXx]", value or ""):
        return N_("身份证号码应为 18 位，最后一位可为 X")
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return N_("身份证号码中的出生日期不正确")
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS))
    if _ID_CHECK[total % 11] != value[17].upper():
        return N_("身份证号码校验位不正确，请核对")
    return None


def credit_code_error(value: str) -> str | None:
    value = (value or "").upper()
    if not re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}", value):
        return N_("统一社会信用代码应为 18 位数字或大写字母")
    total = sum(_CREDIT_ALPHABET.index(c) * w for c, w in zip(value[:17], _CREDIT_WEIGHTS))
    expected = _CREDIT_ALPHABET[(31 - total % 31) % 31]
    if value[17] != expected:
        return N_("统一社会信用代码校验位不正确，请核对")
    return None


CHECKS = {"id_card": id_card_error, "credit_code": credit_code_error}
