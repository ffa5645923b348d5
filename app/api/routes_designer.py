"""The process designer's API: versions, validation, deployment, drafts, forms, comparison, migration, scenarios.

Every endpoint is for `designer` and `admin` only (checked before the body is read, so others get 403, never a
validation answer that would tell them about the content)."""
from __future__ import annotations

from flask import g, jsonify, request

from app import db
from app.api import api, openapi
from app.api.auth import login_required
from app.api.schemas_designer import (CompareQuery, DesignRequest, DraftSaveRequest, MigrationRequest,
                                      ScenarioRunRequest)
from app.api.util import body, query
from app.services import compare, designs, migration, scenarios
from app.services.errors import BadRequest, ServiceError

XML_TYPES = ("application/xml", "text/xml")
JSON_SLACK = 64 * 1024  # JSON quoting of the diagram and the body's own keys


class UnsupportedType(ServiceError):
    status, code = 415, "unsupported_media_type"


def _designer() -> None:
    designs.require_designer(g.user)


def _design_body() -> tuple[str, dict | None]:
    """The diagram (and forms) from an XML body or a JSON body {"bpmn", "forms"}; too large → 413."""
    mimetype = request.mimetype
    limit = designs.MAX_BPMN_BYTES if mimetype in XML_TYPES else designs.MAX_BPMN_BYTES + designs.MAX_FORMS_BYTES + JSON_SLACK
    if (request.content_length or 0) > limit:
        raise designs.TooLarge(f"上传内容过大（{request.content_length // 1024} KB），上限 {limit // 1024} KB / payload too large")
    if mimetype in XML_TYPES:
        try:
            return request.get_data().decode("utf-8"), None
        except UnicodeDecodeError:
            raise BadRequest("流程文件应为 UTF-8 编码 / the BPMN file must be UTF-8") from None
    if mimetype == "application/json":
        data = body(DesignRequest)
        return data["bpmn"], data["forms"]
    raise UnsupportedType("请以 application/xml（BPMN 文件）或 application/json（{\"bpmn\", \"forms\"}）提交 / "
                          "send application/xml or application/json")


# ---- versions, validation, deployment -------------------------------------------------------------------------------
@api.get("/process-definitions/<key>/versions")
@login_required
def definition_versions(key: str):
    _designer()
    with db.transaction(write=False) as s:
        return jsonify(designs.versions(s, key))


@api.get("/process-definitions/<key>/versions/<int:version>")
@login_required
def definition_version(key: str, version: int):
    _designer()
    with db.transaction(write=False) as s:
        return jsonify(designs.version_detail(s, key, version))


@api.post("/process-definitions/validate")
@login_required
def validate_definition():
    _designer()
    bpmn, forms = _design_body()
    with db.transaction(write=False) as s:
        problems = designs.validate(s, bpmn, forms)
    return jsonify({"problems": [p.as_dict() for p in problems]})


@api.post("/process-definitions")
@login_required
def deploy_definition():
    _designer()
    bpmn, forms = _design_body()
    with db.transaction() as s:
        result = designs.deploy(s, bpmn, g.user, forms)
        answer = {"key": result.definition.key, "version": result.definition.version, "created": result.created}
    return jsonify(answer), 201 if answer["created"] else 200


# ---- drafts and forms -------------------------------------------------------------------------------------------------
@api.get("/design-drafts/<key>")
@login_required
def get_design_draft(key: str):
    _designer()
    with db.transaction(write=False) as s:
        return jsonify(designs.get_draft(s, key))


@api.put("/design-drafts/<key>")
@login_required
def save_design_draft(key: str):
    _designer()
    data = body(DraftSaveRequest)
    with db.transaction() as s:
        return jsonify(designs.save_draft(s, key, data["bpmn"], data["forms"], data["row_version"], g.user))


@api.get("/forms")
@login_required
def list_forms():
    _designer()
    with db.transaction(write=False) as s:
        return jsonify(designs.form_catalogue(s))


@api.get("/forms/<key>")
@login_required
def get_form(key: str):
    _designer()
    with db.transaction(write=False) as s:
        return jsonify(designs.form(s, key))


# ---- compare, migrate, scenarios --------------------------------------------------------------------------------------
@api.get("/process-definitions/<key>/compare")
@login_required
def compare_versions(key: str):
    _designer()
    args = query(CompareQuery)
    with db.transaction(write=False) as s:
        return jsonify(compare.compare_versions(s, key, args["from_version"], args["to_version"]))


