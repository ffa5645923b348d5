"""Staff pages: login, 我的待办, 任务办理, 发起案件, 已办, 案件详情."""
from __future__ import annotations

from datetime import timedelta

from io import BytesIO

from flask import flash, g, redirect, render_template, request, send_file, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app import db
from app.engine import clock
from app.engine.workdays import calendar
from app.models import ProcessDefinition, ProcessInstance, Task
from app.services.inbox import cases
from app.services.inbox import collab
from app.services.design import deployments
from app.services.inbox import worklist as inbox
from app.services.people import accounts as people
from app.services.runtime import tasks
from app.services.runtime.commands import parsed_definition
from app.http import status_of
from app.services.errors import ServiceError
from app.web import check_csrf, csrf_token, page_login_required, web
from app.web.i18n import LANGUAGES

STATUS_LABELS = {"running": "办理中", "completed": "已办结", "error": "出错", "suspended": "已挂起", "cancelled": "已撤销"}
ROLE_LABELS = {"intake": "受理登记员", "mediator": "调解员", "agency_head": "机关负责人", "justice_admin": "司法局（行调办）",
               "petition_officer": "信访工作人员", "review_officer": "复议工作人员", "compensation_officer": "补偿经办人",
               "supervisor": "督办领导", "designer": "流程设计员", "admin": "系统管理员"}


@web.app_context_processor
def _globals():
    return {"csrf_token": csrf_token, "current_user": g.get("user"), "lang": session.get("lang", "zh"),
            "status_label": lambda s: _(STATUS_LABELS.get(s, s)), "role_label": lambda r: _(ROLE_LABELS.get(r, r or "")),
            "fmt_time": _fmt_time}


def _fmt_time(value) -> str:
    return value.astimezone(clock.BEIJING).strftime("%Y-%m-%d %H:%M") if value else ""


def due_label(due_at) -> tuple[str, bool]:
    """Due day and working days left (the due instant is the end of the due day)."""
    if due_at is None:
        return "", False
    due_day = (due_at.astimezone(clock.BEIJING) - timedelta(seconds=1)).date()
    today = clock.today()
    left = calendar.workdays_between(today, due_day)
    if due_at < clock.now():
        return _("%(day)s（已逾期 %(n)s 个工作日）", day=due_day.isoformat(), n=max(1, -left)), True
    return _("%(day)s（剩余 %(n)s 个工作日）", day=due_day.isoformat(), n=left), False


# ---- login -------------------------------------------------------------------------------------------------------
@web.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        check_csrf()
        try:
            token, _user = people.login(request.form.get("username", "").strip(), request.form.get("password", ""),
                                        request.remote_addr)
        except ServiceError as err:
            error = err.message
        else:
            session.clear()
            session["token"] = token
            target = request.args.get("next") or ""
            return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("web.inbox_page"))
    return render_template("login.html", error=error), (401 if error else 200)


@web.post("/logout")
def logout():
    check_csrf()
    token = session.pop("token", None)
    if token:
        with db.transaction() as s:
            people.revoke_token(s, token)
    return redirect(url_for("web.login"))


@web.get("/lang/<code>")
def set_language(code: str):
    if code in LANGUAGES:
        session["lang"] = code
    back = request.referrer or ""
    return redirect(back if back.startswith(request.host_url) else url_for("web.inbox_page"))


@web.get("/")
def home():
    return redirect(url_for("web.inbox_page"))


