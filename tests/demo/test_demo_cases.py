"""The demo cases `jiefen seed-demo` adds on a fresh installation: real cases at different steps, created once."""
from __future__ import annotations

import pytest

from app import db
from app.demo import cases as demo_cases
from app.services.supervision import console as supervision
from app.services.errors import Forbidden, Invalid


def test_demo_cases_are_real_and_seeded_once(deploy_process, users, monkeypatch):
    assert demo_cases.seed_demo_cases() == 0  # nothing deployed yet: nothing to seed
    deploy_process("mediation")
    assert demo_cases.seed_demo_cases() == 4
    assert demo_cases.seed_demo_cases() == 0
    with db.transaction(write=False) as s:
        found = supervision.search(s, users["supervisor1"])
        overview = supervision.overview(s, users["supervisor1"])
    steps = sorted(t["element_id"] for case in found["items"] for t in case["open_tasks"])
    assert steps == ["archive_case", "mediation_session", "review_application", "review_application"]
    assert {c["category"]: c["total"] for c in overview["categories"]}["overdue_task"] == 1
    with db.transaction(write=False) as s:
        sup = users["supervisor1"]
        assert [c["applicant"] for c in supervision.search(s, sup, name="王")["items"]] == ["王五"]
        assert supervision.search(s, sup, variable="dispute_type", value="administrative")["total"] == 4
        assert supervision.search(s, sup, variable="applicant_id_number", value="320706198503150017")["total"] == 1
        with pytest.raises(Invalid):
            supervision.search(s, sup, variable="facts", value="x")  # not searchable: said, not silently empty
    monkeypatch.setenv("JIEFEN_ENV", "production")
    with pytest.raises(Forbidden):
        demo_cases.seed_demo_cases()
