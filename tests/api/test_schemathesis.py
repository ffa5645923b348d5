"""Property-based requests generated from our own OpenAPI document: whatever arrives, the API never answers 5xx."""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings

from app.wsgi import create_app

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", create_app())


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, client, login, approval_case):
    headers = {**login("intake1"), **(case.headers or {})}
    response = case.call(headers=headers, app=client.application)
    assert response.status_code < 500, (case.method, case.path, case.path_parameters, case.query, case.body,
                                        response.status_code, response.text[:300])
    if case.path != "/attachments/{attachment_id}" or response.status_code != 200:
        body = response.json() if response.text else None
        if response.status_code >= 400:
            assert set(body) == {"error"} and body["error"]["message"]
