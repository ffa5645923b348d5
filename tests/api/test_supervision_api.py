"""The supervision API: the role × organisation-scope matrix (computed here from the seed, independently of
app/services/access.py), the error conventions, and repairs and batches through HTTP."""
from __future__ import annotations

import pytest

from app.demo.people import SUPERVISION_SCOPES, USERS
from app.services.runtime import instances
from tests.api.test_authorization_matrix import PARENT

SUPERVISING = {"supervisor", "justice_admin", "admin"}


def supervised_orgs(user_org: str) -> set[str]:
    """Organisations whose cases a supervisor placed at `user_org` oversees: its 业务指导 area's subtree, or its own."""
    top = SUPERVISION_SCOPES.get(user_org, user_org)
    return {org for org in PARENT if _under(org, top)}


def _under(org: str, top: str) -> bool:
    while org:
        if org == top:
            return True
        org = PARENT[org]
    return False


@pytest.fixture
def placed_cases(deploy, users):
    """{instance_id: organisation code}: one case handled by every organisation of the seed."""
    deploy("single.bpmn")
    return {instances.start("single_task", users["admin"], {}, organisation_code=org)["id"]: org for org in PARENT}


@pytest.mark.parametrize("username,user_org,roles", [(u, o, r) for u, _d, o, r in USERS])
def test_each_user_supervises_exactly_their_scope(username, user_org, roles, placed_cases, client, login):
    h = login(username)
    if not SUPERVISING & set(roles):
        for path in ("/api/v1/supervision/overview", "/api/v1/supervision/cases"):
            res = client.get(path, headers=h)
            assert res.status_code == 403 and res.json["error"]["code"] == "forbidden"
        instance_id = next(iter(placed_cases))
        assert client.get(f"/api/v1/supervision/cases/{instance_id}", headers=h).status_code == 403
        assert client.post(f"/api/v1/supervision/cases/{instance_id}/suspend", headers=h,
                           json={"reason": "越权"}).status_code == 403
        return
    expected = {i for i, org in placed_cases.items() if org in supervised_orgs(user_org)}
    listed = client.get("/api/v1/supervision/cases?per_page=200", headers=h).json
    assert {c["id"] for c in listed["items"]} == expected and listed["total"] == len(expected)
    for instance_id in placed_cases:
        res = client.get(f"/api/v1/supervision/cases/{instance_id}", headers=h)
        assert res.status_code == (200 if instance_id in expected else 404)
        if instance_id not in expected:
            res = client.post(f"/api/v1/supervision/cases/{instance_id}/suspend", headers=h, json={"reason": "越权"})
            assert res.status_code == 404


def test_errors_follow_the_api_conventions(approval_case, client, login):
    h = login("supervisor1")
    res = client.get("/api/v1/supervision/cases?started_from=2026-13-01", headers=h)
    assert res.status_code == 422 and res.json["error"]["fields"] == {"started_from": "日期格式应为 YYYY-MM-DD"}
    res = client.get("/api/v1/supervision/cases?status=open&per_page=0", headers=h)
    assert res.status_code == 422 and res.json["error"]["fields"] == {
        "status": "可选值：running, error, suspended, completed, cancelled", "per_page": "应在 1 到 200 之间"}
    res = client.get("/api/v1/supervision/cases?version=1", headers=h)
    assert res.status_code == 422 and "version" in res.json["error"]["fields"]
    res = client.post(f"/api/v1/supervision/cases/{approval_case['id']}/suspend", headers=h, json={})
    assert res.status_code == 422 and "reason" in res.json["error"]["fields"]
    res = client.post(f"/api/v1/supervision/cases/{approval_case['id']}/retry", headers=h, json={"reason": "重试"})
    assert res.status_code == 409 and res.json["error"]["code"] == "wrong_status"
    res = client.post(f"/api/v1/supervision/cases/{approval_case['id']}/suspend", headers=h,
                      json={"reason": "挂起", "expected_version": approval_case["row_version"] + 5})
    assert res.status_code == 409 and res.json["error"]["code"] == "stale_version"
    assert client.get("/api/v1/supervision/cases/999999", headers=h).status_code == 404
    assert client.get(f"/api/v1/supervision/cases/{2**63}", headers=h).status_code == 404
    res = client.post("/api/v1/supervision/batch", headers=h, json={
        "operation": "suspend", "instance_ids": [2**40], "confirm_count": 1, "reason": "超大编号"})
    assert res.status_code == 422 and res.json["error"]["fields"]["instance_ids.0"].startswith("应在 1 到")