# ---- inbox -------------------------------------------------------------------------------------------------------
@web.get("/inbox")
@page_login_required
def inbox_page():
    args = {"scope": request.args.get("scope", "candidate"), "process_key": request.args.get("process_key") or None,
            "overdue": {"1": True, "0": False}.get(request.args.get("overdue", "")),
            "q": request.args.get("q") or None, "sort": request.args.get("sort", "due_at")}
    page = max(1, request.args.get("page", 1, type=int))
    with db.transaction(write=False) as s:
        try:
            result = inbox.list_tasks(s, g.user, page=page, per_page=20, **args)
        except ServiceError as err:
            flash(err.message, "error")
            result = inbox.list_tasks(s, g.user, page=1, per_page=20)
        filters = collab.filters_for(s, g.user)
        processes = _process_names(s)
        notice = _notice(s)
    for item in result["items"]:
        item["due_label"], item["overdue"] = due_label(item["due_at"])
    pages = max(1, -(-result["total"] // result["per_page"]))
    return render_template("inbox.html", result=result, args=args, filters=filters, processes=processes, pages=pages,
                           notice=notice)


def _notice(session_) -> str | None:
    """After a submit or a start: what happened and what the next step is."""
    task_id, instance_id = request.args.get("completed"), request.args.get("started", type=int)
    if task_id:
        task = session_.get(Task, task_id)
        if task is None or task.completed_by != g.user.username:
            return None
        instance_id, done = task.instance_id, _("已提交“%(name)s”。", name=task.name)
    elif instance_id:
        inst = session_.get(ProcessInstance, instance_id)
        if inst is None or inst.started_by != g.user.username:
            return None
        done = _("已发起案件 %(key)s。", key=inst.business_key)
    else:
        return None
    inst = session_.get(ProcessInstance, instance_id)
    following = session_.scalars(select(Task).where(Task.instance_id == instance_id, Task.status == "open")).all()
    if inst.status == "completed":
        return done + _("案件已办结。")
    if inst.status == "error":
        return done + _("但后续自动处理出错，已通知管理员处理：%(msg)s", msg=inst.error_message or "")
    if not following:
        return done + _("案件正在等待期限届满或外部消息。")
    steps = "、".join(f"{t.name}（{_(ROLE_LABELS.get(t.candidate_role, t.candidate_role or ''))}）" for t in following)
    return done + _("下一步：%(steps)s", steps=steps)


@web.post("/filters")
@page_login_required
def save_filter():
    check_csrf()
    query = {k: v for k, v in (("scope", request.form.get("scope")), ("process_key", request.form.get("process_key")),
                               ("overdue", request.form.get("overdue")), ("q", request.form.get("q")),
                               ("sort", request.form.get("sort"))) if v}
    try:
        collab.save_filter(g.user, request.form.get("name", ""), query, shared=bool(request.form.get("shared")))
        flash(_("筛选已保存"), "ok")
    except ServiceError as err:
        flash(err.message, "error")
    return redirect(url_for("web.inbox_page", **query))


@web.post("/filters/<int:filter_id>/delete")
@page_login_required
def delete_filter(filter_id: int):
    check_csrf()
    try:
        collab.delete_filter(g.user, filter_id)
        flash(_("筛选已删除"), "ok")
    except ServiceError as err:
        flash(err.message, "error")
    return redirect(url_for("web.inbox_page"))


@web.get("/done")
@page_login_required
def done_page():
    page = max(1, request.args.get("page", 1, type=int))
    with db.transaction(write=False) as s:
        result = inbox.list_tasks(s, g.user, scope="mine", status="completed", sort="-completed_at", page=page)
    pages = max(1, -(-result["total"] // result["per_page"]))
    return render_template("done.html", result=result, pages=pages)


# ---- one task ----------------------------------------------------------------------------------------------------
@web.get("/tasks/<task_id>")
@page_login_required
def task_page(task_id: str):
    with db.transaction(write=False) as s:
        detail = inbox.task_detail(s, g.user, task_id)
        inst = s.get(ProcessInstance, detail["instance_id"])
        history = inbox.history(s, inst.id)
    detail["due_label"], detail["overdue"] = due_label(detail["due_at"])
    summary = {k: v for k, v in (inst.search_values or {}).items()}
    return render_template("task.html", task=detail, instance=inst, history=history, summary=summary)


@web.post("/tasks/<task_id>/<action>")
@page_login_required
def task_action(task_id: str, action: str):
    check_csrf()
    try:
        with db.transaction(write=False) as s:
            inbox.visible_task(s, g.user, task_id)
        if action == "claim":
            tasks.claim(task_id, g.user)
            flash(_("已签收，此任务现由您办理"), "ok")
        elif action == "unclaim":
            tasks.unclaim(task_id, g.user)
            flash(_("已退回签收，同组人员可以办理"), "ok")
        elif action == "comment":
            collab.add_comment(task_id, g.user, request.form.get("text", ""))
            flash(_("意见已保存"), "ok")
        elif action == "attach":
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                flash(_("请选择要上传的文件"), "error")
            else:
                collab.upload(task_id, g.user, upload.filename, upload.mimetype, upload.read())
                flash(_("附件已上传"), "ok")
        else:
            return render_template("error.html", message=_("不支持的操作")), 404
    except ServiceError as err:
        flash(err.message, "error")
    return redirect(url_for("web.task_page", task_id=task_id))


@web.get("/attachments/<int:attachment_id>")
@page_login_required
def attachment(attachment_id: int):
    with db.transaction(write=False) as s:
        item = collab.download(s, g.user, attachment_id)
        return send_file(BytesIO(item.content), mimetype=item.content_type, as_attachment=True,
                         download_name=item.filename)


# ---- cases -------------------------------------------------------------------------------------------------------
@web.get("/cases/<int:instance_id>")
@page_login_required
def case_page(instance_id: int):
    with db.transaction(write=False) as s:
        inst = inbox.visible_instance(s, g.user, instance_id)
        detail = cases.instance_detail(s, inst)
        history = inbox.history(s, inst.id)
        definition = s.get(ProcessDefinition, inst.definition_id)
    return render_template("case.html", case=detail, instance=inst, history=history, definition=definition)


@web.get("/start")
@page_login_required
def start_list():
    with db.transaction(write=False) as s:
        startable = []
        for key, name in _process_names(s).items():
            role = cases.starter_role(s, key)
            if role is None or role in g.user.role_codes or "admin" in g.user.role_codes:
                startable.append({"key": key, "name": name, "role": role})
    return render_template("start_list.html", processes=startable)


@web.get("/start/<process_key>")
@page_login_required
def start_page(process_key: str):
    with db.transaction(write=False) as s:
        definition = deployments.latest_definition(s, process_key)
        role = cases.starter_role(s, process_key)
        form_key = parsed_definition(s, definition.id).start_form_key
    if role and role not in g.user.role_codes and "admin" not in g.user.role_codes:
        return render_template("error.html", message=_("您没有发起此类案件的权限")), 403
    form = (definition.forms or {}).get(form_key) if form_key else {"components": []}
    return render_template("start.html", definition=definition, form=form)


def _process_names(s) -> dict:
    names = {}
    for d in s.scalars(select(ProcessDefinition).order_by(ProcessDefinition.key, ProcessDefinition.version)):
        names[d.key] = d.name
    return names


@web.app_errorhandler(ServiceError)
def _service_error_page(err: ServiceError):
    """Pages show service errors in Chinese on the error page (the API blueprint answers its own in JSON)."""
    return render_template("error.html", message=err.render(_)["message"]), status_of(err)
