"""Request bodies and query strings, validated with marshmallow (unknown keys are refused, messages in Chinese)."""
from __future__ import annotations

from app.services.fields import Boolean, Dict, Integer, Length, List, Nested, OneOf, Range, Strict, String
from app.i18n import N_
from app.services.inbox.worklist import LISTED_STATES
from app.services.supervision.filters import CaseFilter, CaseSearchQuery  # noqa: F401  (routes_supervision reads it here)
from app.vocabulary import InstanceStatus, TaskState

INVALID = {"invalid": N_("格式不正确")}  # what these fields said before the defaults were Chinese: kept for the clerk


class TokenRequest(Strict):
    username = String(required=True, validate=Length(min=1, max=80), error_messages=INVALID)
    password = String(required=True, validate=Length(min=1, max=200), error_messages=INVALID)


class StartRequest(Strict):
    process_key = String(required=True, validate=Length(min=1, max=100), error_messages=INVALID)
    business_key = String(load_default=None, allow_none=True, validate=Length(min=1, max=100))
    variables = Dict(keys=String(), load_default=dict, error_messages={"invalid": N_("variables 必须是 JSON 对象")})


class CompleteRequest(Strict):
    data = Dict(keys=String(), load_default=dict, error_messages={"invalid": N_("data 必须是 JSON 对象")})
    expected_version = Integer(load_default=None, allow_none=True, strict=True)


class DraftRequest(Strict):
    data = Dict(keys=String(), required=True, error_messages={"invalid": N_("data 必须是 JSON 对象")})


class AssignRequest(Strict):
    username = String(required=True, validate=Length(min=1, max=80), error_messages=INVALID)


class CommentRequest(Strict):
    text = String(required=True, validate=Length(min=1, max=2000), error_messages=INVALID)


class MessageRequest(Strict):
    name = String(required=True, validate=Length(min=1, max=200), error_messages=INVALID)
    correlation = Dict(keys=String(), load_default=dict)
    payload = Dict(keys=String(), load_default=dict)


class TaskQuery(Strict):
    scope = String(load_default="candidate", validate=OneOf(["mine", "candidate", "all"]))
    status = String(load_default=TaskState.OPEN, validate=OneOf(LISTED_STATES))
    process_key = String(load_default=None)
    overdue = Boolean(load_default=None, allow_none=True)
    q = String(load_default=None, validate=Length(max=100))
    sort = String(load_default="due_at",
                  validate=OneOf(["due_at", "-due_at", "created_at", "-created_at", "priority", "-completed_at"]))
    page = Integer(load_default=1, validate=Range(min=1, max=100000))
    per_page = Integer(load_default=20, validate=Range(min=1, max=200))


class InstanceQuery(Strict):
    status = String(load_default=None, validate=OneOf(list(InstanceStatus)))
    process_key = String(load_default=None)
    business_key = String(load_default=None)
    page = Integer(load_default=1, validate=Range(min=1, max=100000))
    per_page = Integer(load_default=20, validate=Range(min=1, max=200))


# ---- supervision (the case-search filters are service input: app/services/supervision/filters.py) ------------------
class OverviewQuery(Strict):
    process_key = String(load_default=None, validate=Length(max=100))


class ReasonRequest(Strict):
    reason = String(required=True, validate=Length(min=1, max=1000), error_messages=INVALID)
    expected_version = Integer(load_default=None, allow_none=True, strict=True)


class VariablesRequest(ReasonRequest):
    changes = Dict(keys=String(), required=True, error_messages={"invalid": N_("changes 必须是 JSON 对象")})
    raw = Boolean(load_default=False, metadata={"description": "不按表单字段检查（仅系统管理员）"})


class ResetRequest(ReasonRequest):
    element_id = String(required=True, validate=Length(min=1, max=200), error_messages=INVALID)


class ReassignRequest(Strict):
    reason = String(required=True, validate=Length(min=1, max=1000), error_messages=INVALID)
    username = String(load_default=None, allow_none=True, validate=Length(max=80))


OPERATIONS = ["retry", "suspend", "resume", "cancel", "reassign"]


class BatchPreviewRequest(Strict):
    operation = String(required=True, validate=OneOf(OPERATIONS), error_messages=INVALID)
    filter = Nested(CaseFilter, load_default=dict)


class BatchRequest(Strict):
    operation = String(required=True, validate=OneOf(OPERATIONS), error_messages=INVALID)
    instance_ids = List(Integer(strict=True, validate=Range(min=1, max=2**31 - 1)), required=True,
                        validate=Length(min=1, max=500), error_messages=INVALID)
    confirm_count = Integer(required=True, strict=True, error_messages=INVALID)
    reason = String(required=True, validate=Length(min=1, max=1000), error_messages=INVALID)
    username = String(load_default=None, allow_none=True, validate=Length(max=80))
