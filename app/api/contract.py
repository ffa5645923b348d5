"""The HTTP contract of each /api/v1 view, declared once on the view: `@contract(...)` names the query and body schemas
the view reads (`util.query()` / `util.body()` load exactly these), the schema of its success body and its error
statuses. The OpenAPI document is generated from these declarations and the URL rules (apispec's marshmallow plugin).

Why not flask-smorest: it parses arguments in its decorator before the view runs (the task views answer 404 for an
invisible task before they read the body, the designer views read XML or JSON), answers a non-JSON body with its own
422 instead of our 400, nests errors under the location in its own error shape, and dumps every return value through
the response schema (a key the schema missed would vanish from the answer). Here the schemas document; the services'
dicts are sent as they are."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, current_app, request
from flask_babel import get_locale, gettext
from marshmallow import Schema
from marshmallow import fields as ma

from app.i18n import N_

PREFIX = "/api/v1"
READ_ERRORS = (401, 403, 404)
WRITE_ERRORS = (400, 401, 403, 404, 409, 422)
BINARY = {"type": "string", "format": "binary"}
ERROR_SHAPE = N_('错误格式：{"error": {"code", "message", "fields", "details"}}')
_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Contract:
    summary: str                             # an N_ template: the document is rendered in the user's language
    response: Schema | type[Schema] | None  # None: an empty body (204)
    status: int = 200
    also: tuple[int, ...] = ()               # further success statuses with the same body (e.g. 200 "unchanged")
    query: type[Schema] | None = None
    body: type[Schema] | None = None
    path: type[Schema] | None = None         # path arguments described beyond their URL converter
    body_types: dict = field(default_factory=dict)  # request content types other than a JSON body: {mime: schema}
    binary: str | None = None                # the success body is a file of this content type
    errors: tuple[int, ...] = WRITE_ERRORS
    public: bool = False                     # no token needed


def contract(summary: str, response, **declared):
    """Declare a view's contract (put it directly under the route decorator)."""
    def mark(view):
        view.contract = Contract(summary, response, **declared)
        return view
    return mark


def declared() -> Contract:
    """The contract of the view serving this request."""
    return current_app.view_functions[request.endpoint].contract


class ErrorDetail(Schema):
    code = ma.String(required=True, metadata={"description": "机器可读的错误代码"})
    message = ma.String(required=True, metadata={"description": "给用户看的说明（中文；英文界面为英文）"})
    field_problems = ma.Dict(keys=ma.String(), values=ma.String(), required=True, data_key="fields",
                             metadata={"description": "字段 → 该字段的问题"})
    details = ma.List(ma.Dict(), metadata={"description": "逐条的问题（如流程图校验）"})


class Error(Schema):
    error = ma.Nested(ErrorDetail, required=True)


def openapi_path(rule: str) -> str:
    return _ARGUMENT.sub(lambda m: "{%s}" % m["name"], rule[len(PREFIX):])


def _path_parameters(rule: str, described: set[str]) -> list[dict]:
    out = []
    for m in _ARGUMENT.finditer(rule):
        if m["name"] in described:
            continue
        schema = {"type": "string"}
        if m["converter"] == "int":
            schema = {"type": "integer", "minimum": 1}
            bound = re.search(r"max=(\d+)", m["args"] or "")
            if bound:
                schema["maximum"] = int(bound[1])
        out.append({"name": m["name"], "in": "path", "required": True, "schema": schema})
    return out


def _success(c: Contract) -> dict:
    if c.binary:
        return {"description": "文件", "content": {c.binary: {"schema": BINARY}}}
    if c.response is None:
        return {"description": "成功，无内容"}
    return {"description": "成功", "content": {"application/json": {"schema": c.response}}}


def _operation(c: Contract, rule: str) -> dict:
    described = set(c.path().fields) if c.path else set()
    parameters = _path_parameters(rule, described)
    if c.path:
        parameters.append({"in": "path", "schema": c.path})
    if c.query:
        parameters.append({"in": "query", "schema": c.query})
    op: dict = {"summary": gettext(c.summary), "responses": {str(s): _success(c) for s in (c.status, *c.also)}}
    op["responses"].update({str(s): "Error" for s in c.errors})
    if parameters:
        op["parameters"] = parameters
    content = {**({"application/json": {"schema": c.body}} if c.body else {}), **c.body_types}
    if content:
        op["requestBody"] = {"required": True, "content": content}
    if c.public:
        op["security"] = []
    return op


def build(app: Flask) -> dict:
    """The OpenAPI 3 document of every API view that declares a contract, its summaries in the user's language."""
    spec = APISpec(title="解纷 Jiefen API", version="1.0.0", openapi_version="3.0.3", plugins=[MarshmallowPlugin()],
                   info={"description": gettext(ERROR_SHAPE)},
                   servers=[{"url": PREFIX}], security=[{"bearer": []}])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=Error)
    spec.components.response("Error", {"description": "错误", "content": {"application/json": {"schema": "Error"}}})
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        c = getattr(app.view_functions[rule.endpoint], "contract", None)
        if not rule.rule.startswith(PREFIX + "/") or c is None:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(openapi_path(rule.rule), {})[method.lower()] = _operation(c, rule.rule)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def document() -> dict:
    """The document for this request's app and language, built once per pair."""
    return _cached(current_app._get_current_object(), str(get_locale()))


@lru_cache(maxsize=8)
def _cached(app: Flask, _locale: str) -> dict:
    return build(app)
