"""The process designer's API: versions, validation, deployment, drafts, forms, comparison, migration, scenarios.

Every endpoint is for `designer` and `admin` only (checked before the body is read, so others get 403, never a
validation answer that would tell them about the content)."""
from __future__ import annotations

from functools import wraps

from flask import g, jsonify, request

from app import db
from app.api import api, responses_designer as rd
from app.auth import login_required
from app.api.contract import READ_ERRORS, WRITE_ERRORS, contract
from app.api.schemas_designer import (CompareQuery, DeployRequest, DesignRequest, DraftSaveRequest, KeyPath,
                                      MigrationRequest, ScenarioPath, ScenarioRunRequest)
from app.api.util import body, query
from app.i18n import N_
from app.services.design import compare
from app.services.design import drafts as designs
from app.services.design import permissions
from app.services.design import migration
from app.services.design import scenarios
from app.services.errors import BadRequest, Invalid, NotFound, TooLarge, UnsupportedType

XML_TYPES = ("application/xml", "text/xml")
XML = {"application/xml": {"schema": {"type": "string", "description": "BPMN 2.0 XML（UTF-8，≤ 2 MB）"}},
       "text/xml": {"schema": {"type": "string"}}}
SCENARIO = {"application/json": {"schema": {"type": "object", "description": "情景文件"}}}
DESIGN_ERRORS = (400, 401, 403, 413, 415, 422)
JSON_SLACK = 64 * 1024  # JSON quoting of the diagram and the body's own keys
MAX_VERSION = 2**31 - 1   # the column's range: a larger version in a path names nothing


