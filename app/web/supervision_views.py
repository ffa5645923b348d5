"""Supervisor pages (督办): stuck-case overview, case search with batch operations, one case on its diagram with the
repairs, and a definition's diagram with per-element counts. Plain forms posting back here; the services check
role × organisation scope and write the audit rows."""
from __future__ import annotations

import json
from datetime import date, datetime

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from app import db
from app.auth import check_csrf, page_login_required
from app.i18n import N_, render
from app.services.people import access
from app.services.supervision import repairs
from app.services.supervision import console as supervision
from app.services.supervision.filters import FILTER_KEYS, CaseFilter, CaseSearchQuery
from app.services.errors import BadRequest, ErrorCode, Invalid, ServiceError
from app.services.runtime.forms import REQUIRED_MSG
from app.web import web


@web.app_context_processor
def _supervision_globals():
    user = g.get("user")
    return {"can_supervise": bool(user and access.can_supervise(user))}


@web.get("/supervision")
@page_login_required
def supervision_page():
    process_key = request.args.get("process_key") or None
    with db.transaction(write=False) as s:
        overview = supervision.overview(s, g.user, process_key)
        definitions = supervision.definitions(s)
    return render_template("supervision/overview.html", overview=overview, definitions=definitions,
                           process_key=process_key, processes=_process_names(definitions))


@web.get("/supervision/cases")
@page_login_required
def supervision_cases_page():
    args, errors = _filters(CaseSearchQuery, request.args.to_dict())
    with db.transaction(write=False) as s:
        result = supervision.search(s, g.user, **args) if not errors else None
        organisations = supervision.scope_organisations(s, g.user)
        definitions = supervision.definitions(s)
        variables = supervision.searchable_variables(s)
    return render_template("supervision/cases.html", result=result, args=args, errors=errors,
                           organisations=organisations, processes=_process_names(definitions),
                           categories=supervision.CATEGORIES, operations=repairs.BATCH_OPERATIONS,
                           variables=variables,
                           query={k: v for k, v in request.args.items() if k in FILTER_KEYS and v})


@web.post("/supervision/batch/preview")
@page_login_required
def supervision_batch_preview_page():
    check_csrf()
    raw = {k: v for k, v in request.form.items() if k in FILTER_KEYS and v}
    args, errors = _filters(CaseFilter, raw)
    if errors:
        flash(_("筛选条件有误：") + "；".join(errors.values()), "error")
        return redirect(url_for("web.supervision_cases_page", **raw))
    preview = repairs.batch_preview(g.user, request.form.get("operation", ""), args)
    return render_template("supervision/batch.html", preview=preview, query=raw, result=None)


@web.post("/supervision/batch")
@page_login_required
def supervision_batch_page():
    check_csrf()
    ids = [int(i) for i in request.form.getlist("instance_id") if i.isdigit() and int(i) < 2**31]
    confirm = request.form.get("confirm_count", "")
    try:
        result = repairs.batch_execute(g.user, request.form.get("operation", ""), ids,
                                       int(confirm) if confirm.isdigit() else -1, request.form.get("reason", ""),
                                       request.form.get("username") or None)
    except ServiceError as err:
        flash(err.text.render(_), "error")
        return redirect(url_for("web.supervision_cases_page"))
    return render_template("supervision/batch.html", preview=None, result=result, query={})


@web.get("/supervision/cases/<int(max=2147483647):instance_id>")
@page_login_required
def supervision_case_page(instance_id: int):
    return _case_page(instance_id)


def _case_page(instance_id: int, field_errors: dict | None = None, typed: dict | None = None, status: int = 200):
    """The case with its repairs; after a refused 修改变量 the messages stand at their fields over what was typed."""
    with db.transaction(write=False) as s:
        case = supervision.case_page(s, g.user, instance_id)
    variables = {k: v for k, v in case["variables"].items() if k != "limits"}
    return render_template("supervision/case.html", case=case, variables_json=json.dumps(
        variables, ensure_ascii=False, indent=2, sort_keys=True, default=str), diagram=_diagram_payload(case),
        field_errors=field_errors or {}, typed=typed or {}, input_type=_input_type), status


