"""The designer's REST API over the real app and database: deploy by XML or JSON body (201 / 200 unchanged / 422 with
located problems / 413 / 415), validation, versions, drafts with a 409 on a stale save, forms, compare, migrations,
scenarios — and designer/admin only."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import delete

from app import config, db
from app.models import DesignDraft
from tests.api.conftest import START
from tests.conftest import BPMN_DIR

DI = ('<bpmndi:BPMNDiagram xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
      'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" id="diagram"><bpmndi:BPMNPlane id="plane" bpmnElement="collab">'
      + "".join(f'<bpmndi:BPMNShape id="{n}_di" bpmnElement="{n}"><dc:Bounds x="{x}" y="100" width="36" height="36"/>'
                '</bpmndi:BPMNShape>' for n, x in (("start", 100), ("ut_only", 200), ("end", 400)))
      + "</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>")
BARE = (BPMN_DIR / "single.bpmn").read_text()   # no drawing: the designer API refuses it
SINGLE = BARE.replace("</bpmn:definitions>", DI + "</bpmn:definitions>")
SIMPLE_DONE = json.loads((BPMN_DIR / "forms" / "simple_done.json").read_text())
COMPENSATION = (config.PROCESSES_DIR / "compensation.bpmn").read_bytes()
XXE = """<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
<bpmn:process id="p" name="&xxe;" isExecutable="true"/></bpmn:definitions>"""


@pytest.fixture(autouse=True)
def no_drafts_left(database_url):
    yield
    with db.transaction() as s:
        s.execute(delete(DesignDraft))


def err(res, status: int, code: str | None = None) -> dict:
    assert res.status_code == status, (res.status_code, res.json)
    assert set(res.json) == {"error"} and res.json["error"]["message"]
    if code:
        assert res.json["error"]["code"] == code
    return res.json["error"]


def deploy_json(client, headers, bpmn=SINGLE, forms=None):
    return client.post("/api/v1/process-definitions", headers=headers,
                       json={"bpmn": bpmn, "forms": {"simple_done": SIMPLE_DONE} if forms is None else forms})


# ---- deploy -------------------------------------------------------------------------------------------------------------
def test_deploy_by_xml_body_then_unchanged(client, login):
    h = login("designer1")
    first = client.post("/api/v1/process-definitions", headers=h, data=COMPENSATION, content_type="application/xml")
    assert first.status_code == 201 and first.json == {"key": "compensation", "version": 1, "created": True}
    again = client.post("/api/v1/process-definitions", headers=h, data=COMPENSATION, content_type="text/xml")
    assert again.status_code == 200 and again.json == {"key": "compensation", "version": 1, "created": False}
    listed = client.get("/api/v1/process-definitions", headers=login("intake1")).json      # the list still works
    assert [(d["key"], d["version"]) for d in listed] == [("compensation", 1)]


def test_deploy_by_json_body_with_forms_and_invalid_is_422_with_located_problems(client, login):
    h = login("admin")
    assert deploy_json(client, h).status_code == 201
    changed = deploy_json(client, h, SINGLE.replace('name="办理"', 'name="办理（二）"'))
    assert changed.status_code == 201 and changed.json["version"] == 2
    bad = err(deploy_json(client, h, SINGLE.replace('name="调解员"', 'name="保安"').replace(
        '<bpmn:endEvent id="end" name="办结">', '<bpmn:endEvent id="end" name="办结"><bpmn:bogus/>')),
        422, "validation_failed")
    assert {(d["element_id"], bool(d["line"])) for d in bad["details"]} >= {("lane_m", True), ("end", True)}
    assert all(set(d) >= {"element_id", "line", "message"} for d in bad["details"])
    no_form = err(deploy_json(client, h, forms={}), 422)
    assert no_form["details"][0]["element_id"] == "ut_only" and "simple_done" in no_form["details"][0]["message"]


def test_hostile_oversized_and_wrong_type_bodies(client, login):
    h = login("designer1")
    xxe = err(client.post("/api/v1/process-definitions", headers=h, data=XXE, content_type="application/xml"), 422)
    assert "DOCTYPE" in xxe["details"][0]["message"]
    big = err(client.post("/api/v1/process-definitions", headers=h, data=SINGLE + " " * (2 * 1024 * 1024),
                          content_type="application/xml"), 413, "payload_too_large")
    assert "过大" in big["message"]
    err(deploy_json(client, h, SINGLE + " " * (2 * 1024 * 1024)), 413)
    err(client.post("/api/v1/process-definitions", headers=h, data=SINGLE, content_type="text/plain"), 415)
    err(client.post("/api/v1/process-definitions", headers=h, json={"bpmn": SINGLE, "extra": 1}), 422)
    err(client.post("/api/v1/process-definitions", headers=h, data="\xff".encode("latin-1"),
                    content_type="application/xml"), 400)


def test_validate_only(client, login):
    h = login("designer1")
    ok = client.post("/api/v1/process-definitions/validate", headers=h,
                     json={"bpmn": SINGLE, "forms": {"simple_done": SIMPLE_DONE}})
    assert ok.status_code == 200 and ok.json == {"problems": []}
    broken = SINGLE.replace("</bpmn:process>", '<bpmn:task id="t_plain" name="无类型"/></bpmn:process>')
    found = client.post("/api/v1/process-definitions/validate", headers=h,
                        json={"bpmn": broken, "forms": {"simple_done": SIMPLE_DONE}}).json["problems"]
    assert any(p["element_id"] == "t_plain" and p["line"] and "bpmn:task" in p["message"] for p in found)
    as_xml = client.post("/api/v1/process-definitions/validate", headers=h, data=SINGLE, content_type="application/xml")
    assert [p["element_id"] for p in as_xml.json["problems"]] == ["ut_only"]     # simple_done is not in forms/


# ---- versions, drafts, forms --------------------------------------------------------------------------------------------
def test_versions_and_one_version(client, login):
    h = login("designer1")
    deploy_json(client, h)
    started = client.post("/api/v1/process-instances", headers=login("mediator1"), json={"process_key": "single_task"})
    assert started.status_code == 201
    versions = client.get("/api/v1/process-definitions/single_task/versions", headers=h).json
    assert [(v["version"], v["deployed_by"], v["instance_counts"]["running"]) for v in versions] == [(1, "designer1", 1)]
    one = client.get("/api/v1/process-definitions/single_task/versions/1", headers=h).json
    assert (one["key"], one["version"], one["bpmn_xml"], one["forms"]) == ("single_task", 1, SINGLE,
                                                                          {"simple_done": SIMPLE_DONE})
    err(client.get("/api/v1/process-definitions/single_task/versions/2", headers=h), 404)
    err(client.get("/api/v1/process-definitions/nope/versions", headers=h), 404)


def test_drafts_with_optimistic_lock(client, login):
    h, other = login("designer1"), login("admin")
    err(client.get("/api/v1/design-drafts/single_task", headers=h), 404)
    deploy_json(client, h)
    start = client.get("/api/v1/design-drafts/single_task", headers=h).json
    assert (start["source"], start["row_version"]) == ("deployed", None)
    body = {"bpmn": start["bpmn"], "forms": start["forms"], "row_version": None}
    saved = client.put("/api/v1/design-drafts/single_task", headers=h, json=body)
    assert saved.status_code == 200 and saved.json["row_version"] == 1
    theirs = client.put("/api/v1/design-drafts/single_task", headers=other, json={**body, "row_version": 1})
    assert theirs.json["row_version"] == 2
    err(client.put("/api/v1/design-drafts/single_task", headers=h, json={**body, "row_version": 1}), 409, "stale_version")
    err(client.put("/api/v1/design-drafts/single_task", headers=h, json={**body, "forms": {"x": 1}, "row_version": 2}), 422)
    err(client.put("/api/v1/design-drafts/single_task", headers=h,
                   json={**body, "bpmn": SINGLE + " " * (2 * 1024 * 1024), "row_version": 2}), 413)
    assert client.get("/api/v1/design-drafts/single_task", headers=h).json["updated_by"] == "admin"


def test_forms(client, login):
    h = login("designer1")
    client.put("/api/v1/design-drafts/new_process", headers=h,
               json={"bpmn": "<draft/>", "forms": {"new_form": {"components": []}}})
    keys = {f["key"]: f["source"] for f in client.get("/api/v1/forms", headers=h).json}
    assert keys["mediation_start"] == "file" and keys["new_form"] == "draft"
    assert client.get("/api/v1/forms/mediation_start", headers=h).json["form"]["id"] == "mediation_start"
    assert client.get("/api/v1/forms/new_form", headers=h).json["form"] == {"components": []}
    err(client.get("/api/v1/forms/nope", headers=h), 404)


# ---- compare, migrate, scenarios ----------------------------------------------------------------------------------------
def test_compare(client, login):
    h = login("designer1")
    deploy_json(client, h)
    deploy_json(client, h, SINGLE.replace('name="办理"', 'name="审核"'))
    diff = client.get("/api/v1/process-definitions/single_task/compare?from=1&to=2", headers=h).json
    assert diff["added"] == [] and diff["removed"] == []
    assert diff["changed"] == [{"element_id": "ut_only", "name": "审核", "type": "userTask",
                                "changes": [{"property": "name", "old": "办理", "new": "审核"}]}]
    err(client.get("/api/v1/process-definitions/single_task/compare?from=1", headers=h), 422)
    err(client.get("/api/v1/process-definitions/single_task/compare?from=1&to=7", headers=h), 404)


def test_migrations_dry_run_then_execute(client, login, deploy):
    deploy("approval.bpmn")
    case = client.post("/api/v1/process-instances", headers=login("intake1"),
                       json={"process_key": "approval", "variables": START}).json
    deploy((BPMN_DIR / "approval.bpmn").read_text().replace('name="审查登记"', 'name="审查登记（新）"'))
    h, url = login("designer1"), "/api/v1/process-definitions/approval/migrations"
    plan = client.post(url, headers=h, json={"from_version": 1, "to_version": 2, "dry_run": True})
    assert plan.status_code == 200
    assert plan.json == {"movable": [{"id": case["id"], "business_key": case["business_key"], "status": "running",
                                      "active_elements": ["ut_register"]}], "blocked": [], "migrated": []}
    err(client.post(url, headers=h, json={"from_version": 1, "to_version": 2, "dry_run": False,
                                          "instance_ids": [case["id"]]}), 422)
    done = client.post(url, headers=h, json={"from_version": 1, "to_version": 2, "dry_run": False,
                                             "instance_ids": [case["id"]], "reason": "名称调整"})
    assert done.status_code == 200 and done.json["migrated"] == [case["id"]]
    detail = client.get(f"/api/v1/process-instances/{case['id']}", headers=login("intake1")).json
    assert detail["version"] == 2 and detail["open_tasks"][0]["name"] == "审查登记（新）"
    history = client.get(f"/api/v1/process-instances/{case['id']}/history", headers=login("intake1")).json
    assert [e["action"] for e in history["events"]][-1] == "migrate"


def test_scenarios_list_and_run(client, login):
    h = login("designer1")
    listed = client.get("/api/v1/process-definitions/compensation/scenarios", headers=h).json
    assert len(listed) >= 2 and all(s["name"] and s["steps"] for s in listed)
    err(client.post("/api/v1/process-definitions/compensation/scenarios/run", headers=h, json={}), 404)  # not deployed
    client.post("/api/v1/process-definitions", headers=h, data=COMPENSATION, content_type="application/xml")
    results = client.post("/api/v1/process-definitions/compensation/scenarios/run", headers=h, json={}).json
    assert len(results) == len(listed) and all(r["passed"] for r in results), results
    design = COMPENSATION.decode().replace('verify_result == "eligible"', 'verify_result == "qualified"')
    changed = client.post("/api/v1/process-definitions/compensation/scenarios/run", headers=h, json={"bpmn": design}).json
    assert not all(r["passed"] for r in changed)          # the design no longer does what the scenarios expect
    bad = err(client.post("/api/v1/process-definitions/compensation/scenarios/run", headers=h,
                          json={"bpmn": design.replace('== "qualified"', "==")}), 422)
    assert bad["details"][0]["element_id"] == "flow_eligible_yes"


def test_scenarios_attached_by_a_designer_are_listed_run_and_removed(client, login):
    h = login("designer1")
    url = "/api/v1/process-definitions/single_task/scenarios"
    err(client.get(url, headers=h), 404)                                       # an unknown process
    err(client.put(url + "/正常办结", headers=h, json={"name": "x", "start": {}, "steps": []}), 404)
    deploy_json(client, h)
    assert client.get(url, headers=h).json == []
    done = {"name": "正常办结", "start": {"data": {}}, "steps": [{"task": "ut_only", "data": {"remark": "已办"}}],
            "expect": {"end_event": "end"}}
    bad = err(client.put(url + "/broken", headers=h, json={**done, "limits": [1], "expect": {"variables": []}}), 422)
    assert "limits" in bad["message"] and "expect.variables" in bad["message"]
    err(client.put(url + "/a.b", headers=h, json=done), 422)
    err(client.put(url + "/x", headers=h, json=[done]), 400)
    err(client.put(url + "/x", headers=h, json={**done, "steps": [{"timers": "2026-01-01"}] * 501}), 422)
    assert client.put(url + "/正常办结", headers=h, json=done).status_code == 201
    assert client.put(url + "/正常办结", headers=h, json=done).json == {"key": "single_task", "name": "正常办结",
                                                                         "created": False}
    [listed] = client.get(url, headers=h).json
    assert (listed["file"], listed["name"], listed["source"], listed["steps"], listed["updated_by"]) == \
        ("正常办结.json", "正常办结", "stored", 1, "designer1")
    [result] = client.post(url + "/run", headers=h, json={}).json
    assert (result["passed"], result["source"], result["path"]) == (True, "stored", ["ut_only"]), result
    assert client.delete(url + "/正常办结", headers=h).status_code == 204
    err(client.delete(url + "/正常办结", headers=h), 404)
    assert client.get(url, headers=h).json == []


def test_a_stale_draft_cannot_overwrite_a_newer_version_unless_forced(client, login):
    h, admin = login("designer1"), login("admin")
    deploy_json(client, h)
    start = client.get("/api/v1/design-drafts/single_task", headers=h).json
    assert (start["base_version"], start["latest_version"]) == (1, 1)
    mine = SINGLE.replace('name="开始"', 'name="开始（草稿）"')
    saved = client.put("/api/v1/design-drafts/single_task", headers=h,
                       json={"bpmn": mine, "forms": start["forms"], "row_version": None}).json
    assert (saved["base_version"], saved["latest_version"]) == (1, 1)
    assert deploy_json(client, admin, SINGLE.replace('name="办理"', 'name="办理（修正）"')).status_code == 201
    draft = client.get("/api/v1/design-drafts/single_task", headers=h).json
    assert (draft["source"], draft["base_version"], draft["latest_version"]) == ("draft", 1, 2)
    body = {"bpmn": draft["bpmn"], "forms": draft["forms"], "base_version": draft["base_version"]}
    stale = err(client.post("/api/v1/process-definitions", headers=h, json=body), 409, "stale_base")
    assert "2" in stale["message"] and "1" in stale["message"]
    assert [d["key"] for d in client.get("/api/v1/design-drafts", headers=h).json] == ["single_task"]
    forced = client.post("/api/v1/process-definitions", headers=h, json={**body, "force": True})
    assert forced.status_code == 201 and forced.json["version"] == 3
    after = client.get("/api/v1/design-drafts/single_task", headers=h).json    # deploying retired the draft
    assert (after["source"], after["base_version"], after["latest_version"]) == ("deployed", 3, 3)
    err(client.delete("/api/v1/design-drafts/single_task", headers=h), 404)
    new = {"bpmn": "<draft/>", "forms": {}, "row_version": None}
    assert client.put("/api/v1/design-drafts/brand_new", headers=h, json=new).json["base_version"] is None
    [listed] = client.get("/api/v1/design-drafts", headers=h).json              # never deployed, still listed
    assert (listed["key"], listed["name"], listed["base_version"], listed["updated_by"]) == \
        ("brand_new", None, None, "designer1")
    assert client.delete("/api/v1/design-drafts/brand_new", headers=h).status_code == 204
    assert client.get("/api/v1/design-drafts", headers=h).json == []


def test_odd_forms_ids_layout_and_numbers_are_4xx_never_500(client, login):
    h = login("designer1")
    odd = {"components": [{"type": "textfield", "key": 5}, "text", {"type": "select", "key": "k", "values": "a"},
                          {"type": "number", "key": "n", "validate": [1]}, {"type": "text", "text": "#"}]}
    problems = err(deploy_json(client, h, forms={"simple_done": odd}), 422)["details"]
    form_problems = [p["message"].split(" / ")[0] for p in problems if p["file"] == "forms/simple_done.json"]
    assert form_problems == ["表单 simple_done：components[0] 的 key 应为非空字符串",
                             "表单 simple_done：components[0]（textfield）缺少 key", "表单 simple_done：components[1] 应为 JSON 对象",
                             "表单 simple_done：components[2] 的 values 应为 [{\"label\", \"value\"}] 列表",
                             "表单 simple_done：components[3] 的 validate 应为 JSON 对象"]
    assert [p["element_id"] for p in problems if p["file"] != "forms/simple_done.json"] == ["ut_only"]  # all at once
    client.put("/api/v1/design-drafts/single_task", headers=h, json={"bpmn": "<x/>", "forms": {"t": {"components": [
        {"type": "text", "text": "#"}]}}})
    assert client.get("/api/v1/forms", headers=h).status_code == 200
    bare = client.post("/api/v1/process-definitions/validate", headers=h,
                       json={"bpmn": BARE, "forms": {"simple_done": SIMPLE_DONE}}).json["problems"]
    assert [(p["element_id"], p["message"].split(" / ")[0]) for p in bare] == \
        [("single_task", "流程图缺少图形信息（BPMNDiagram），设计器和督办页面无法显示")]
    err(deploy_json(client, h, BARE), 422)
    dotted = err(deploy_json(client, h, SINGLE.replace("single_task", "my.proc")), 422)["details"]
    assert any("流程标识" in p["message"] for p in dotted)
    err(deploy_json(client, h, SINGLE.replace('name="单任务" isExecutable', f'name="{"长" * 201}" isExecutable')), 422)
    deploy_json(client, h)
    err(client.get("/api/v1/process-definitions/single_task/versions/99999999999999999999", headers=h), 404)
    err(client.get("/api/v1/process-instances/99999999999999999999", headers=h), 404)
    err(client.get("/api/v1/process-definitions/single_task/compare?from=1&to=999999999999", headers=h), 422)
    err(client.get("/api/v1/process-definitions/single_task/compare?from=1&to=1", headers=h), 422)
    err(client.post("/api/v1/process-definitions/single_task/migrations", headers=h,
                    json={"from_version": 1, "to_version": 2**40}), 422)


# ---- roles --------------------------------------------------------------------------------------------------------------
ENDPOINTS = [
    ("get", "/api/v1/process-definitions/single_task/versions", None),
    ("get", "/api/v1/process-definitions/single_task/versions/1", None),
    ("post", "/api/v1/process-definitions/validate", {"bpmn": SINGLE}),
    ("post", "/api/v1/process-definitions", {"bpmn": SINGLE, "forms": {"simple_done": SIMPLE_DONE}}),
    ("get", "/api/v1/design-drafts/single_task", None),
    ("put", "/api/v1/design-drafts/single_task", {"bpmn": SINGLE, "forms": {}}),
    ("get", "/api/v1/forms", None),
    ("get", "/api/v1/forms/mediation_start", None),
    ("get", "/api/v1/process-definitions/single_task/compare?from=1&to=2", None),
    ("post", "/api/v1/process-definitions/single_task/migrations", {"from_version": 1, "to_version": 2}),
    ("get", "/api/v1/process-definitions/compensation/scenarios", None),
    ("put", "/api/v1/process-definitions/compensation/scenarios/x", {"name": "x", "start": {}, "steps": []}),
    ("delete", "/api/v1/process-definitions/compensation/scenarios/x", None),
    ("get", "/api/v1/design-drafts", None),
    ("delete", "/api/v1/design-drafts/single_task", None),
    ("post", "/api/v1/process-definitions/single_task/scenarios/run", {}),
]


@pytest.mark.parametrize("method, url, payload", ENDPOINTS, ids=[f"{m} {u.split('/api/v1')[1]}" for m, u, _ in ENDPOINTS])
@pytest.mark.parametrize("username, allowed", [("designer1", True), ("admin", True), ("mediator1", False),
                                               ("supervisor1", False)])
def test_only_designers_and_admins(client, login, method, url, payload, username, allowed):
    h = login(username)
    res = getattr(client, method)(url, headers=h, **({"json": payload} if payload is not None else {}))
    if allowed:
        assert res.status_code != 403, (res.status_code, res.json)
        assert res.status_code < 500
    else:
        err(res, 403, "forbidden")
    err(getattr(client, method)(url, **({"json": payload} if payload is not None else {})), 401)
