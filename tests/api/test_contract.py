"""The OpenAPI document covers the API as routed: every /api/v1 rule with its methods, every success body described by a
schema with properties (or a file), every error in the one error shape."""
from __future__ import annotations

from app.api.contract import PREFIX, openapi_path

FILE_TYPES = {"application/octet-stream", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _resolve(doc: dict, node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].split("/")[-1]
        node = doc["components"]["responses" if "/responses/" in node["$ref"] else "schemas"][name]
    return node


def _described(doc: dict, schema: dict) -> bool:
    schema = _resolve(doc, schema)
    if schema.get("type") == "array":
        return _described(doc, schema["items"])
    return bool(schema.get("properties"))


def test_every_rule_and_method_is_in_the_document(client):
    doc = client.get(f"{PREFIX}/openapi.json").json
    routed = {(openapi_path(rule.rule), method.lower()) for rule in client.application.url_map.iter_rules()
              if rule.rule.startswith(PREFIX + "/") and rule.rule != f"{PREFIX}/openapi.json"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert len(routed) > 40 and routed == documented


def test_every_response_body_is_described(client):
    doc = client.get(f"{PREFIX}/openapi.json").json
    bare, errors = [], []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                response = _resolve(doc, response)
                if status.startswith("2"):
                    for mime, content in response.get("content", {}).items():
                        if mime in FILE_TYPES and content["schema"].get("format") == "binary":
                            continue
                        if not _described(doc, content["schema"]):
                            bare.append((method, path, status, mime))
                    if "content" not in response and status != "204":
                        bare.append((method, path, status, None))
                elif _resolve(doc, response["content"]["application/json"]["schema"]) != doc["components"]["schemas"]["Error"]:
                    errors.append((method, path, status))
    assert bare == [] and errors == []
    error = doc["components"]["schemas"]["ErrorDetail"]
    assert {"code", "message", "fields", "details"} <= set(error["properties"])


def test_summaries_follow_the_language(client):
    chinese = client.get(f"{PREFIX}/openapi.json").json["paths"]["/tasks"]["get"]["summary"]
    client.get("/lang/en")
    english = client.get(f"{PREFIX}/openapi.json").json["paths"]["/tasks"]["get"]["summary"]
    assert (chinese, english) == ("待办与已办", "The inbox")
