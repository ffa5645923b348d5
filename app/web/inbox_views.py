"""Staff pages: 我的待办, 任务办理, 发起案件, 已办, 案件详情."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app import db
from app.auth import check_csrf, page_login_required
from app.http import download, status_of
from app.i18n import render
from app.services.errors import ServiceError
from app.services.inbox import collab, pages
from app.services.inbox import worklist as inbox
from app.services.runtime import tasks
from app.vocabulary import InstanceStatus, TaskState, role_label
from app.web import web


def due_label(due_at) -> tuple[str, bool]:
    """Due day and working days left (the due instant is the end of the due day)."""
    due = pages.due(due_at)
    if due is None:
        return "", False
    if due["overdue"]:
        return _("%(day)s（已逾期 %(n)s 个工作日）", day=due["day"], n=due["workdays"]), True
    return _("%(day)s（剩余 %(n)s 个工作日）", day=due["day"], n=due["workdays"]), False


@web.app_context_processor
def _inbox_globals():
    """`can_start()`: whether the 发起案件 menu has anything for the user (asked only by pages that show the menu)."""
    def can_start() -> bool:
        with db.transaction(write=False) as s:
            return pages.may_start_any(s, g.user)
    return {"can_start": can_start}


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
            flash(err.text.render(_), "error")
            result = inbox.list_tasks(s, g.user, page=1, per_page=20)
        filters = pages.saved_filters(s, g.user)
        processes = pages.process_names(s)
        notice = _notice(pages.outcome(s, g.user, request.args.get("completed"), request.args.get("started", type=int)))
    for item in result["items"]:
        item["due_label"], item["overdue"] = due_label(item["due_at"])
    page_count = max(1, -(-result["total"] // result["per_page"]))
    return render_template("inbox.html", result=result, args=args, filters=filters, processes=processes, pages=page_count,
                           notice=notice)


def _notice(outcome: dict | None) -> str | None:
    """After a submit or a start: what happened and what the next step is."""
    if outcome is None:
        return None
    done = (_("已提交“%(name)s”。", name=outcome["task"]) if "task" in outcome
            else _("已发起案件 %(key)s。", key=outcome["business_key"]))
    if outcome["status"] == InstanceStatus.COMPLETED:
        return done + _("案件已办结。")
    if outcome["status"] == InstanceStatus.ERROR:
        return done + _("但后续自动处理出错，已通知管理员处理：%(msg)s", msg=outcome["error_message"] or "")
    if not outcome["next"]:
        return done + _("案件正在等待期限届满或外部消息。")
    steps = "、".join(f"{t['name']}（{_(role_label(t['candidate_role']))}）"
                     for t in outcome["next"])
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
        flash(err.text.render(_), "error")
    return redirect(url_for("web.inbox_page", **query))


@web.post("/filters/<int:filter_id>/delete")
@page_login_required
def delete_filter(filter_id: int):
    check_csrf()
    try:
        collab.delete_filter(g.user, filter_id)
        flash(_("筛选已删除"), "ok")
    except ServiceError as err:
        flash(err.text.render(_), "error")
    return redirect(url_for("web.inbox_page"))


@web.get("/done")
@page_login_required
def done_page():
    page = max(1, request.args.get("page", 1, type=int))
    with db.transaction(write=False) as s:
        result = inbox.list_tasks(s, g.user, scope="mine", status=TaskState.COMPLETED, sort="-completed_at", page=page)
    page_count = max(1, -(-result["total"] // result["per_page"]))
    return render_template("done.html", result=result, pages=page_count)


# ---- one task ----------------------------------------------------------------------------------------------------
@web.get("/tasks/<task_id>")
@page_login_required
def task_page(task_id: str):
    with db.transaction(write=False) as s:
        page = pages.task_page(s, g.user, task_id)
    detail = page["task"]
    detail["due_label"], detail["overdue"] = due_label(detail["due_at"])
    return render_template("task.html", task=detail, instance=page["instance"], history=page["history"],
                           summary=render(page["summary"], _))


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
        flash(err.text.render(_), "error")
    return redirect(url_for("web.task_page", task_id=task_id))


@web.get("/attachments/<int:attachment_id>")
@page_login_required
def attachment(attachment_id: int):
    with db.transaction(write=False) as s:
        item = pages.attachment_file(s, g.user, attachment_id)
    return download(item["content"], item["content_type"], item["filename"])


# ---- cases -------------------------------------------------------------------------------------------------------
@web.get("/cases/<int:instance_id>")
@page_login_required
def case_page(instance_id: int):
    with db.transaction(write=False) as s:
        page = pages.case_page(s, g.user, instance_id)
    return render_template("case.html", case=page["case"], instance=page["case"], history=page["history"],
                           definition=page["definition"], summary=render(page["summary"], _))


@web.get("/start")
@page_login_required
def start_list():
    with db.transaction(write=False) as s:
        startable = pages.startable(s, g.user)
    return render_template("start_list.html", processes=startable)


@web.get("/start/<process_key>")
@page_login_required
def start_page(process_key: str):
    with db.transaction(write=False) as s:
        page = pages.start_form(s, g.user, process_key)  # Forbidden → the 403 error page
    return render_template("start.html", definition=page["definition"], form=page["form"])


@web.app_errorhandler(ServiceError)
def _service_error_page(err: ServiceError):
    """Pages show service errors in Chinese on the error page (the API blueprint answers its own in JSON)."""
    return render_template("error.html", message=err.render(_)["message"]), status_of(err)
