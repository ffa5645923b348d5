"""Chinese by default, English on request (flask-babel). The English catalogue is compiled from its .po at start-up,
so a fresh checkout needs no extra build step."""
from __future__ import annotations

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import session
from flask_babel import Babel

from app.i18n import CATALOGUES, DEFAULT_LANGUAGE

LANGUAGES = (DEFAULT_LANGUAGE, "en")


def compile_catalogs() -> None:
    for po_path in CATALOGUES.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            with po_path.open("rb") as po, mo_path.open("wb") as mo:
                write_mo(mo, read_po(po))


def select_locale() -> str:
    """Chinese unless the user chose English with the switch (staff browsers often report en-US)."""
    lang = session.get("lang")
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def init_app(app) -> None:
    compile_catalogs()
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(CATALOGUES)
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LANGUAGE
    Babel(app, locale_selector=select_locale)
