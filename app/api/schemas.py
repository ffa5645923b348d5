"""Request bodies and query strings, validated with marshmallow (unknown keys are refused)."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from app.services.inbox.worklist import LISTED_STATES
from app.services.supervision.filters import CaseFilter, CaseSearchQuery  # noqa: F401  (routes_supervision reads it here)
from app.vocabulary import InstanceStatus, TaskState

REQ = {"required": "此项为必填项 / required", "null": "不能为空 / may not be null",
       "invalid": "格式不正确 / invalid value"}


class Strict(Schema):
    class Meta:
        unknown = RAISE


class TokenRequest(Strict):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80), error_messages=REQ)
    password = fields.String(required=True, validate=validate.Length(min=1, max=200), error_messages=REQ)


class StartRequest(Strict):
    process_key = fields.String(required=True, validate=validate.Length(min=1, max=100), error_messages=REQ)
    business_key = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))
    variables = fields.Dict(keys=fields.String(), load_default=dict, error_messages={"invalid": "variables 必须是 JSON 对象"})


class CompleteRequest(Strict):
    data = fields.Dict(keys=fields.String(), load_default=dict, error_messages={"invalid": "data 必须是 JSON 对象"})
    expected_version = fields.Integer(load_default=None, allow_none=True, strict=True)


class DraftRequest(Strict):
    data = fields.Dict(keys=fields.String(), required=True, error_messages={**REQ, "invalid": "data 必须是 JSON 对象"})


class AssignRequest(Strict):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80), error_messages=REQ)


class CommentRequest(Strict):
    text = fields.String(required=True, validate=validate.Length(min=1, max=2000), error_messages=REQ)


class MessageRequest(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200), error_messages=REQ)
    correlation = fields.Dict(keys=fields.String(), load_default=dict)
    payload = fields.Dict(keys=fields.String(), load_default=dict)


class TaskQuery(Strict):
    scope = fields.String(load_default="candidate", validate=validate.OneOf(["mine", "candidate", "all"]))
    status = fields.String(load_default=TaskState.OPEN, validate=validate.OneOf(LISTED_STATES))
    process_key = fields.String(load_default=None)
    overdue = fields.Boolean(load_default=None, allow_none=True)
    q = fields.String(load_default=None, validate=validate.Length(max=100))
    sort = fields.String(load_default="due_at",
                         validate=validate.OneOf(["due_at", "-due_at", "created_at", "-created_at", "priority", "-completed_at"]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


class InstanceQuery(Strict):
    status = fields.String(load_default=None, validate=validate.OneOf(list(InstanceStatus)))
    process_key = fields.String(load_default=None)
    business_key = fields.String(load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


# ---- supervision (the case-search filters are service input: app/services/supervision/filters.py) ------------------
class OverviewQuery(Strict):
    process_key = fields.String(load_default=None, validate=validate.Length(max=100))


class ReasonRequest(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000), error_messages=REQ)
    expected_version = fields.Integer(load_default=None, allow_none=True, strict=True)


class VariablesRequest(ReasonRequest):
    changes = fields.Dict(keys=fields.String(), required=True, error_messages={**REQ, "invalid": "changes 必须是 JSON 对象"})


class ResetRequest(ReasonRequest):
    element_id = fields.String(required=True, validate=validate.Length(min=1, max=200), error_messages=REQ)


class ReassignRequest(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000), error_messages=REQ)
    username = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=80))


class BatchPreviewRequest(Strict):
    operation = fields.String(required=True, validate=validate.OneOf(["retry", "suspend", "resume", "cancel", "reassign"]),
                              error_messages=REQ)
    filter = fields.Nested(CaseFilter, load_default=dict)


class BatchRequest(Strict):
    operation = fields.String(required=True, validate=validate.OneOf(["retry", "suspend", "resume", "cancel", "reassign"]),
                              error_messages=REQ)
    instance_ids = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1)), required=True,
                               validate=validate.Length(min=1, max=500), error_messages=REQ)
    confirm_count = fields.Integer(required=True, strict=True, error_messages=REQ)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000), error_messages=REQ)
    username = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=80))
