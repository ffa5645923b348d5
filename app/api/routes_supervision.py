"""The supervisor's console as an API: stuck cases, search, one case, repairs and batches. Supervisors, 司法局 staff and
administrators only, within their organisation scope (the services check both)."""
from __future__ import annotations

from flask import g, jsonify

from app import db
from app.api import api, openapi
from app.auth import login_required
from app.api.schemas import (BatchPreviewRequest, BatchRequest, CaseSearchQuery, OverviewQuery, ReassignRequest,
                             ReasonRequest, ResetRequest, VariablesRequest)
from app.api.util import body, query
from app.services.supervision import repairs
from app.services.supervision import console as supervision


@api.get("/supervision/overview")
@login_required
def supervision_overview():
    args = query(OverviewQuery)
    with db.transaction(write=False) as s:
        return jsonify(supervision.overview(s, g.user, **args))


@api.get("/supervision/cases")
@login_required
def supervision_cases():
    args = query(CaseSearchQuery)
    with db.transaction(write=False) as s:
        return jsonify(supervision.search(s, g.user, **args))


@api.get("/supervision/cases/<int(max=2147483647):instance_id>")
@login_required
def supervision_case(instance_id: int):
    with db.transaction(write=False) as s:
        return jsonify(supervision.case_view(s, g.user, instance_id))


@api.get("/supervision/definitions/<int(max=2147483647):definition_id>/counts")
@login_required
def supervision_element_counts(definition_id: int):
    with db.transaction(write=False) as s:
        return jsonify(supervision.element_counts(s, g.user, definition_id))


def _status_change(action):
    def view(instance_id: int):
        data = body(ReasonRequest)
        return jsonify(action(instance_id, g.user, data["reason"], data["expected_version"]))
    view.__name__ = f"supervision_{action.__name__}"
    return login_required(view)


for _action in (repairs.retry, repairs.suspend, repairs.resume, repairs.cancel):
    api.post(f"/supervision/cases/<int(max=2147483647):instance_id>/{_action.__name__}")(_status_change(_action))


@api.post("/supervision/cases/<int(max=2147483647):instance_id>/variables")
@login_required
def supervision_set_variables(instance_id: int):
    data = body(VariablesRequest)
    return jsonify(repairs.set_variables(instance_id, g.user, data["changes"], data["reason"], data["expected_version"]))


@api.post("/supervision/cases/<int(max=2147483647):instance_id>/reset")
@login_required
def supervision_reset(instance_id: int):
    data = body(ResetRequest)
    return jsonify(repairs.reset(instance_id, g.user, data["element_id"], data["reason"], data["expected_version"]))


@api.post("/supervision/tasks/<task_id>/reassign")
@login_required
def supervision_reassign(task_id: str):
    data = body(ReassignRequest)
    return jsonify(repairs.reassign(task_id, g.user, data["username"], data["reason"]))


@api.post("/supervision/batch/preview")
@login_required
def supervision_batch_preview():
    data = body(BatchPreviewRequest)
    return jsonify(repairs.batch_preview(g.user, data["operation"], data["filter"]))


@api.post("/supervision/batch")
@login_required
def supervision_batch():
    data = body(BatchRequest)
    return jsonify(repairs.batch_execute(g.user, data["operation"], data["instance_ids"], data["confirm_count"],
                                         data["reason"], data["username"]))


_ID = {"name": "instance_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}
_READ_ERRORS = (401, 403, 404, 422)
openapi.register({
    "/supervision/overview": {"get": openapi._op("卡滞案件概览 / stuck cases by category", params=openapi._params(OverviewQuery),
                                                 errors=(401, 403, 422))},
    "/supervision/cases": {"get": openapi._op("案件检索 / case search", params=openapi._params(CaseSearchQuery),
                                              errors=_READ_ERRORS)},
    "/supervision/cases/{instance_id}": {"get": {**openapi._op("案件全貌 / a case in full", errors=(401, 403, 404)),
                                                 "parameters": [_ID]}},
    "/supervision/definitions/{definition_id}/counts": {"get": {
        **openapi._op("流程图各环节的在办数与出错数 / per-element counts", errors=(401, 403, 404)),
        "parameters": [{"name": "definition_id", "in": "path", "required": True,
                        "schema": {"type": "integer", "minimum": 1}}]}},
    **{f"/supervision/cases/{{instance_id}}/{verb}": {"post": {**openapi._op(summary, body=openapi._schema(ReasonRequest)),
                                                               "parameters": [_ID]}}
       for verb, summary in (("retry", "重试 / retry"), ("suspend", "挂起 / suspend"), ("resume", "恢复 / resume"),
                             ("cancel", "撤销 / cancel"))},
    "/supervision/cases/{instance_id}/variables": {"post": {
        **openapi._op("修改变量 / edit variables", body=openapi._schema(VariablesRequest)), "parameters": [_ID]}},
    "/supervision/cases/{instance_id}/reset": {"post": {
        **openapi._op("回退到已办环节 / move the token back", body=openapi._schema(ResetRequest)), "parameters": [_ID]}},
    "/supervision/tasks/{task_id}/reassign": {"post": {
        **openapi._op("改派任务 / reassign a task", body=openapi._schema(ReassignRequest)), "parameters": [openapi.TASK_ID]}},
    "/supervision/batch/preview": {"post": openapi._op("批量操作预览 / batch preview", body=openapi._schema(BatchPreviewRequest))},
    "/supervision/batch": {"post": openapi._op("批量操作 / batch operation", body=openapi._schema(BatchRequest))},
})
