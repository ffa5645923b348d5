"""What a supervisor's case search accepts, declared once for both surfaces: the JSON API reads its query string with
these schemas and the 督办 pages read their forms with them (unknown keys are refused)."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from app.i18n import N_
from app.services.supervision.console import CATEGORIES
from app.vocabulary import InstanceStatus

CATEGORY_CODES = list(CATEGORIES)
_DATE = {"invalid": N_("日期格式应为 YYYY-MM-DD")}


class CaseFilter(Schema):
    """The filters of the supervisor's case search (also what a batch preview selects with)."""
    class Meta:
        unknown = RAISE

    status = fields.String(load_default=None, validate=validate.OneOf(list(InstanceStatus)))
    process_key = fields.String(load_default=None, validate=validate.Length(max=100))
    version = fields.Integer(load_default=None, validate=validate.Range(min=1, max=100000))
    organisation = fields.String(load_default=None, validate=validate.Length(max=64))
    business_key = fields.String(load_default=None, validate=validate.Length(max=100))
    started_from = fields.Date(load_default=None, error_messages=_DATE)
    started_to = fields.Date(load_default=None, error_messages=_DATE)
    name = fields.String(load_default=None, validate=validate.Length(max=100))
    variable = fields.String(load_default=None, validate=validate.Length(max=100))
    value = fields.String(load_default=None, validate=validate.Length(max=500))
    category = fields.String(load_default=None, validate=validate.OneOf(CATEGORY_CODES))


class CaseSearchQuery(CaseFilter):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


FILTER_KEYS = tuple(CaseFilter().fields)  # the form fields a page carries from the search to a batch preview
