"""What the services tell a user is a Chinese catalogue template: no "中文 / English" pairs in their modules, and every
template has an English translation with the same placeholders (app/i18n.py)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "app" / "services"
PO = ROOT / "app" / "web" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
CATALOGUE = {m.id: m.string for m in read_po(PO.open("rb")) if m.id}
MODULES = ["design/*.py", "supervision/*.py", "reporting/*.py", "admin/*.py", "people/access.py"]
PAIR = re.compile(r"[\u4e00-\u9fff][^\"'\n]* / [a-zA-Z]")   # a Chinese message with its English half beside it


def english(template: str) -> str:
    """The English of a template, as a surface's gettext gives it (the template itself when missing)."""
    return CATALOGUE.get(template) or template


def sources(pattern: str) -> list[Path]:
    return sorted(SERVICES.glob(pattern))


@pytest.mark.parametrize("modules", MODULES)
def test_no_message_carries_its_english_beside_it(modules):
    found = [f"{path.name}: {line.strip()}" for path in sources(modules)
             for line in path.read_text(encoding="utf-8").split('"""', 2)[-1].splitlines() if PAIR.search(line)]
    assert found == []


@pytest.mark.parametrize("modules", MODULES)
def test_every_template_has_english_with_the_same_placeholders(modules):
    templates = {message for path in sources(modules) for _line, message, _comments, _context
                 in extract_from_file("python", str(path), keywords={"N_": None})}
    assert templates
    assert sorted(t for t in templates if not CATALOGUE.get(t)) == []
    names = re.compile(r"\{(\w*)\}")
    assert sorted(t for t in templates if set(names.findall(t)) != set(names.findall(CATALOGUE[t]))) == []