@web.post("/supervision/cases/<int(max=2147483647):instance_id>/<action>")
@page_login_required
def supervision_case_action(instance_id: int, action: str):
    check_csrf()
    form = request.form
    reason, version = form.get("reason", ""), form.get("row_version", "")
    expected = int(version) if version.isdigit() else None
    done = {"retry": _("已重试"), "suspend": _("已挂起"), "resume": _("已恢复"), "cancel": _("已撤销"),
            "variables": _("变量已修改"), "reset": _("已回退"), "reassign": _("已改派")}
    if action not in done:
        return render_template("error.html", message=_("不支持的操作")), 404
    try:
        if action == "variables" and form.get("raw"):
            result = repairs.set_variables(instance_id, g.user, _json_object(form.get("changes", "")), reason, expected,
                                           raw=True)
        elif action == "variables":
            result = repairs.set_fields(instance_id, g.user, _changed_inputs(form), reason, expected)
        elif action == "reset":
            result = repairs.reset(instance_id, g.user, form.get("element_id", ""), reason, expected)
        elif action == "reassign":
            target = None if form.get("to_pool") else form.get("username", "").strip()
            if target == "":
                raise Invalid(N_("请选择接收人"), fields={"username": REQUIRED_MSG})
            result = repairs.reassign(form.get("task_id", ""), g.user, target, reason, instance_id=instance_id)
        else:
            result = getattr(repairs, action)(instance_id, g.user, reason, expected)
        if action in ("retry", "resume", "reset") and result.get("error"):
            flash(_("已执行，但案件再次出错：%(message)s", message=result["error"]["message"]), "error")
        else:
            flash(done[action], "ok")
    except ServiceError as err:
        if action == "variables" and not form.get("raw") and err.fields:
            flash(err.text.render(_), "error")
            return _case_page(instance_id, render(err.fields, _),
                              {k: form.getlist(f"v.{k}") for k in form.getlist("field")}, 422)
        flash(err.text.render(_) + "".join(f"（{v}）" for v in render(err.fields, _).values()), "error")
    return redirect(url_for("web.supervision_case_page", instance_id=instance_id))


@web.get("/supervision/definitions/<int(max=2147483647):definition_id>")
@page_login_required
def supervision_definition_page(definition_id: int):
    with db.transaction(write=False) as s:
        counts = supervision.element_counts(s, g.user, definition_id)
        definitions = supervision.definitions(s)
    return render_template("supervision/definition.html", counts=counts, definitions=definitions, diagram={
        "xml": counts["bpmn_xml"], "badges": {"active": counts["active"], "incidents": counts["incidents"]}})


# ---- helpers ---------------------------------------------------------------------------------------------------------
def _filters(schema_cls, raw: dict) -> tuple[dict, dict]:
    """Parse filter inputs; on a mistake keep what the user typed and say what is wrong, field by field."""
    try:
        return schema_cls().load({k: v for k, v in raw.items() if v != ""}), {}
    except ValidationError as err:
        labels = {"started_from": _("受理日期起"), "started_to": _("受理日期止"), "version": _("版本"), "page": _("页码"),
                  "per_page": _("每页条数"), "status": _("状态"), "category": _("卡滞类别"), "process_key": _("流程"),
                  "organisation": _("单位"), "business_key": _("案号"), "name": _("申请人或企业名称"),
                  "variable": _("变量"), "value": _("值")}
        messages = err.messages if isinstance(err.messages, dict) else {}
        return {**raw, "page": 1, "per_page": 20}, {
            k: f"{labels.get(k, k)}：{render(v[0] if isinstance(v, list) else v, _)}" for k, v in messages.items()}


def _changed_inputs(form) -> dict[str, list[str]]:
    """The 修改变量 inputs that differ from what the page showed: only those are changed."""
    return {k: form.getlist(f"v.{k}") for k in form.getlist("field")
            if form.getlist(f"v.{k}") != form.getlist(f"shown.{k}")}


def _input_type(field: dict, value: str) -> str:
    """The HTML input for a 修改变量 field. A value (stored or just typed) that the browser's date or number input
    would blank out is shown as text, so it is seen and corrected rather than silently emptied."""
    html = {"number": "number", "date": "date", "datetime": "datetime-local"}.get(field["kind"], "text")
    parse = {"number": float, "date": date.fromisoformat, "datetime": datetime.fromisoformat}.get(field["kind"])
    if parse is not None and value:
        try:
            parse(value)
        except ValueError:
            return "text"
    return html


def _json_object(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise BadRequest(_("变量不是合法的 JSON（第 %(line)s 行第 %(col)s 列）", line=err.lineno, col=err.colno),
                           code=ErrorCode.INVALID_JSON) from None
    if not isinstance(value, dict):
        raise BadRequest(_("请填写 JSON 对象，例如 {\"divisor\": 5}"), code=ErrorCode.INVALID_JSON)
    return value


def _diagram_payload(case: dict) -> dict:
    return {"xml": case["bpmn_xml"], "active": case["diagram"]["active"], "completed": case["diagram"]["completed"],
            "error": case["diagram"]["error"],
            "waits": [{**w, "due": w["due"].isoformat() if w["due"] else None} for w in case["diagram"]["waits"]]}


def _process_names(definitions: list[dict]) -> dict:
    names = {}
    for d in definitions:
        names.setdefault(d["key"], d["name"])
    return names