def test_case_view_repairs_and_batch_over_http(approval_case, client, login):
    h = login("supervisor1")
    view = client.get(f"/api/v1/supervision/cases/{approval_case['id']}", headers=h).json
    assert view["diagram"]["active"] == ["ut_register"] and view["status"] == "running"
    assert [e["action"] for e in view["audit"]] == ["start"]
    res = client.post(f"/api/v1/supervision/cases/{approval_case['id']}/variables", headers=h,
                      json={"changes": {"applicant_name": "张叁"}, "reason": "更正姓名"})
    assert res.status_code == 200
    view = client.get(f"/api/v1/supervision/cases/{approval_case['id']}", headers=h).json
    assert view["variables"]["applicant_name"] == "张叁" and view["audit"][-1]["detail"]["before"] == {"applicant_name": "张三"}
    assert [u["username"] for u in view["tasks"][0]["eligible"]] == ["intake1", "admin"]
    assert {f["key"]: f["kind"] for f in view["variable_fields"]}["received_date"] == "date"
    res = client.post(f"/api/v1/supervision/cases/{approval_case['id']}/variables", headers=h,
                      json={"changes": {"received_date": "2026-13-45"}, "reason": "更正日期"})
    assert res.status_code == 422 and res.json["error"]["fields"] == {"received_date": "日期格式应为 YYYY-MM-DD"}
    res = client.post(f"/api/v1/supervision/cases/{approval_case['id']}/variables", headers=h,
                      json={"changes": {"received_date": "x"}, "reason": "原样", "raw": True})
    assert res.status_code == 403
    preview = client.post("/api/v1/supervision/batch/preview", headers=h,
                          json={"operation": "suspend", "filter": {"process_key": "approval"}}).json
    assert preview["instance_ids"] == [approval_case["id"]]
    res = client.post("/api/v1/supervision/batch", headers=h, json={
        "operation": "suspend", "instance_ids": preview["instance_ids"], "confirm_count": 2, "reason": "批量"})
    assert res.status_code == 422 and res.json["error"]["code"] == "count_mismatch"
    res = client.post("/api/v1/supervision/batch", headers=h, json={
        "operation": "suspend", "instance_ids": preview["instance_ids"], "confirm_count": 1, "reason": "批量"})
    assert res.status_code == 200 and res.json["succeeded"] == 1
    overview = client.get("/api/v1/supervision/overview", headers=h).json
    assert {c["category"]: c["total"] for c in overview["categories"]}["suspended"] == 1
    assert {c["category"]: c["name"] for c in overview["categories"]}["past_limit"] == "超过法定期限未推进"
    definition_id = client.get(f"/api/v1/supervision/cases/{approval_case['id']}", headers=h).json["definition"]["id"]
    counts = client.get(f"/api/v1/supervision/definitions/{definition_id}/counts", headers=h).json
    assert counts["active"] == {"ut_register": 1} and counts["statuses"] == {"suspended": 1}


def test_service_errors_are_chinese_by_default_and_english_from_the_catalogue(client, login):
    h = login("supervisor1")
    res = client.get("/api/v1/supervision/stats?period=2026-13", headers=h)
    assert res.status_code == 422 and res.json["error"]["message"].startswith("统计期间格式不正确")
    client.get("/lang/en")
    res = client.get("/api/v1/supervision/stats?period=2026-13", headers=h)
    assert res.status_code == 422 and res.json["error"]["message"] == (
        "The period must be YYYY-MM (month), YYYY-Qn (quarter) or YYYY-Hn (half year), e.g. 2026-10, 2026-Q3 or 2026-H2")
    assert res.json["error"]["fields"] == {"period": "Bad period: use 2026-10, 2026-Q3 or 2026-H2"}
    res = client.get("/api/v1/supervision/cases?variable=nothing&value=1", headers=h)
    assert res.status_code == 422 and res.json["error"]["message"] == "nothing is not a searchable variable"
