"""The process designer's API: versions, validation, deployment, drafts, forms, comparison, migration, scenarios.

Every endpoint is for `designer` and `admin` only (checked before the body is read, so others get 403, never a
validation answer that would tell them about the content)."""
from __future__ import annotations

from functools import wraps

from flask import g, jsonify, request

from app import db
from app.api import api, openapi
from app.auth import login_required
from app.api.schemas_designer import (CompareQuery, DeployRequest, DesignRequest, DraftSaveRequest,
                                      MigrationRequest, ScenarioRunRequest)
from app.api.util import body, query
from app.services.design import compare
from app.services.design import drafts as designs
from app.services.design import permissions
from app.services.design import migration
from app.services.design import scenarios
from app.services.errors import BadRequest, Invalid, NotFound, ServiceError, TooLarge, UnsupportedType
from app.vocabulary import InstanceStatus

XML_TYPES = ("application/xml", "text/xml")
JSON_SLACK = 64 * 1024  # JSON quoting of the diagram and the body's own keys
MAX_VERSION = 2**31 - 1   # the column's range: a larger version in a path names nothing


def designer_required(view):
    """Under @login_required: only designers and administrators get past, before anything else is read."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        permissions.require_designer(g.user)
        return view(*args, **kwargs)
    return wrapper


def _design_body(schema=DesignRequest) -> tuple[str, dict | None, dict]:
    """The diagram (and forms) from an XML body or a JSON body {"bpmn", "forms", …}; too large → 413. The third
    item is the whole JSON body ({} for XML)."""
    mimetype = request.mimetype
    limit = designs.MAX_BPMN_BYTES if mimetype in XML_TYPES else designs.MAX_BPMN_BYTES + designs.MAX_FORMS_BYTES + JSON_SLACK
    if (request.content_length or 0) > limit:
        raise TooLarge(f"上传内容过大（{request.content_length // 1024} KB），上限 {limit // 1024} KB / payload too large")
    if mimetype in XML_TYPES:
        try:
            return request.get_data().decode("utf-8"), None, {}
        except UnicodeDecodeError:
            raise BadRequest("流程文件应为 UTF-8 编码 / the BPMN file must be UTF-8") from None
    if mimetype == "application/json":
        data = body(schema)
        return data["bpmn"], data["forms"], data
    raise UnsupportedType("请以 application/xml（BPMN 文件）或 application/json（{\"bpmn\", \"forms\"}）提交 / "
                          "send application/xml or application/json")


def _version(version: int) -> int:
    if version > MAX_VERSION:
        raise NotFound(f"没有版本 {version} / no such version")
    return version


# ---- versions, validation, deployment -------------------------------------------------------------------------------
@api.get("/process-definitions/<key>/versions")
@login_required
@designer_required
def definition_versions(key: str):
    with db.transaction(write=False) as s:
        return jsonify(designs.versions(s, key))


@api.get("/process-definitions/<key>/versions/<int:version>")
@login_required
@designer_required
def definition_version(key: str, version: int):
    with db.transaction(write=False) as s:
        return jsonify(designs.version_detail(s, key, _version(version)))


@api.post("/process-definitions/validate")
@login_required
@designer_required
def validate_definition():
    bpmn, forms, _data = _design_body()
    with db.transaction(write=False) as s:
        problems = designs.validate(s, bpmn, forms, require_layout=True)
    return jsonify({"problems": [p.as_dict() for p in problems]})


@api.post("/process-definitions")
@login_required
@designer_required
def deploy_definition():
    bpmn, forms, data = _design_body(DeployRequest)
    result = designs.deploy(bpmn, g.user, forms, require_layout=True,
                            check_base="base_version" in data and not data.get("force"),
                            base_version=data.get("base_version"), from_draft="base_version" in data)
    answer = {"key": result.definition.key, "version": result.definition.version, "created": result.created}
    return jsonify(answer), 201 if answer["created"] else 200


# ---- drafts and forms -------------------------------------------------------------------------------------------------
@api.get("/design-drafts/<key>")
@login_required
@designer_required
def get_design_draft(key: str):
    with db.transaction(write=False) as s:
        return jsonify(designs.get_draft(s, key))


@api.get("/design-drafts")
@login_required
@designer_required
def list_design_drafts():
    with db.transaction(write=False) as s:
        return jsonify(designs.list_drafts(s))


@api.put("/design-drafts/<key>")
@login_required
@designer_required
def save_design_draft(key: str):
    data = body(DraftSaveRequest)
    return jsonify(designs.save_draft(key, data["bpmn"], data["forms"], data["row_version"], g.user,
                                      base_version=data["base_version"]))


@api.delete("/design-drafts/<key>")
@login_required
@designer_required
def discard_design_draft(key: str):
    designs.discard_draft(key, g.user)
    return "", 204


@api.get("/forms")
@login_required
@designer_required
def list_forms():
    with db.transaction(write=False) as s:
        return jsonify(designs.form_catalogue(s))


@api.get("/forms/<key>")
@login_required
@designer_required
def get_form(key: str):
    with db.transaction(write=False) as s:
        return jsonify(designs.form(s, key))


# ---- compare, migrate, scenarios --------------------------------------------------------------------------------------
@api.get("/process-definitions/<key>/compare")
@login_required
@designer_required
def compare_versions(key: str):
    args = query(CompareQuery)
    if args["from_version"] == args["to_version"]:
        raise Invalid("请选择两个不同的版本进行比较 / choose two different versions",
                      fields={"to": "应与 from 不同 / must differ from from"})
    with db.transaction(write=False) as s:
        return jsonify(compare.compare_versions(s, key, args["from_version"], args["to_version"]))


@api.post("/process-definitions/<key>/migrations")
@login_required
@designer_required
def migrate_instances(key: str):
    data = body(MigrationRequest)
    if data["dry_run"]:
        with db.transaction(write=False) as s:
            return jsonify(migration.plan(s, key, data["from_version"], data["to_version"]))
    return jsonify(migration.execute(key, data["from_version"], data["to_version"], data["instance_ids"],
                                     data["reason"], g.user))


@api.get("/process-definitions/<key>/scenarios")
@login_required
@designer_required
def list_scenarios(key: str):
    with db.transaction(write=False) as s:
        return jsonify(scenarios.catalogue(s, key))


@api.put("/process-definitions/<key>/scenarios/<name>")
@login_required
@designer_required
def store_scenario(key: str, name: str):
    if (request.content_length or 0) > scenarios.MAX_SCENARIO_BYTES:
        raise TooLarge(f"情景文件过大，上限 {scenarios.MAX_SCENARIO_BYTES // 1024} KB / scenario too large")
    content = request.get_json(silent=True)
    if not isinstance(content, dict):
        raise BadRequest("请求体应为情景文件的 JSON 对象（Content-Type: application/json） / body must be a JSON object")
    created = scenarios.store(key, name, content, g.user)
    return jsonify({"key": key, "name": name, "created": created}), 201 if created else 200


@api.delete("/process-definitions/<key>/scenarios/<name>")
@login_required
@designer_required
def delete_scenario(key: str, name: str):
    scenarios.remove(key, name, g.user)
    return "", 204


@api.post("/process-definitions/<key>/scenarios/run")
@login_required
@designer_required
def run_scenarios(key: str):
    data = body(ScenarioRunRequest)
    with db.transaction(write=False) as s:
        return jsonify(scenarios.run_for_process(s, key, data["bpmn"], data["forms"], data["scenarios"]))


# ---- OpenAPI: the contract the designer pages are built against ---------------------------------------------------------
def _ok(op: dict, schema: dict) -> dict:
    status = next(iter(op["responses"]))
    op["responses"][status]["content"]["application/json"]["schema"] = schema
    return op


_S, _I, _B = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
_NS, _NI = {"type": "string", "nullable": True}, {"type": "integer", "nullable": True}
_PROBLEM = {"type": "object", "required": ["element_id", "line", "message"], "properties": {
    "element_id": _NS, "line": _NI, "message": _S, "file": _NS}}
_COUNTS = {"type": "object", "properties": {s: _I for s in InstanceStatus}}
_FORMS = {"type": "object", "additionalProperties": {"type": "object"}}
_KEY = {"name": "key", "in": "path", "required": True, "schema": {"type": "string", "pattern": designs.KEY_PATTERN.pattern}}
_VERSION = {"name": "version", "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_VERSION}}
_ELEMENT = {"type": "object", "properties": {"element_id": _S, "name": _NS, "type": _S}}
_DRAFT = {"type": "object", "properties": {"process_key": _S, "bpmn": _S, "forms": _FORMS, "row_version": _NI,
                                           "source": {"type": "string", "enum": ["draft", "deployed"]},
                                           "base_version": _NI, "latest_version": _NI,
                                           "updated_by": _S, "updated_at": _S}}
_SCENARIO_NAME = {"name": "name", "in": "path", "required": True,
                  "schema": {"type": "string", "pattern": scenarios.NAME_PATTERN.pattern, "maxLength": 100}}
_INSTANCE = {"type": "object", "properties": {"id": _I, "business_key": _S, "status": _S,
                                              "active_elements": {"type": "array", "items": _S}, "reason": _S}}
_DESIGN_BODY = {"required": True, "content": {
    "application/json": {"schema": openapi._schema(DesignRequest)},
    "application/xml": {"schema": {"type": "string", "description": "BPMN 2.0 XML（UTF-8，≤ 2 MB）"}},
    "text/xml": {"schema": {"type": "string"}}}}
_DEPLOY_BODY = {"required": True, "content": {**_DESIGN_BODY["content"],
                                               "application/json": {"schema": openapi._schema(DeployRequest)}}}
_DESIGN_ERRORS = (400, 401, 403, 413, 415, 422)

openapi.register({
    "/process-definitions": {"post": _ok({**openapi._op(
        "部署流程（BPMN 文件或 {bpmn, forms, base_version?, force?}）：新版本 201，内容未变 200，未通过校验 422（details 为"
        "问题列表，含缺少图形信息）；给出 base_version（草稿所基于的版本，新流程为 null）即为部署草稿：已有更新的版本时 409 "
        "stale_base（force 为 true 时照常部署），部署成功后删除该流程的草稿 / deploy", "201", errors=_DESIGN_ERRORS + (409,)), "requestBody": _DEPLOY_BODY},
        {"type": "object", "properties": {"key": _S, "version": _I, "created": _B}})},
    "/process-definitions/validate": {"post": _ok({**openapi._op(
        "校验流程图与表单，不部署 / validate without deploying", errors=_DESIGN_ERRORS), "requestBody": _DESIGN_BODY},
        {"type": "object", "properties": {"problems": {"type": "array", "items": _PROBLEM}}})},
    "/process-definitions/{key}/versions": {"get": _ok({**openapi._op(
        "各版本及其案件数 / versions with instance counts", errors=(401, 403, 404)), "parameters": [_KEY]},
        {"type": "array", "items": {"type": "object", "properties": {
            "version": _I, "name": _S, "deployed_by": _S, "deployed_at": _S, "instance_counts": _COUNTS}}})},
    "/process-definitions/{key}/versions/{version}": {"get": _ok({**openapi._op(
        "一个版本的流程图与表单 / one version with its diagram and forms", errors=(401, 403, 404)),
        "parameters": [_KEY, _VERSION]},
        {"type": "object", "properties": {"key": _S, "version": _I, "name": _S, "bpmn_xml": _S, "forms": _FORMS,
                                          "deployed_by": _S, "deployed_at": _S, "content_hash": _S,
                                          "instance_counts": _COUNTS}})},
    "/design-drafts": {"get": _ok(openapi._op(
        "全部草稿（含从未部署的流程） / every draft", errors=(401, 403)),
        {"type": "array", "items": {"type": "object", "properties": {
            "key": _S, "name": _NS, "base_version": _NI, "updated_by": _S, "updated_at": _S}}})},
    "/design-drafts/{key}": {
        "get": _ok({**openapi._op("草稿（无草稿时为最新已部署版本，row_version 为空）；base_version 为草稿所基于的版本，"
                                  "latest_version 为最新已部署版本 / the draft", errors=(401, 403, 404)),
                    "parameters": [_KEY]}, _DRAFT),
        "put": _ok({**openapi._op("保存草稿（row_version 过期为 409；新草稿记录 base_version） / save the draft",
                                  body=openapi._schema(DraftSaveRequest), errors=(400, 401, 403, 404, 409, 413, 422)),
                    "parameters": [_KEY]}, _DRAFT),
        "delete": {**openapi._op("放弃草稿 / discard the draft", "204", errors=(401, 403, 404, 409)),
                   "parameters": [_KEY]}},
    "/forms": {"get": _ok(openapi._op("可选表单（forms/ 与草稿中的表单） / the form catalogue", errors=(401, 403)),
                          {"type": "array", "items": {"type": "object", "properties": {
                              "key": _S, "source": _S, "title": _NS, "drafts": {"type": "array", "items": _S}}}})},
    "/forms/{key}": {"get": _ok({**openapi._op("一个表单 / one form", errors=(401, 403, 404)), "parameters": [_KEY]},
                                {"type": "object", "properties": {"key": _S, "source": _S, "form": {"type": "object"}}})},
    "/process-definitions/{key}/compare": {"get": _ok({**openapi._op(
        "比较两个版本 / compare two versions", errors=(401, 403, 404, 422)), "parameters": [
            _KEY, {"name": "from", "in": "query", "required": True, "schema": openapi._field(CompareQuery().fields["from_version"])},
            {"name": "to", "in": "query", "required": True, "schema": openapi._field(CompareQuery().fields["to_version"])}]},
        {"type": "object", "properties": {
            "added": {"type": "array", "items": _ELEMENT}, "removed": {"type": "array", "items": _ELEMENT},
            "changed": {"type": "array", "items": {**_ELEMENT, "properties": {**_ELEMENT["properties"], "changes": {
                "type": "array", "items": {"type": "object", "properties": {"property": _S, "old": {}, "new": {}}}}}}}}})},
    "/process-definitions/{key}/migrations": {"post": _ok({**openapi._op(
        "迁移在办案件到另一版本（dry_run 为预演；执行时须给出原因和预演中的案件编号） / migrate instances",
        body=openapi._schema(MigrationRequest), errors=(400, 401, 403, 404, 409, 422)), "parameters": [_KEY]},
        {"type": "object", "properties": {"movable": {"type": "array", "items": _INSTANCE},
                                          "blocked": {"type": "array", "items": _INSTANCE},
                                          "migrated": {"type": "array", "items": _I}}})},
    "/process-definitions/{key}/scenarios": {"get": _ok({**openapi._op(
        "情景测试：随流程发布的（shipped）与设计员保存的（stored） / scenario files", errors=(401, 403, 404)),
        "parameters": [_KEY]},
        {"type": "array", "items": {"type": "object", "properties": {
            "file": _S, "name": _S, "description": _NS, "steps": _I,
            "source": {"type": "string", "enum": ["shipped", "stored"]}, "content": {"type": "object", "nullable": True},
            "updated_by": _NS, "updated_at": _NS}}})},
    "/process-definitions/{key}/scenarios/{name}": {
        "put": _ok({**openapi._op("保存情景（请求体为情景 JSON；新建 201，替换 200） / attach or replace a scenario", "201",
                                  body={"type": "object"}, errors=(400, 401, 403, 404, 409, 413, 422)),
                    "parameters": [_KEY, _SCENARIO_NAME]},
                   {"type": "object", "properties": {"key": _S, "name": _S, "created": _B}}),
        "delete": {**openapi._op("删除保存的情景 / delete a stored scenario", "204", errors=(401, 403, 404)),
                   "parameters": [_KEY, _SCENARIO_NAME]}},
    "/process-definitions/{key}/scenarios/run": {"post": _ok({**openapi._op(
        "运行情景测试（发布的与保存的；默认针对最新版本；给出 bpmn 时针对该设计） / run the scenarios",
        body=openapi._schema(ScenarioRunRequest), errors=(400, 401, 403, 404, 413, 422)), "parameters": [_KEY]},
        {"type": "array", "items": {"type": "object", "properties": {
            "name": _S, "file": _NS, "passed": _B, "message": _S, "path": {"type": "array", "items": _S},
            "source": {"type": "string", "enum": ["shipped", "stored", "request"]}}}})},
})
