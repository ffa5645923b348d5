"""Pages through the Flask test client, over the real database."""
from __future__ import annotations

import pytest

from app.wsgi import create_app


@pytest.fixture
def web(database_url):
    app = create_app()
    app.testing = True
    return app.test_client()