def designer_required(view):
    """Under @login_required: only designers and administrators get past, before anything else is read."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        permissions.require_designer(g.user)
        return view(*args, **kwargs)
    return wrapper


def _design_body() -> tuple[str, dict | None, dict]:
    """The diagram (and forms) from an XML body or a JSON body {"bpmn", "forms", …}; too large → 413. The third
    item is the whole JSON body ({} for XML)."""
    mimetype = request.mimetype
    limit = designs.MAX_BPMN_BYTES if mimetype in XML_TYPES else designs.MAX_BPMN_BYTES + designs.MAX_FORMS_BYTES + JSON_SLACK
    if (request.content_length or 0) > limit:
        raise TooLarge(N_("上传内容过大（{size} KB），上限 {limit} KB"), size=request.content_length // 1024,
                       limit=limit // 1024)
    if mimetype in XML_TYPES:
        try:
            return request.get_data().decode("utf-8"), None, {}
        except UnicodeDecodeError:
            raise BadRequest(N_("流程文件应为 UTF-8 编码")) from None
    if mimetype == "application/json":
        data = body()
        return data["bpmn"], data["forms"], data
    raise UnsupportedType(N_('请以 application/xml（BPMN 文件）或 application/json（{"bpmn", "forms"}）提交'))


def _version(version: int) -> int:
    if version > MAX_VERSION:
        raise NotFound(N_("没有版本 {version}"), version=version)
    return version


# ---- versions, validation, deployment -------------------------------------------------------------------------------
@api.get("/process-definitions/<key>/versions")
@contract(N_("各版本及其案件数"), rd.VersionRow(many=True), path=KeyPath,
          errors=READ_ERRORS)
@login_required
@designer_required
def definition_versions(key: str):
    with db.transaction(write=False) as s:
        return jsonify(designs.versions(s, key))


@api.get("/process-definitions/<key>/versions/<int:version>")
@contract(N_("一个版本的流程图与表单"), rd.VersionDetail, path=KeyPath,
          errors=READ_ERRORS)
@login_required
@designer_required
def definition_version(key: str, version: int):
    with db.transaction(write=False) as s:
        return jsonify(designs.version_detail(s, key, _version(version)))


@api.post("/process-definitions/validate")
@contract(N_("校验流程图与表单，不部署"), rd.Problems, body=DesignRequest, body_types=XML,
          errors=DESIGN_ERRORS)
@login_required
@designer_required
def validate_definition():
    bpmn, forms, _data = _design_body()
    with db.transaction(write=False) as s:
        problems = designs.validate(s, bpmn, forms, require_layout=True)
    return jsonify({"problems": [p.as_dict() for p in problems]})


@api.post("/process-definitions")
@contract(N_("部署流程（BPMN 文件或 {bpmn, forms, base_version?, force?}）：新版本 201，内容未变 200，未通过校验 422（details "
             "为问题列表，含缺少图形信息）；给出 base_version（草稿所基于的版本，新流程为 null）即为部署草稿：已有更新的版本时 "
             "409 stale_base（force 为 true 时照常部署），部署成功后删除该流程的草稿"), rd.Deployed, status=201, also=(200,),
          body=DeployRequest, body_types=XML, errors=DESIGN_ERRORS + (409,))
@login_required
@designer_required
def deploy_definition():
    bpmn, forms, data = _design_body()
    result = designs.deploy(bpmn, g.user, forms, require_layout=True,
                            check_base="base_version" in data and not data.get("force"),
                            base_version=data.get("base_version"), from_draft="base_version" in data)
    answer = {"key": result.definition.key, "version": result.definition.version, "created": result.created}
    return jsonify(answer), 201 if answer["created"] else 200


# ---- drafts and forms -------------------------------------------------------------------------------------------------
@api.get("/design-drafts/<key>")
@contract(N_("草稿（无草稿时为最新已部署版本，row_version 为空）；base_version 为草稿所基于的版本，latest_version 为最新"
             "已部署版本"), rd.Draft, path=KeyPath, errors=READ_ERRORS)
@login_required
@designer_required
def get_design_draft(key: str):
    with db.transaction(write=False) as s:
        return jsonify(designs.get_draft(s, key))


@api.get("/design-drafts")
@contract(N_("全部草稿（含从未部署的流程）"), rd.DraftRow(many=True), errors=(401, 403))
@login_required
@designer_required
def list_design_drafts():
    with db.transaction(write=False) as s:
        return jsonify(designs.list_drafts(s))


@api.put("/design-drafts/<key>")
@contract(N_("保存草稿（row_version 过期为 409；新草稿记录 base_version）"), rd.Draft, path=KeyPath,
          body=DraftSaveRequest, errors=WRITE_ERRORS + (413,))
@login_required
@designer_required
def save_design_draft(key: str):
    data = body()
    return jsonify(designs.save_draft(key, data["bpmn"], data["forms"], data["row_version"], g.user,
                                      base_version=data["base_version"]))


@api.delete("/design-drafts/<key>")
@contract(N_("放弃草稿"), None, status=204, path=KeyPath, errors=READ_ERRORS + (409,))
@login_required
@designer_required
def discard_design_draft(key: str):
    designs.discard_draft(key, g.user)
    return "", 204


@api.get("/forms")
@contract(N_("可选表单（forms/ 与草稿中的表单）"), rd.FormRow(many=True), errors=(401, 403))
@login_required
@designer_required
def list_forms():
    with db.transaction(write=False) as s:
        return jsonify(designs.form_catalogue(s))


@api.get("/forms/<key>")
@contract(N_("一个表单"), rd.FormDetail, path=KeyPath, errors=READ_ERRORS)
@login_required
@designer_required
def get_form(key: str):
    with db.transaction(write=False) as s:
        return jsonify(designs.form(s, key))


# ---- compare, migrate, scenarios --------------------------------------------------------------------------------------
@api.get("/process-definitions/<key>/compare")
@contract(N_("比较两个版本"), rd.Comparison, path=KeyPath, query=CompareQuery,
          errors=READ_ERRORS + (422,))
@login_required
@designer_required
def compare_versions(key: str):
    args = query()
    if args["from_version"] == args["to_version"]:
        raise Invalid(N_("请选择两个不同的版本进行比较"), fields={"to": N_("应与 from 不同")})
    with db.transaction(write=False) as s:
        return jsonify(compare.compare_versions(s, key, args["from_version"], args["to_version"]))


@api.post("/process-definitions/<key>/migrations")
@contract(N_("迁移在办案件到另一版本（dry_run 为预演；执行时须给出原因和预演中的案件编号）"), rd.Migration,
          path=KeyPath, body=MigrationRequest)
@login_required
@designer_required
def migrate_instances(key: str):
    data = body()
    if data["dry_run"]:
        with db.transaction(write=False) as s:
            return jsonify(migration.plan(s, key, data["from_version"], data["to_version"]))
    return jsonify(migration.execute(key, data["from_version"], data["to_version"], data["instance_ids"],
                                     data["reason"], g.user))


@api.get("/process-definitions/<key>/scenarios")
@contract(N_("情景测试：随流程发布的（shipped）与设计员保存的（stored）"), rd.Scenario(many=True),
          path=KeyPath, errors=READ_ERRORS)
@login_required
@designer_required
def list_scenarios(key: str):
    with db.transaction(write=False) as s:
        return jsonify(scenarios.catalogue(s, key))


@api.put("/process-definitions/<key>/scenarios/<name>")
@contract(N_("保存情景（请求体为情景 JSON；新建 201，替换 200）"), rd.ScenarioStored,
          status=201, also=(200,), path=ScenarioPath, body_types=SCENARIO, errors=WRITE_ERRORS + (413,))
@login_required
@designer_required
def store_scenario(key: str, name: str):
    if (request.content_length or 0) > scenarios.MAX_SCENARIO_BYTES:
        raise TooLarge(N_("情景文件过大，上限 {limit} KB"), limit=scenarios.MAX_SCENARIO_BYTES // 1024)
    content = request.get_json(silent=True)
    if not isinstance(content, dict):
        raise BadRequest(N_("请求体应为情景文件的 JSON 对象（Content-Type: application/json）"))
    created = scenarios.store(key, name, content, g.user)
    return jsonify({"key": key, "name": name, "created": created}), 201 if created else 200


@api.delete("/process-definitions/<key>/scenarios/<name>")
@contract(N_("删除保存的情景"), None, status=204, path=ScenarioPath, errors=READ_ERRORS)
@login_required
@designer_required
def delete_scenario(key: str, name: str):
    scenarios.remove(key, name, g.user)
    return "", 204


@api.post("/process-definitions/<key>/scenarios/run")
@contract(N_("运行情景测试（发布的与保存的；默认针对最新版本；给出 bpmn 时针对该设计）"),
          rd.ScenarioOutcome(many=True), path=KeyPath, body=ScenarioRunRequest, errors=(400, 401, 403, 404, 413, 422))
@login_required
@designer_required
def run_scenarios(key: str):
    data = body()
    with db.transaction(write=False) as s:
        return jsonify(scenarios.run_for_process(s, key, data["bpmn"], data["forms"], data["scenarios"]))
