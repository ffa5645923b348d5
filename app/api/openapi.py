"""The OpenAPI 3 document, built from the same marshmallow schemas that validate requests."""
from __future__ import annotations

from functools import lru_cache

from marshmallow import fields

from app.api import schemas

ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
    "code": {"type": "string"}, "message": {"type": "string"}, "fields": {"type": "object"},
    "details": {"type": "array", "items": {"type": "object"}}}}}}
OBJ = {"type": "object"}


def _field(field: fields.Field) -> dict:
    if isinstance(field, fields.List):
        return {"type": "array", "items": _field(field.inner), **_length(field, "Items")}
    if isinstance(field, fields.Nested):
        return _schema(field.nested)
    if isinstance(field, fields.Integer):
        out = {"type": "integer"}
    elif isinstance(field, fields.Date):
        out = {"type": "string", "format": "date"}
    elif isinstance(field, fields.Boolean):
        out = {"type": "boolean"}
    elif isinstance(field, fields.Dict):
        out = {"type": "object"}
    else:
        out = {"type": "string"}
    for v in field.validators:
        if hasattr(v, "choices"):
            out["enum"] = list(v.choices)
        if getattr(v, "min", None) is not None and out["type"] == "string":
            out["minLength"] = v.min
        if getattr(v, "max", None) is not None and out["type"] == "string":
            out["maxLength"] = v.max
        if getattr(v, "min", None) is not None and out["type"] == "integer":
            out["minimum"] = v.min
        if getattr(v, "max", None) is not None and out["type"] == "integer":
            out["maximum"] = v.max
    if field.allow_none:
        out["nullable"] = True
    return out


def _length(field: fields.Field, suffix: str) -> dict:
    out = {}
    for v in field.validators:
        if getattr(v, "min", None) is not None:
            out[f"min{suffix}"] = v.min
        if getattr(v, "max", None) is not None:
            out[f"max{suffix}"] = v.max
    return out


def _schema(cls) -> dict:
    inst = cls()
    return {"type": "object", "additionalProperties": False,
            "required": [n for n, f in inst.fields.items() if f.required],
            "properties": {n: _field(f) for n, f in inst.fields.items()}}


def _params(cls) -> list[dict]:
    return [{"name": n, "in": "query", "required": False, "schema": _field(f)} for n, f in cls().fields.items()]


def _op(summary: str, ok: str = "200", body=None, params=None, auth=True, errors=(400, 401, 403, 404, 409, 422)) -> dict:
    op = {"summary": summary, "responses": {ok: {"description": "成功 / OK", "content": {"application/json": {"schema": OBJ}}}}}
    for status in errors:
        op["responses"][str(status)] = {"description": "错误 / error", "content": {"application/json": {"schema": ERROR}}}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if params:
        op["parameters"] = params
    if not auth:
        op["security"] = []
    return op


TASK_ID = {"name": "task_id", "in": "path", "required": True, "schema": {"type": "string"}}
INSTANCE_ID = {"name": "instance_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}


_REGISTERED: dict[str, dict] = {}


def register(paths: dict[str, dict]) -> None:
    """Route modules document their own paths here (at import, before the document is first built)."""
    _REGISTERED.update(paths)


@lru_cache(maxsize=1)
def spec() -> dict:
    paths = {
        "/auth/token": {"post": _op("登录，获取令牌 / issue a token", "201", _schema(schemas.TokenRequest), auth=False,
                                    errors=(400, 401, 422, 429)),
                        "delete": _op("退出，吊销令牌 / revoke the token", "204", errors=(401,))},
        "/process-definitions": {"get": _op("已部署的流程 / deployed processes", errors=(401,))},
        "/process-instances": {"post": _op("发起案件 / start a case", "201", _schema(schemas.StartRequest)),
                               "get": _op("案件列表 / cases I may see", params=_params(schemas.InstanceQuery), errors=(401, 422))},
        "/process-instances/{instance_id}": {"get": {**_op("案件详情 / a case", errors=(401, 404)), "parameters": [INSTANCE_ID]}},
        "/process-instances/{instance_id}/history": {"get": {**_op("办理记录 / history", errors=(401, 404)), "parameters": [INSTANCE_ID]}},
        "/tasks": {"get": _op("待办与已办 / the inbox", params=_params(schemas.TaskQuery), errors=(400, 401, 422))},
        "/tasks/{task_id}": {"get": {**_op("任务详情与表单 / a task with its form", errors=(401, 404)), "parameters": [TASK_ID]}},
        "/tasks/{task_id}/complete": {"post": {**_op("提交办理 / complete", body=_schema(schemas.CompleteRequest)), "parameters": [TASK_ID]}},
        "/tasks/{task_id}/claim": {"post": {**_op("签收 / claim"), "parameters": [TASK_ID]}},
        "/tasks/{task_id}/unclaim": {"post": {**_op("退回签收 / release"), "parameters": [TASK_ID]}},
        "/tasks/{task_id}/assign": {"post": {**_op("指派 / assign", body=_schema(schemas.AssignRequest)), "parameters": [TASK_ID]}},
        "/tasks/{task_id}/draft": {"put": {**_op("暂存 / save a draft", body=_schema(schemas.DraftRequest)), "parameters": [TASK_ID]}},
        "/tasks/{task_id}/comments": {"post": {**_op("填写意见 / comment", "201", _schema(schemas.CommentRequest)), "parameters": [TASK_ID]}},
        "/tasks/{task_id}/attachments": {"post": {**_op("上传附件 / upload", "201"), "parameters": [TASK_ID], "requestBody": {
            "required": True, "content": {"multipart/form-data": {"schema": {"type": "object", "properties": {
                "file": {"type": "string", "format": "binary"}}, "required": ["file"]}}}}}},
        "/attachments/{attachment_id}": {"get": {**_op("下载附件 / download", errors=(401, 404)), "parameters": [
            {"name": "attachment_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}]}},
        "/messages": {"post": _op("发送消息 / send a message", body=_schema(schemas.MessageRequest))},
        "/health": {"get": _op("健康检查 / health", auth=False, errors=())},
    }
    for path, item in _REGISTERED.items():  # merged per method: a module may add a method to a path listed above
        paths[path] = {**paths.get(path, {}), **item}
    return {
        "openapi": "3.0.3",
        "info": {"title": "解纷 Jiefen API", "version": "1.0.0",
                 "description": "错误格式 / errors: {\"error\": {\"code\", \"message\", \"fields\"}}"},
        "servers": [{"url": "/api/v1"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": paths,
    }
