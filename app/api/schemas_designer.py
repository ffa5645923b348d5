"""Request bodies and query strings of the designer endpoints (unknown keys are refused, as everywhere)."""
from __future__ import annotations

from marshmallow import fields, validate

from app.api.schemas import REQ, Strict

FORMS = {"invalid": "forms 必须是 {表单键: 表单 JSON 对象} / forms must map form keys to objects"}


class DesignRequest(Strict):
    """A diagram with the forms edited beside it (forms override the files in forms/ of the same key)."""
    bpmn = fields.String(required=True, validate=validate.Length(min=1), error_messages=REQ)
    forms = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=None, allow_none=True,
                        error_messages=FORMS)


class DraftSaveRequest(Strict):
    bpmn = fields.String(required=True, error_messages=REQ)
    forms = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=dict, error_messages=FORMS)
    row_version = fields.Integer(load_default=None, allow_none=True, strict=True)


class CompareQuery(Strict):
    from_version = fields.Integer(required=True, data_key="from", validate=validate.Range(min=1), error_messages=REQ)
    to_version = fields.Integer(required=True, data_key="to", validate=validate.Range(min=1), error_messages=REQ)


class MigrationRequest(Strict):
    from_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1), error_messages=REQ)
    to_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1), error_messages=REQ)
    dry_run = fields.Boolean(load_default=True)
    reason = fields.String(load_default="", validate=validate.Length(max=500))
    instance_ids = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1)), load_default=list,
                               validate=validate.Length(max=1000))


class ScenarioRunRequest(Strict):
    bpmn = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1))
    forms = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=None, allow_none=True,
                        error_messages=FORMS)
    scenarios = fields.List(fields.Dict(), load_default=None, allow_none=True, validate=validate.Length(max=100))
