"""Role × organisation × endpoint: every demo user against tasks of every role placed in every organisation.

The expectation is computed here from the seed table and the rule in DESIGN.md (a task is visible to users holding its
role in its organisation, or in an ancestor organisation when the role is supervisory; admin sees its subtree) —
independently of app/services/access.py."""
from __future__ import annotations

import pytest

from app.demo.people import ORGANISATIONS, USERS

ROLES = ["intake", "mediator", "agency_head", "justice_admin", "petition_officer", "review_officer",
         "compensation_officer", "supervisor", "designer"]
SUPERVISORY = {"justice_admin", "supervisor", "admin"}
PARENT = {code: parent for code, _n, _e, _k, parent in ORGANISATIONS}
PLACEMENTS = {  # a case per placement: every role's task in one organisation
    "haizhou_justice": "hz_sfj", "haizhou_market": "hz_scjg", "lianyun_justice": "ly_sfj", "haizhou_district": "hz",
    "city_justice": "lyg_sfj", "city_petitions": "lyg_xfj", "city_review": "lyg_fyjg", "city": "lyg",
}


def ancestors_or_self(org: str) -> set[str]:
    found = set()
    while org:
        found.add(org)
        org = PARENT[org]
    return found


def expected_viewers(role: str, org: str) -> set[str]:
    viewers = set()
    for username, _display, user_org, roles in USERS:
        if "admin" in roles and user_org in ancestors_or_self(org):
            viewers.add(username)
        elif role in roles and (user_org == org or (role in SUPERVISORY and user_org in ancestors_or_self(org))):
            viewers.add(username)
    return viewers


@pytest.fixture
def placed_tasks(deploy, client, login):
    """{task_id: (role, org)} for one matrix case per placement, started by admin through the API."""
    deploy("matrix.bpmn")
    placed = {}
    for name, org in PLACEMENTS.items():
        res = client.post("/api/v1/process-instances", headers=login("admin"),
                          json={"process_key": "matrix", "business_key": f"矩阵-{name}",
                                "variables": {"orgs": {r: org for r in ROLES}}})
        assert res.status_code == 201, res.json
        for task in res.json["open_tasks"]:
            placed[task["id"]] = (task["element_id"][3:], org)
    assert len(placed) == len(PLACEMENTS) * len(ROLES)
    return placed


@pytest.mark.parametrize("username", [u[0] for u in USERS])
def test_each_user_sees_and_acts_on_exactly_the_tasks_the_rule_allows(username, placed_tasks, client, login):
    h = login(username)
    allowed = {tid for tid, (role, org) in placed_tasks.items() if username in expected_viewers(role, org)}
    listed = client.get("/api/v1/tasks?scope=all&per_page=200", headers=h).json
    assert {t["id"] for t in listed["items"]} == allowed and listed["total"] == len(allowed)
    assert client.get("/api/v1/tasks?scope=candidate&per_page=200", headers=h).json["total"] == len(allowed)
    for task_id, (role, org) in placed_tasks.items():
        visible = task_id in allowed
        assert client.get(f"/api/v1/tasks/{task_id}", headers=h).status_code == (200 if visible else 404), (role, org)
        claim = client.post(f"/api/v1/tasks/{task_id}/claim", headers=h)
        assert claim.status_code == (200 if visible else 404), (role, org, claim.json)
        if visible:
            assert client.post(f"/api/v1/tasks/{task_id}/unclaim", headers=h).status_code == 200
        for method, path, payload in (("post", "complete", {"data": {}}), ("put", "draft", {"data": {}}),
                                      ("post", "comments", {"text": "意见"})):
            if not visible:
                res = getattr(client, method)(f"/api/v1/tasks/{task_id}/{path}", headers=h, json=payload)
                assert res.status_code == 404, (path, role, org)
    if username == "mediator_ly":
        assert all(placed_tasks[t][1] == "ly_sfj" for t in allowed)   # never a 海州区 task


def test_completing_a_visible_task_works_and_others_cannot_see_the_case(placed_tasks, client, login):
    task_id = next(t for t, (role, org) in placed_tasks.items() if (role, org) == ("mediator", "ly_sfj"))
    assert client.post(f"/api/v1/tasks/{task_id}/complete", headers=login("mediator_ly"), json={"data": {}}).status_code == 200
    instance_id = client.get("/api/v1/tasks?scope=mine&status=completed", headers=login("mediator_ly")).json["items"][0]["instance_id"]
    assert client.get(f"/api/v1/process-instances/{instance_id}", headers=login("mediator_ly")).status_code == 200
    assert client.get(f"/api/v1/process-instances/{instance_id}", headers=login("mediator1")).status_code == 404
    listed = client.get("/api/v1/process-instances?per_page=200", headers=login("mediator1")).json
    assert instance_id not in {i["id"] for i in listed["items"]}