@api.post("/process-definitions/<key>/migrations")
@login_required
def migrate_instances(key: str):
    _designer()
    data = body(MigrationRequest)
    if data["dry_run"]:
        with db.transaction(write=False) as s:
            return jsonify(migration.plan(s, key, data["from_version"], data["to_version"]))
    return jsonify(migration.execute(key, data["from_version"], data["to_version"], data["instance_ids"],
                                     data["reason"], g.user))


@api.get("/process-definitions/<key>/scenarios")
@login_required
def list_scenarios(key: str):
    _designer()
    return jsonify(scenarios.catalogue(key))


@api.post("/process-definitions/<key>/scenarios/run")
@login_required
def run_scenarios(key: str):
    _designer()
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
_COUNTS = {"type": "object", "properties": {s: _I for s in designs.STATUSES}}
_FORMS = {"type": "object", "additionalProperties": {"type": "object"}}
_KEY = {"name": "key", "in": "path", "required": True, "schema": {"type": "string", "pattern": designs.KEY_PATTERN.pattern}}
_VERSION = {"name": "version", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
_ELEMENT = {"type": "object", "properties": {"element_id": _S, "name": _NS, "type": _S}}
_DRAFT = {"type": "object", "properties": {"process_key": _S, "bpmn": _S, "forms": _FORMS, "row_version": _NI,
                                           "source": {"type": "string", "enum": ["draft", "deployed"]},
                                           "updated_by": _S, "updated_at": _S}}
_INSTANCE = {"type": "object", "properties": {"id": _I, "business_key": _S, "status": _S,
                                              "active_elements": {"type": "array", "items": _S}, "reason": _S}}
_DESIGN_BODY = {"required": True, "content": {
    "application/json": {"schema": openapi._schema(DesignRequest)},
    "application/xml": {"schema": {"type": "string", "description": "BPMN 2.0 XML（UTF-8，≤ 2 MB）"}},
    "text/xml": {"schema": {"type": "string"}}}}
_DESIGN_ERRORS = (400, 401, 403, 413, 415, 422)

openapi.register({
    "/process-definitions": {"post": _ok({**openapi._op(
        "部署流程（BPMN 文件或 {bpmn, forms}）：新版本 201，内容未变 200，未通过校验 422（details 为问题列表） / deploy",
        "201", errors=_DESIGN_ERRORS), "requestBody": _DESIGN_BODY},
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
    "/design-drafts/{key}": {
        "get": _ok({**openapi._op("草稿（无草稿时为最新已部署版本，row_version 为空） / the draft",
                                  errors=(401, 403, 404)), "parameters": [_KEY]}, _DRAFT),
        "put": _ok({**openapi._op("保存草稿（row_version 过期为 409） / save the draft",
                                  body=openapi._schema(DraftSaveRequest), errors=(400, 401, 403, 409, 413, 422)),
                    "parameters": [_KEY]}, _DRAFT)},
    "/forms": {"get": _ok(openapi._op("可选表单（forms/ 与草稿中的表单） / the form catalogue", errors=(401, 403)),
                          {"type": "array", "items": {"type": "object", "properties": {
                              "key": _S, "source": _S, "title": _NS, "drafts": {"type": "array", "items": _S}}}})},
    "/forms/{key}": {"get": _ok({**openapi._op("一个表单 / one form", errors=(401, 403, 404)), "parameters": [_KEY]},
                                {"type": "object", "properties": {"key": _S, "source": _S, "form": {"type": "object"}}})},
    "/process-definitions/{key}/compare": {"get": _ok({**openapi._op(
        "比较两个版本 / compare two versions", errors=(401, 403, 404, 422)), "parameters": [
            _KEY, {"name": "from", "in": "query", "required": True, "schema": {"type": "integer", "minimum": 1}},
            {"name": "to", "in": "query", "required": True, "schema": {"type": "integer", "minimum": 1}}]},
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
        "情景测试文件 / scenario files", errors=(401, 403, 404)), "parameters": [_KEY]},
        {"type": "array", "items": {"type": "object", "properties": {
            "file": _S, "name": _S, "description": _NS, "steps": _I}}})},
    "/process-definitions/{key}/scenarios/run": {"post": _ok({**openapi._op(
        "运行情景测试（默认针对最新版本；给出 bpmn 时针对该设计） / run the scenarios",
        body=openapi._schema(ScenarioRunRequest), errors=(400, 401, 403, 404, 413, 422)), "parameters": [_KEY]},
        {"type": "array", "items": {"type": "object", "properties": {
            "name": _S, "file": _NS, "passed": _B, "message": _S, "path": {"type": "array", "items": _S}}}})},
})
