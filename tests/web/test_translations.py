"""English is available for every page: each message the pages and views translate has exactly one English entry."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

WEB = Path(__file__).resolve().parents[2] / "app" / "web"
PO = WEB / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def test_every_page_message_has_one_english_translation():
    text = PO.read_text(encoding="utf-8")
    ids = re.findall(r'^msgid "(.*)"$', text, flags=re.M)
    duplicates = sorted({i for i in ids if ids.count(i) > 1 and i})
    assert duplicates == []
    catalogue = {m.id: m.string for m in read_po(PO.open("rb")) if m.id}
    missing = []
    for path in [*WEB.glob("*.py"), *WEB.glob("templates/**/*.html")]:
        method = "jinja2" if path.suffix == ".html" else "python"
        for _line, message, _comments, _context in extract_from_file(method, str(path), keywords={"_": None, "gettext": None}):
            if message and not catalogue.get(message):
                missing.append(f"{path.relative_to(WEB)}: {message}")
    assert missing == []
