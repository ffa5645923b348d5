"""Messages below the surfaces: services and the engine write what a user reads as a Chinese template with named
parameters (`N_("案件不存在（编号 {id}）")`), never as finished text and never with English beside it. A surface renders
it in the user's language through the translation catalogue (`app/web/translations`, Chinese msgid → English), so
the catalogue is the only place English lives. Nothing here imports Flask: the engine and the CLI use it too."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from babel.messages.pofile import read_po

DEFAULT_LANGUAGE = "zh"
CATALOGUES = Path(__file__).resolve().parent / "web" / "translations"


def N_(template: str) -> str:
    """Mark a template for the catalogue (extracted like `_`); returns it unchanged."""
    return template


class Text:
    """A template and its parameters, rendered late: in Chinese by default, in English by a surface's `gettext`."""

    __slots__ = ("template", "params")

    def __init__(self, template: str, **params):
        self.template = template
        self.params = params

    def render(self, gettext: Callable[[str], str] | None = None) -> str:
        template = gettext(self.template) if gettext else self.template
        params = {k: (v.render(gettext) if isinstance(v, Text) else v) for k, v in self.params.items()}
        return template.format(**params) if params else template

    def __str__(self) -> str:
        return self.render()


def render(value, gettext: Callable[[str], str] | None = None):
    """`value` with every Text in it (nested in dicts and lists too) rendered; a plain string that is a catalogue
    entry (an N_ message without parameters) is translated too."""
    if isinstance(value, Text):
        return value.render(gettext)
    if isinstance(value, str):
        return gettext(value) if gettext and value else value
    if isinstance(value, dict):
        return {k: render(v, gettext) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, gettext) for v in value]
    return value


def translator(language: str) -> Callable[[str], str]:
    """The catalogue's gettext for `language` outside a request (the CLI; the pages use flask-babel's): Chinese, the
    default, is the msgid itself, as is any message the catalogue lacks."""
    po = CATALOGUES / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LANGUAGE or not po.is_file():
        return lambda message: message
    with po.open("rb") as f:
        catalogue = {m.id: m.string for m in read_po(f) if m.id and m.string}
    return lambda message: catalogue.get(message, message)
