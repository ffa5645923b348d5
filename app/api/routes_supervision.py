"""The supervisor's console as an API: stuck cases, search, one case, repairs and batches. Supervisors, 司法局 staff and
administrators only, within their organisation scope (the services check both)."""
from __future__ import annotations

from flask import g, jsonify
from flask_babel import gettext

from app import db
from app.api import api, responses as r, responses_supervision as rs
from app.auth import login_required
from app.api.contract import READ_ERRORS, contract
from app.api.schemas import (BatchPreviewRequest, BatchRequest, CaseSearchQuery, OverviewQuery, ReassignRequest,
                             ReasonRequest, ResetRequest, VariablesRequest)
from app.api.util import body, query
from app.i18n import N_
from app.services.supervision import repairs
from app.services.supervision import console as supervision


@api.get("/supervision/overview")
@contract(N_("卡滞案件概览"), rs.Overview, query=OverviewQuery, errors=(401, 403, 422))
@login_required
def supervision_overview():
    args = query()
    with db.transaction(write=False) as s:
        overview = supervision.overview(s, g.user, **args)
    for category in overview["categories"]:
        category["name"] = gettext(category["name"])  # a catalogue label: in the caller's language
    return jsonify(overview)


@api.get("/supervision/cases")
@contract(N_("案件检索"), rs.CasePage, query=CaseSearchQuery, errors=READ_ERRORS + (422,))
@login_required
def supervision_cases():
    args = query()
    with db.transaction(write=False) as s:
        return jsonify(supervision.search(s, g.user, **args))


@api.get("/supervision/cases/<int(max=2147483647):instance_id>")
@contract(N_("案件全貌"), rs.CaseView, errors=READ_ERRORS)
@login_required
def supervision_case(instance_id: int):
    with db.transaction(write=False) as s:
        return jsonify(supervision.case_view(s, g.user, instance_id))


@api.get("/supervision/definitions/<int(max=2147483647):definition_id>/counts")
@contract(N_("流程图各环节的在办数与出错数"), rs.ElementCounts, errors=READ_ERRORS)
@login_required
def supervision_element_counts(definition_id: int):
    with db.transaction(write=False) as s:
        return jsonify(supervision.element_counts(s, g.user, definition_id))


STATUS_CHANGES = {repairs.retry: N_("重试"), repairs.suspend: N_("挂起"), repairs.resume: N_("恢复"),
                  repairs.cancel: N_("撤销")}


def _status_change(action, summary: str):
    def view(instance_id: int):
        data = body()
        return jsonify(action(instance_id, g.user, data["reason"], data["expected_version"]))
    view.__name__ = f"supervision_{action.__name__}"
    return contract(summary, r.InstanceSummary, body=ReasonRequest)(login_required(view))


for _action, _summary in STATUS_CHANGES.items():
    api.post(f"/supervision/cases/<int(max=2147483647):instance_id>/{_action.__name__}")(
        _status_change(_action, _summary))


@api.post("/supervision/cases/<int(max=2147483647):instance_id>/variables")
@contract(N_("修改变量"), r.InstanceSummary, body=VariablesRequest)
@login_required
def supervision_set_variables(instance_id: int):
    data = body()
    return jsonify(repairs.set_variables(instance_id, g.user, data["changes"], data["reason"], data["expected_version"],
                                         raw=data["raw"]))


@api.post("/supervision/cases/<int(max=2147483647):instance_id>/reset")
@contract(N_("回退到已办环节"), r.InstanceSummary, body=ResetRequest)
@login_required
def supervision_reset(instance_id: int):
    data = body()
    return jsonify(repairs.reset(instance_id, g.user, data["element_id"], data["reason"], data["expected_version"]))


@api.post("/supervision/tasks/<task_id>/reassign")
@contract(N_("改派任务"), rs.Reassigned, body=ReassignRequest)
@login_required
def supervision_reassign(task_id: str):
    data = body()
    return jsonify(repairs.reassign(task_id, g.user, data["username"], data["reason"]))


@api.post("/supervision/batch/preview")
@contract(N_("批量操作预览"), rs.BatchPreview, body=BatchPreviewRequest)
@login_required
def supervision_batch_preview():
    data = body()
    return jsonify(repairs.batch_preview(g.user, data["operation"], data["filter"]))


@api.post("/supervision/batch")
@contract(N_("批量操作"), rs.BatchResult, body=BatchRequest)
@login_required
def supervision_batch():
    data = body()
    return jsonify(repairs.batch_execute(g.user, data["operation"], data["instance_ids"], data["confirm_count"],
                                         data["reason"], data["username"]))
