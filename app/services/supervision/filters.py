"""What a supervisor's case search accepts, declared once for both surfaces: the JSON API reads its query string with
these schemas and the 督办 pages read their forms with them (unknown keys are refused)."""
from __future__ import annotations

from app.services.fields import Date, Integer, Length, OneOf, Range, Strict, String
from app.services.supervision.console import CATEGORIES
from app.vocabulary import InstanceStatus

CATEGORY_CODES = list(CATEGORIES)


class CaseFilter(Strict):
    """The filters of the supervisor's case search (also what a batch preview selects with)."""

    status = String(load_default=None, validate=OneOf(list(InstanceStatus)))
    process_key = String(load_default=None, validate=Length(max=100))
    version = Integer(load_default=None, validate=Range(min=1, max=100000))
    organisation = String(load_default=None, validate=Length(max=64))
    business_key = String(load_default=None, validate=Length(max=100))
    started_from = Date(load_default=None)
    started_to = Date(load_default=None)
    name = String(load_default=None, validate=Length(max=100))
    variable = String(load_default=None, validate=Length(max=100))
    value = String(load_default=None, validate=Length(max=500))
    category = String(load_default=None, validate=OneOf(CATEGORY_CODES))


class CaseSearchQuery(CaseFilter):
    page = Integer(load_default=1, validate=Range(min=1, max=100000))
    per_page = Integer(load_default=20, validate=Range(min=1, max=200))


FILTER_KEYS = tuple(CaseFilter().fields)  # the form fields a page carries from the search to a batch preview
