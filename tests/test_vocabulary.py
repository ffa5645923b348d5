"""The one vocabulary: members are the stored words (JSON, SQL and set lookups see plain strings), every word has a
Chinese label with its English in the catalogue, and the role codes are the rows of the role table."""
from __future__ import annotations

import json

from babel.messages.pofile import read_po
from flask import Flask
from sqlalchemy import select

from app.models import ProcessInstance, Role
from app.vocabulary import (ASSIGNERS, DESIGNERS, INSTANCE_STATUS_LABELS, OPEN_STATUSES, ROLE_LABELS, SUPERVISORS,
                            TASK_STATE_LABELS, InstanceStatus, RoleCode, TaskState, role_label, status_label,
                            task_state_label)
from tests.test_i18n import PO


def test_members_are_the_plain_stored_words():
    body = {"status": InstanceStatus.SUSPENDED, "tasks": [TaskState.OPEN], InstanceStatus.ERROR: 1}
    expected = '{"error": 1, "status": "suspended", "tasks": ["open"]}'
    assert json.dumps(body, sort_keys=True) == expected
    assert Flask(__name__).json.dumps(body).replace(" ", "") == expected.replace(" ", "")
    assert "admin" in ASSIGNERS & DESIGNERS & SUPERVISORS and {"mediator", "supervisor"} & SUPERVISORS == {"supervisor"}
    assert "running" in OPEN_STATUSES and "completed" not in OPEN_STATUSES
    assert str(ProcessInstance.status.in_(OPEN_STATUSES).compile(compile_kwargs={"literal_binds": True})) == \
        "process_instance.status IN ('running', 'suspended', 'error')"


def test_labels_and_their_english():
    assert status_label("running") == "办理中" and status_label("unknown") == "unknown" and status_label(None) == ""
    assert role_label("justice_admin") == "司法局（行调办）" and role_label(None) == ""
    assert task_state_label("completed") == "已办" and task_state_label("x") == "x"
    english = {m.id: m.string for m in read_po(PO.open("rb")) if m.id}
    labels = [INSTANCE_STATUS_LABELS, TASK_STATE_LABELS, ROLE_LABELS]
    assert [set(table) for table in labels] == [set(InstanceStatus), set(TaskState), set(RoleCode)]
    assert all(english.get(label) for table in labels for label in table.values())


def test_role_codes_are_the_rows_of_the_role_table(session):
    rows = dict(session.execute(select(Role.code, Role.name)).all())
    assert rows == {code: label for code, label in ROLE_LABELS.items()}
