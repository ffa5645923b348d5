"""Request bodies, query strings and path keys of the designer endpoints (unknown keys are refused, as everywhere)."""
from __future__ import annotations

from marshmallow import validate

from app.services.fields import Boolean, Dict, Integer, Length, List, Range, Strict, String
from app.api.schemas import INVALID
from app.i18n import N_
from app.services.design import drafts, scenarios

FORMS = {"invalid": N_("forms 应为以表单键为键、表单 JSON 对象为值的对象")}  # no braces: marshmallow formats it
MAX_NUMBER = 100_000  # versions, row versions and instance ids a designer can mean; larger is a typo, not a 500
VERSION = Range(min=1, max=MAX_NUMBER, error=N_("应为 {min} 至 {max} 之间的整数"))


class DesignRequest(Strict):
    """A diagram with the forms edited beside it (forms override the files in forms/ of the same key)."""
    bpmn = String(required=True, validate=Length(min=1), error_messages=INVALID)
    forms = Dict(keys=String(), values=Dict(), load_default=None, allow_none=True, error_messages=FORMS)


class DeployRequest(DesignRequest):
    """A design to deploy. With `base_version` (the version the draft started from; null for a new process) it is the
    draft being deployed: a newer deployed version is a 409 `stale_base` unless `force` is true, and success retires
    the draft. Without it (a file upload), neither."""
    base_version = Integer(allow_none=True, strict=True, validate=VERSION)
    force = Boolean(load_default=False)


class DraftSaveRequest(Strict):
    bpmn = String(required=True, error_messages=INVALID)
    forms = Dict(keys=String(), values=Dict(), load_default=dict, error_messages=FORMS)
    row_version = Integer(load_default=None, allow_none=True, strict=True, validate=VERSION)
    base_version = Integer(load_default=None, allow_none=True, strict=True, validate=VERSION)


class CompareQuery(Strict):
    from_version = Integer(required=True, data_key="from", validate=VERSION)
    to_version = Integer(required=True, data_key="to", validate=VERSION)


class MigrationRequest(Strict):
    from_version = Integer(required=True, strict=True, validate=VERSION)
    to_version = Integer(required=True, strict=True, validate=VERSION)
    dry_run = Boolean(load_default=True)
    reason = String(load_default="", validate=Length(max=500))
    instance_ids = List(Integer(strict=True, validate=Range(min=1, max=2**31 - 1, error=N_("案件编号超出范围"))),
                        load_default=list, validate=Length(max=1000))


class ScenarioRunRequest(Strict):
    bpmn = String(load_default=None, allow_none=True, validate=Length(min=1))
    forms = Dict(keys=String(), values=Dict(), load_default=None, allow_none=True, error_messages=FORMS)
    scenarios = List(Dict(), load_default=None, allow_none=True, validate=Length(max=100))


# ---- path parameters (documented only: the routes match any text and the services refuse what names nothing) ------
class KeyPath(Strict):
    key = String(required=True, validate=validate.Regexp(drafts.KEY_PATTERN))


class ScenarioPath(KeyPath):
    name = String(required=True, validate=[validate.Regexp(scenarios.NAME_PATTERN), Length(max=100)])
