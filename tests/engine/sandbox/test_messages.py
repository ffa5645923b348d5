"""What the sandbox tells a designer or clerk: Chinese only, naming what was refused, with English in the catalogue."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from app.engine.sandbox import ScriptRejected, check_source

ROOT = Path(__file__).resolve().parents[3]
PO = ROOT / "app" / "web" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
ENGLISH_FRAGMENTS = ("not allowed", "invalid", "restricted", "reserved", "statement", "Line ")


@pytest.mark.parametrize("source, words", [
    ("x = y.__class__", "第 1 行：不能访问以下划线开头的属性 __class__"),
    ("x = g.gi_frame", "第 1 行：不能访问受限属性 gi_frame"),
    ("exec('x = 1')", "第 1 行：不能调用 exec"),
    ("x = 1\nx.y += 1", "第 2 行：不能对属性或元素使用增量赋值"),
    ("def f(_a):\n    pass", "第 1 行：不能使用以下划线开头的名称 _a"),
    ("try:\n    pass\nexcept Exception as _e:\n    pass", "第 3 行：不能使用以下划线开头的名称 _e"),
    ("x = builtins", "第 1 行：builtins 是保留名称"),
    ("async def f():\n    pass", "第 1 行：不支持 async def 语句"),
    ("import os", "第 1 行：不允许 import"),
    ("class A:\n    pass", "第 1 行：不允许定义类"),
    ("print(1)", "第 1 行：print 不可用"),
    ("x = (", "第 1 行：语法错误"),
    ("return 1", "第 1 行：语法错误"),  # only the compiler checks this one, after the policy
])
def test_compile_refusals_are_chinese_and_name_the_cause(source, words):
    message = check_source(source, "exec")
    assert message.startswith("脚本不允许：") and words in message
    assert " / " not in message and not any(fragment in message for fragment in ENGLISH_FRAGMENTS)


def test_every_refusal_of_a_source_is_listed_with_its_line():
    message = check_source("import os\nx = y._secret", "exec")
    assert message == "脚本不允许：第 1 行：不允许 import，请使用沙箱提供的函数；第 2 行：不能访问以下划线开头的属性 _secret"


def test_runtime_refusal_names_the_attribute(env):
    with pytest.raises(ScriptRejected) as caught:
        env.evaluate("'{0}'.format(1)", {})
    assert str(caught.value) == "脚本不允许访问属性 format"


def test_every_sandbox_and_calendar_message_has_an_english_translation():
    catalogue = {m.id: m.string for m in read_po(PO.open("rb")) if m.id}
    engine = ROOT / "app" / "engine"
    sources = [*sorted((engine / "sandbox").glob("*.py")), engine / "date_helpers.py", engine / "workdays.py"]
    templates = [message for path in sources
                 for _line, message, _comments, _context in extract_from_file("python", str(path), keywords={"N_": None})]
    assert len(templates) > 30
    assert [t for t in templates if not catalogue.get(t)] == []
