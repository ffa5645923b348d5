"""The pages are a surface: they call services only. No module under app/web may import the storage layer, SQL, the
engine, the other surface (the JSON API) or SpiffWorkflow."""
from __future__ import annotations

import ast
from pathlib import Path

import app.web

FORBIDDEN = ("sqlalchemy", "app.models", "app.engine", "app.api", "SpiffWorkflow")
WEB = Path(app.web.__file__).parent


def forbidden_imports(source: str) -> list[str]:
    """Every imported module name (with `from app import x` read as app.x) that falls in a forbidden package."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return sorted({n for n in names if any(n == f or n.startswith(f + ".") for f in FORBIDDEN)})


def test_the_check_sees_every_form_of_import():
    source = ("import sqlalchemy.orm\nfrom app import models, db\nfrom app.engine.workdays import calendar\n"
              "from app.api.schemas import CaseFilter\nimport SpiffWorkflow\nfrom app.services import inbox\n"
              "from app.apis import x\n")
    assert forbidden_imports(source) == ["SpiffWorkflow", "app.api.schemas", "app.api.schemas.CaseFilter",
                                         "app.engine.workdays", "app.engine.workdays.calendar", "app.models",
                                         "sqlalchemy.orm"]


def test_pages_import_services_only():
    modules = sorted(WEB.rglob("*.py"))
    assert {p.name for p in modules} >= {"session_views.py", "inbox_views.py", "designer_views.py", "stats_views.py", "supervision_views.py"}
    found = {str(p.relative_to(WEB)): bad for p in modules
             if (bad := forbidden_imports(p.read_text(encoding="utf-8")))}
    assert found == {}
