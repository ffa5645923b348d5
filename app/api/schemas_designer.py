"""Request bodies and query strings of the designer endpoints (unknown keys are refused, as everywhere)."""
from __future__ import annotations

from marshmallow import fields, validate

from app.api.schemas import REQ, Strict

FORMS = {"invalid": "forms 必须是 {表单键: 表单 JSON 对象} / forms must map form keys to objects"}
MAX_NUMBER = 100_000  # versions, row versions and instance ids a designer can mean; larger is a typo, not a 500
VERSION = validate.Range(min=1, max=MAX_NUMBER, error=f"应为 1 至 {MAX_NUMBER} 之间的整数 / out of range")
INTEGER = {**REQ, "invalid": "应为整数 / must be an integer"}


class DesignRequest(Strict):
    """A diagram with the forms edited beside it (forms override the files in forms/ of the same key)."""
    bpmn = fields.String(required=True, validate=validate.Length(min=1), error_messages=REQ)
    forms = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=None, allow_none=True,
                        error_messages=FORMS)


class DeployRequest(DesignRequest):
    """A design to deploy. With `base_version` (the version the draft started from; null for a new process) it is the
    draft being deployed: a newer deployed version is a 409 `stale_base` unless `force` is true, and success retires
    the draft. Without it (a file upload), neither."""
    base_version = fields.Integer(allow_none=True, strict=True, validate=VERSION, error_messages=INTEGER)
    force = fields.Boolean(load_default=False)


class DraftSaveRequest(Strict):
    bpmn = fields.String(required=True, error_messages=REQ)
    forms = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=dict, error_messages=FORMS)
    row_version = fields.Integer(load_default=None, allow_none=True, strict=True, validate=VERSION,
                                 error_messages=INTEGER)
    base_version = fields.Integer(load_default=None, allow_none=True, strict=True, validate=VERSION,
                                  error_messages=INTEGER)


class CompareQuery(Strict):
    from_version = fields.Integer(required=True, data_key="from", validate=VERSION, error_messages=INTEGER)
    to_version = fields.Integer(required=True, data_key="to", validate=VERSION, error_messages=INTEGER)


class MigrationRequest(Strict):
    from_version = fields.Integer(required=True, strict=True, validate=VERSION, error_messages=INTEGER)
    to_version = fields.Integer(required=True, strict=True, validate=VERSION, error_messages=INTEGER)
    dry_run = fields.Boolean(load_default=True)
    reason = fields.String(load_default="", validate=validate.Length(max=500))
    instance_ids = fields.List(fields.Integer(strict=True, validate=validate.Range(
        min=1, max=2**31 - 1, error="案件编号超出范围 / out of range")), load_default=list,
        validate=validate.Length(max=1000))


class ScenarioRunRequest(Strict):
    bpmn = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1))
    forms = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=None, allow_none=True,
                        error_messages=FORMS)
    scenarios = fields.List(fields.Dict(), load_default=None, allow_none=True, validate=validate.Length(max=100))
