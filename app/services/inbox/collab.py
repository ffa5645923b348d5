"""Comments and attachments on a case's tasks, and inbox filters a user saves (optionally shared with their org)."""
from __future__ import annotations

import re

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.engine import clock
from app.i18n import N_
from app.models import Attachment, Comment, SavedFilter, User
from app.services.inbox import worklist as inbox
from app.services.errors import Invalid, NotFound
from app.services.runtime.forms import REQUIRED_MSG
from app.services.runtime.unit_of_work import UnitOfWork, run

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_COMMENT_CHARS = 2000
ALLOWED_TYPES = {"application/pdf", "image/png", "image/jpeg", "text/plain", "application/msword",
                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "application/zip", "application/octet-stream"}


def add_comment(task_id: str, user: User, text) -> Comment:
    if not isinstance(text, str) or not text.strip():
        raise Invalid(N_("意见内容不能为空"), fields={"text": REQUIRED_MSG})
    if len(text) > MAX_COMMENT_CHARS:
        raise Invalid(N_("意见不超过 {limit} 字"), fields={"text": N_("内容过长")}, limit=MAX_COMMENT_CHARS)

    def act(uow: UnitOfWork) -> Comment:
        task, inst = inbox.visible_task(uow.session, user, task_id)
        comment = Comment(instance_id=inst.id, task_id=task.id, author=user.username, text=text.strip(),
                          created_at=clock.now())
        uow.session.add(comment)
        uow.audit(user.username, "comment", inst.id, task.id, {"text": text.strip()[:200]})
        uow.session.flush()
        return comment
    return run(act)


def upload(task_id: str, user: User, filename: str, content_type: str, content: bytes) -> Attachment:
    name = re.sub(r"[\\/\x00-\x1f]", "_", (filename or "").strip())[:255]
    if not name:
        raise Invalid(N_("请选择要上传的文件"), fields={"file": REQUIRED_MSG})
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise Invalid(N_("文件不能超过 {megabytes} MB"), fields={"file": N_("文件过大")},
                      megabytes=MAX_ATTACHMENT_BYTES // 1024 // 1024)
    if (content_type or "application/octet-stream").split(";")[0] not in ALLOWED_TYPES:
        raise Invalid(N_("不支持此文件类型（请上传 PDF、图片、Word、Excel 或文本）"), fields={"file": N_("文件类型不支持")})

    def act(uow: UnitOfWork) -> Attachment:
        task, inst = inbox.visible_task(uow.session, user, task_id)
        item = Attachment(instance_id=inst.id, task_id=task.id, filename=name,
                          content_type=(content_type or "application/octet-stream").split(";")[0], size=len(content),
                          content=content, uploaded_by=user.username, uploaded_at=clock.now())
        uow.session.add(item)
        uow.audit(user.username, "attach", inst.id, task.id, {"filename": name, "size": len(content)})
        uow.session.flush()
        return item
    return run(act)


def download(session: Session, user: User, attachment_id: int) -> Attachment:
    item = session.get(Attachment, attachment_id)
    if item is None:
        raise NotFound(N_("附件不存在或您无权查看"))
    inbox.visible_instance(session, user, item.instance_id)
    return item


def save_filter(user: User, name, query, shared: bool) -> SavedFilter:
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise Invalid(N_("请填写筛选名称（不超过 100 字）"), fields={"name": REQUIRED_MSG})
    if not isinstance(query, dict) or set(query) - {"scope", "process_key", "overdue", "q", "sort"}:
        raise Invalid(N_("筛选条件不正确"), fields={"query": N_("只允许 scope、process_key、overdue、q、sort")})

    def act(uow: UnitOfWork) -> SavedFilter:
        item = SavedFilter(owner_id=user.id, organisation_id=user.organisation_id if shared else None,
                           name=name.strip(), query=query, created_at=clock.now())
        uow.session.add(item)
        uow.session.flush()
        return item
    return run(act)


def filters_for(session: Session, user: User) -> list[SavedFilter]:
    return list(session.scalars(select(SavedFilter).where(or_(
        SavedFilter.owner_id == user.id, SavedFilter.organisation_id == user.organisation_id)).order_by(SavedFilter.name)))


def delete_filter(user: User, filter_id: int) -> None:
    def act(uow: UnitOfWork) -> None:
        item = uow.session.get(SavedFilter, filter_id)
        if item is None or item.owner_id != user.id:
            raise NotFound(N_("筛选不存在或不是您创建的"))
        uow.session.delete(item)
    run(act)
