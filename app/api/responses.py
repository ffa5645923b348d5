"""What the API answers, as marshmallow schemas for the OpenAPI document (the views send the services' dicts as they
are; these describe them). Times are strings: ISO 8601, or the HTTP date Flask writes for a datetime column."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema
from marshmallow import fields as ma

Str, Int, Bool = ma.String, ma.Integer, ma.Boolean
VARIABLES = {"description": "案件变量（JSON 对象）"}


class Answer(Schema):
    """A response body: documented, never loaded, and open to keys added later (no additionalProperties: false)."""
    class Meta:
        unknown = EXCLUDE


def nullable(kind=Str, **kw):
    """A key that is always there but may be null."""
    return kind(allow_none=True, **kw)


def list_of(schema) -> ma.List:
    return ma.List(ma.Nested(schema))


class OrganisationRef(Answer):
    code = Str()
    name = Str()


class User(Answer):
    username = Str()
    display_name = Str()
    roles = ma.List(Str())
    organisation = ma.Nested(OrganisationRef)


class Token(Answer):
    token = Str()
    user = ma.Nested(User)


class Health(Answer):
    status = Str(metadata={"example": "ok"})


class Definition(Answer):
    key = Str()
    name = Str()
    version = Int()
    deployed_by = Str()
    deployed_at = Str()


# ---- cases ---------------------------------------------------------------------------------------------------------
class InstanceError(Answer):
    element_id = nullable()
    line = nullable(Int)
    message = Str()


class OpenTask(Answer):
    id = Str()
    element_id = Str()
    name = Str()
    candidate_role = nullable()
    organisation_id = nullable(Int)
    due_at = nullable()


class InstanceSummary(Answer):
    id = Int()
    process_key = Str()
    version = Int(metadata={"description": "流程版本"})
    business_key = nullable()
    status = Str()
    row_version = Int(metadata={"description": "乐观锁版本（expected_version）"})
    error = ma.Nested(InstanceError, allow_none=True)
    open_tasks = list_of(OpenTask)


class InstanceListing(InstanceSummary):
    started_at = Str()
    started_by = Str()
    updated_at = Str()
    next_timer_due = nullable()


class InstanceDetail(InstanceListing):
    variables = ma.Dict(metadata=VARIABLES)
    awaited_messages = ma.List(Str())


class InstancePage(Answer):
    items = list_of(InstanceListing)
    total = Int()
    page = Int()
    per_page = Int()


class AuditEvent(Answer):
    at = Str()
    actor = Str()
    action = Str()
    task_id = nullable()
    detail = ma.Dict(allow_none=True)


class HistoryTask(Answer):
    id = Str()
    name = Str()
    status = Str()
    created_at = Str()
    completed_at = nullable()
    completed_by = nullable()


class Comment(Answer):
    id = Int()
    author = Str()
    text = Str()
    created_at = Str()


class HistoryComment(Comment):
    task_id = nullable()


class Attachment(Answer):
    id = Int()
    filename = Str()
    size = Int()
    content_type = Str()


class HistoryAttachment(Attachment):
    task_id = nullable()
    uploaded_by = Str()
    uploaded_at = Str()


class History(Answer):
    events = list_of(AuditEvent)
    tasks = list_of(HistoryTask)
    comments = list_of(HistoryComment)
    attachments = list_of(HistoryAttachment)


class Delivered(Answer):
    delivered_to = ma.List(Int(), metadata={"description": "收到消息的案件编号"})


# ---- tasks ----------------------------------------------------------------------------------------------------------
class TaskItem(Answer):
    id = Str()
    name = Str()
    element_id = Str()
    process_key = Str()
    instance_id = Int()
    business_key = nullable()
    instance_status = Str()
    assignee = nullable()
    candidate_role = nullable()
    organisation = ma.Nested(OrganisationRef, allow_none=True)
    due_at = nullable()
    priority = nullable(Int)
    created_at = Str()
    status = Str()
    completed_at = nullable()
    completed_by = nullable()
    form_key = nullable()
    overdue = Bool()


class TaskPage(Answer):
    items = list_of(TaskItem)
    total = Int()
    page = Int()
    per_page = Int()


class TaskDetail(TaskItem):
    form = ma.Dict(allow_none=True, metadata={"description": "form-js 表单定义"})
    data = ma.Dict(metadata={"description": "表单各项的当前值（含暂存）"})
    context = ma.Dict(metadata=VARIABLES)
    has_draft = Bool()
    process_name = Str()
    process_version = Int()


class Completed(Answer):
    instance = ma.Nested(InstanceSummary)
