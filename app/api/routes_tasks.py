"""The inbox and everything done on one task."""
from __future__ import annotations

from flask import g, jsonify, request

from app import db
from app.api import api, responses as r
from app.auth import login_required
from app.http import download
from app.api.contract import BINARY, READ_ERRORS, WRITE_ERRORS, contract
from app.api.schemas import AssignRequest, CommentRequest, CompleteRequest, DraftRequest, TaskQuery
from app.api.util import body, query
from app.i18n import N_
from app.services.inbox import collab
from app.services.inbox import worklist as inbox
from app.services.runtime import tasks
from app.services.errors import BadRequest

UPLOAD = {"multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {"file": BINARY}}}}


@api.get("/tasks")
@contract(N_("待办与已办"), r.TaskPage, query=TaskQuery, errors=(400, 401, 422))
@login_required
def list_tasks():
    args = query()
    with db.transaction(write=False) as s:
        return jsonify(inbox.list_tasks(s, g.user, **args))


@api.get("/tasks/<task_id>")
@contract(N_("任务详情与表单"), r.TaskDetail, errors=READ_ERRORS)
@login_required
def get_task(task_id: str):
    with db.transaction(write=False) as s:
        return jsonify(inbox.task_detail(s, g.user, task_id))


def _visible(task_id: str) -> None:
    """404 before anything else for a task the caller may not see (no hint that it exists)."""
    with db.transaction(write=False) as s:
        inbox.visible_task(s, g.user, task_id)


@api.post("/tasks/<task_id>/complete")
@contract(N_("提交办理"), r.Completed, body=CompleteRequest)
@login_required
def complete_task(task_id: str):
    _visible(task_id)
    data = body()
    result = tasks.complete(task_id, g.user, data["data"], data["expected_version"])
    return jsonify({"instance": result})


@api.post("/tasks/<task_id>/claim")
@contract(N_("签收"), r.TaskDetail)
@login_required
def claim_task(task_id: str):
    _visible(task_id)
    tasks.claim(task_id, g.user)
    return _detail(task_id)


@api.post("/tasks/<task_id>/unclaim")
@contract(N_("退回签收"), r.TaskDetail)
@login_required
def unclaim_task(task_id: str):
    _visible(task_id)
    tasks.unclaim(task_id, g.user)
    return _detail(task_id)


@api.post("/tasks/<task_id>/assign")
@contract(N_("指派"), r.TaskDetail, body=AssignRequest)
@login_required
def assign_task(task_id: str):
    _visible(task_id)
    tasks.assign(task_id, g.user, body()["username"])
    return _detail(task_id)


@api.put("/tasks/<task_id>/draft")
@contract(N_("暂存"), r.TaskDetail, body=DraftRequest)
@login_required
def save_draft(task_id: str):
    _visible(task_id)
    tasks.save_draft(task_id, g.user, body()["data"])
    return _detail(task_id)


@api.post("/tasks/<task_id>/comments")
@contract(N_("填写意见"), r.Comment, status=201, body=CommentRequest)
@login_required
def add_comment(task_id: str):
    comment = collab.add_comment(task_id, g.user, body()["text"])
    return jsonify({"id": comment.id, "author": comment.author, "text": comment.text,
                    "created_at": comment.created_at}), 201


@api.post("/tasks/<task_id>/attachments")
@contract(N_("上传附件"), r.Attachment, status=201, body_types=UPLOAD, errors=WRITE_ERRORS + (413,))
@login_required
def upload_attachment(task_id: str):
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest(N_("请以 multipart/form-data 上传，字段名为 file"))
    item = collab.upload(task_id, g.user, upload.filename, upload.mimetype, upload.read())
    return jsonify({"id": item.id, "filename": item.filename, "size": item.size, "content_type": item.content_type}), 201


@api.get("/attachments/<int:attachment_id>")
@contract(N_("下载附件"), None, binary="application/octet-stream", errors=READ_ERRORS)
@login_required
def download_attachment(attachment_id: int):
    with db.transaction(write=False) as s:
        item = collab.download(s, g.user, attachment_id)
        return download(item.content, item.content_type, item.filename)


def _detail(task_id: str):
    with db.transaction(write=False) as s:
        return jsonify(inbox.task_detail(s, g.user, task_id))
