"""Random but valid submissions for a form-js form, for random walks: every option of every decision gets chosen."""
from __future__ import annotations

import random
import re
import string
from datetime import date, timedelta

from app.services.runtime.forms import hidden, input_components
from app.services.runtime.idcodes import _CREDIT_ALPHABET, _CREDIT_WEIGHTS, _ID_CHECK, _ID_WEIGHTS


def id_card(rng: random.Random) -> str:
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(20000))
    body = "320706" + born.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
    return body + _ID_CHECK[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS)) % 11]


def credit_code(rng: random.Random) -> str:
    body = "91" + "320706" + "".join(rng.choice(_CREDIT_ALPHABET) for _ in range(9))
    total = sum(_CREDIT_ALPHABET.index(c) * w for c, w in zip(body, _CREDIT_WEIGHTS))
    return body + _CREDIT_ALPHABET[(31 - total % 31) % 31]


def _text(comp: dict, rng: random.Random) -> str:
    rules = comp.get("validate") or {}
    check = (comp.get("properties") or {}).get("check")
    if check == "id_card":
        return id_card(rng)
    if check == "credit_code":
        return credit_code(rng)
    if check == "phone":
        digits = "".join(rng.choice(string.digits) for _ in range(7))   # in the stored spelling: walks compare
        return rng.choice(["1380" + digits, "0518-8" + digits, "025-8888" + digits[:4]])  # stored to submitted
    if rules.get("validationType") == "email":
        return "clerk@example.gov.cn"
    low, high = rules.get("minLength", 2), min(rules.get("maxLength", 30), 30)
    value = "测试" + "".join(rng.choice("甲乙丙丁戊己庚辛") for _ in range(max(0, rng.randint(low, max(low, high)) - 2)))
    value = value[:high] if high >= low else value
    if rules.get("pattern") and not re.fullmatch(rules["pattern"], value):
        raise ValueError(f"cannot generate a value for pattern {rules['pattern']} of {comp['key']}")
    return value


def value_for(comp: dict, rng: random.Random, today: date):
    kind = comp["type"]
    rules = comp.get("validate") or {}
    options = [v["value"] for v in comp.get("values") or []]
    if kind in ("select", "radio"):
        return rng.choice(options)
    if kind in ("checklist", "taglist"):
        return rng.sample(options, rng.randint(1, len(options))) if options else []
    if kind == "checkbox":
        return rng.random() < 0.5
    if kind == "number":
        low = rules.get("min", 0)
        high = rules.get("max", low + 100000)
        return round(rng.uniform(low, high), 2) if (comp.get("decimalDigits") or 0) else rng.randint(int(low), int(high))
    if kind == "datetime":
        day = today - timedelta(days=rng.randint(0, 20))
        return day.isoformat() if comp.get("subtype", "date") == "date" else f"{day.isoformat()}T09:30:00+08:00"
    return _text(comp, rng)


def random_submission(form: dict, rng: random.Random, today: date, fixed: dict | None = None) -> dict:
    """Values for every visible field (required ones always, optional ones mostly); `fixed` pins some values."""
    data: dict = {}
    comps = [c for c in input_components(form) if not c.get("readonly") and not c.get("disabled")]
    for comp in comps:
        required = (comp.get("validate") or {}).get("required")
        if fixed and comp["key"] in fixed:
            data[comp["key"]] = fixed[comp["key"]]
        elif required or rng.random() < 0.7:
            data[comp["key"]] = value_for(comp, rng, today)
    # drop fields hidden by the values chosen (repeat: hiding can cascade)
    for _ in range(3):
        data = {k: v for k, v in data.items()
                if not hidden((next(c for c in comps if c["key"] == k).get("conditional") or {}).get("hide"), data)}
    return data
