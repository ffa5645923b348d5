"""Validation and HTTP errors: Chinese messages from marshmallow's own fields and validators (no translation table),
English through the catalogue for a user who chose English."""
from __future__ import annotations

BAD_QUERY = "/api/v1/tasks?per_page=0&scope=x&q=" + "长" * 101 + "&overdue=maybe&bogus=1"


def test_validation_messages_are_chinese(client, login):
    res = client.get(BAD_QUERY, headers=login("intake1"))
    assert res.status_code == 422
    assert res.json["error"] == {"code": "validation_failed", "message": "请求参数不正确，请按提示修改", "fields": {
        "per_page": "应在 1 到 200 之间", "scope": "可选值：mine, candidate, all", "q": "长度不能超过 100",
        "overdue": "应为 true 或 false", "bogus": "不允许的字段"}}


def test_validation_messages_in_english(client, login):
    headers = login("intake1")
    client.get("/lang/en")
    res = client.get(BAD_QUERY, headers=headers)
    assert res.json["error"]["message"] == "Invalid request, please correct the marked fields"
    assert res.json["error"]["fields"] == {
        "per_page": "Out of range (1 to 200)", "scope": "Must be one of mine, candidate, all",
        "q": "Too long (at most 100)", "overdue": "Must be a boolean", "bogus": "Unknown field"}


def test_body_messages_and_custom_validator_errors(client, login):
    res = client.post("/api/v1/process-instances", headers=login("intake1"),
                      json={"process_key": "", "variables": [1], "business_key": None})
    assert res.status_code == 422 and res.json["error"]["fields"] == {
        "process_key": "长度应为 1 到 100", "variables": "variables 必须是 JSON 对象"}
    res = client.post("/api/v1/process-instances", headers=login("intake1"), data="x", content_type="text/plain")
    assert res.status_code == 400 and res.json["error"]["message"] == "请求体应为 JSON（Content-Type: application/json）"


def test_designer_forms_of_the_wrong_type_are_a_422(client, login):
    res = client.post("/api/v1/process-definitions/validate", headers=login("designer1"),
                      json={"bpmn": "<x/>", "forms": [1]})
    assert res.status_code == 422
    assert res.json["error"]["fields"] == {"forms": "forms 应为以表单键为键、表单 JSON 对象为值的对象"}


def test_http_errors_in_both_languages(client):
    assert client.delete("/api/v1/tasks").json["error"]["message"] == "不支持此请求方法"
    assert client.get("/api/v1/no-such-thing").json["error"]["message"] == "请求的资源不存在"
    client.get("/lang/en")
    assert client.get("/api/v1/no-such-thing").json["error"]["message"] == "Not found"
