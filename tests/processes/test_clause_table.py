"""docs/clauses.md must stay true: the tests it names exist, every scenario test is named in it, the identifiers in
its element column exist in the diagram (or its forms and limits), and every configured time limit is listed."""
from __future__ import annotations

import ast
import json
import re

import pytest

from app import config
from app.demo.people import USERS

DOC = (config.ROOT / "docs" / "clauses.md").read_text(encoding="utf-8")
PROCESSES = ["mediation", "compensation", "petition_to_review"]


def section(key: str) -> str:
    start = DOC.index(f"(`processes/{key}.bpmn`")
    following = [DOC.find(f"(`processes/{k}.bpmn`", start + 1) for k in PROCESSES]
    ends = [i for i in following if i > start]
    return DOC[start:min(ends)] if ends else DOC[start:]


def scenario_test_names(key: str) -> set[str]:
    names = set()
    for path in (config.ROOT / "tests" / "processes").glob(f"test_*{key}.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names |= {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}
    return names


@pytest.mark.parametrize("key", PROCESSES)
def test_named_tests_exist_and_every_scenario_is_named(key):
    text = section(key)
    named = set(re.findall(r"\btest_[a-z0-9_]+", text)) - {f"test_{key}", f"test_walk_{key}"}
    existing = scenario_test_names(key)
    assert named - existing == set(), f"named in docs/clauses.md but missing: {sorted(named - existing)}"
    scenario_tests = {n for n in existing if n != "test_random_walks"}
    assert scenario_tests - named == set(), f"tests not traced in docs/clauses.md: {sorted(scenario_tests - named)}"


@pytest.mark.parametrize("key", PROCESSES)
def test_element_column_names_real_things(key):
    corpus = (config.PROCESSES_DIR / f"{key}.bpmn").read_text(encoding="utf-8")
    corpus += "".join(p.read_text(encoding="utf-8") for p in config.FORMS_DIR.glob(f"{key.split('_')[0]}*.json"))
    corpus += (config.ROOT / "app" / "defaults" / "time_limits" / f"{key}.json").read_text(encoding="utf-8")
    rows = [line.split("|") for line in section(key).splitlines() if line.startswith("| ") and line.count("|") >= 4]
    people = {u[0] for u in USERS}
    unknown = set()
    for cells in rows:
        for token in re.findall(r"`([a-z][a-z0-9_]*)`", cells[2]):
            if token not in corpus and token not in people and not token.startswith("test_"):
                unknown.add(token)
    assert not unknown, f"identifiers in docs/clauses.md that the diagram, forms and limits do not have: {sorted(unknown)}"


@pytest.mark.parametrize("key", PROCESSES)
def test_every_time_limit_is_listed(key):
    limits = json.loads((config.ROOT / "app" / "defaults" / "time_limits" / f"{key}.json").read_text(encoding="utf-8"))
    missing = [name for name in limits if f"| `{key}` | `{name}` |" not in DOC]
    assert not missing, f"time limits missing from docs/clauses.md: {missing}"
