"""Fixtures for the shipped procedures: deploy processes/*.bpmn with forms/ exactly as `make run` does."""
from __future__ import annotations

import pytest

from app import config, db
from app.services import deployments


@pytest.fixture
def deploy_process(database_url):
    def _deploy(*keys: str):
        definitions = {}
        for key in keys:
            path = config.PROCESSES_DIR / f"{key}.bpmn"
            with db.transaction(database_url) as session:
                definitions[key] = deployments.deploy(session, path.read_bytes(), "tester", filename=path.name).definition
        return definitions
    return _deploy
