"""The catalogue is the only place English lives: every message marked anywhere in app/ (pages, API, services, engine,
CLI) has exactly one English entry with the same placeholders, and no "中文 / English" pair is written into the code."""
from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

APP = Path(__file__).resolve().parents[1] / "app"
PO = APP / "web" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "N_": None}
PAIR = re.compile(r"[\u4e00-\u9fff][^\"'\n]*\s/\s[A-Za-z]")
PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*|\d*)(?:![rsa])?(?::[^{}\s]*)?\}")  # str.format fields, not "{名称: 数字}"
PYTHON = sorted(p for p in APP.rglob("*.py") if "migrations" not in p.parts)
TEMPLATES = sorted((APP / "web" / "templates").rglob("*.html"))


@functools.cache
def catalogue() -> dict[str, str]:
    return {m.id: m.string for m in read_po(PO.open("rb")) if m.id}


def english(template: str) -> str:
    """A surface's gettext for English, for tests that render a message: the template itself when it has none."""
    return catalogue().get(template) or template


def test_each_msgid_once():
    ids = re.findall(r'^msgid "(.*)"$', PO.read_text(encoding="utf-8"), flags=re.M)
    assert sorted({i for i in ids if i and ids.count(i) > 1}) == []


def test_every_marked_message_has_english_with_the_same_placeholders():
    english = catalogue()
    marked = [(path, message) for path, method in [*((p, "python") for p in PYTHON), *((p, "jinja2") for p in TEMPLATES)]
              for _line, message, _comments, _context in extract_from_file(method, str(path), keywords=KEYWORDS)
              if message and isinstance(message, str)]
    assert len(marked) > 700
    assert [f"{p.relative_to(APP)}: {m}" for p, m in marked if not english.get(m)] == []
    assert [f"{p.relative_to(APP)}: {m}" for p, m in marked if english.get(m)
            and set(PLACEHOLDER.findall(m)) != set(PLACEHOLDER.findall(english[m]))] == []


def test_no_chinese_english_pair_is_written_in_the_code():
    pairs = [f"{path.relative_to(APP)}:{node.lineno}" for path in PYTHON
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Constant) and isinstance(node.value, str) and PAIR.search(node.value)]
    pairs += [f"{path.relative_to(APP)}:{n}" for path in TEMPLATES
              for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if PAIR.search(line)]
    assert pairs == []
