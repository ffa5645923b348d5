"""API test client: the real Flask app over the real database; tokens from the real login endpoint."""
from __future__ import annotations

import pytest

from app.services.people.sessions import LIMITER
from app.wsgi import create_app

START = {"applicant_name": "张三", "received_date": "2026-11-20", "urgent": False, "mediation_org": "hz_sfj"}


@pytest.fixture
def client(database_url):
    app = create_app()
    app.testing = True
    LIMITER.reset()
    return app.test_client()


@pytest.fixture
def login(client):
    tokens: dict[str, dict] = {}

    def _login(username: str) -> dict:
        if username not in tokens:
            res = client.post("/api/v1/auth/token", json={"username": username, "password": "jiefen-demo"})
            assert res.status_code == 201, res.json
            tokens[username] = {"Authorization": f"Bearer {res.json['token']}"}
        return tokens[username]
    return _login


@pytest.fixture
def approval_case(deploy, client, login):
    """An approval case started by intake1 (海州区司法局), waiting at ut_register."""
    deploy("approval.bpmn")
    res = client.post("/api/v1/process-instances", headers=login("intake1"),
                      json={"process_key": "approval", "variables": START})
    assert res.status_code == 201, res.json
    return res.json
