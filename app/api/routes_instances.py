"""The processes one may start, starting cases, looking at them, and messages sent to waiting cases."""
from __future__ import annotations

from flask import g, jsonify

from app import db
from app.api import api, responses as r
from app.auth import login_required
from app.api.contract import READ_ERRORS, contract
from app.api.schemas import InstanceQuery, MessageRequest, StartRequest
from app.api.util import body, query
from app.i18n import N_
from app.services.inbox import cases
from app.services.inbox import worklist as inbox
from app.services.runtime import instances, messages
from app.services.errors import NotFound

MAX_ID = 2**31 - 1  # the id column's range: a larger id names no case (and PostgreSQL would refuse the query)


def _case_id(instance_id: int) -> int:
    if instance_id > MAX_ID:
        raise NotFound(N_("案件不存在"))
    return instance_id


@api.post("/process-instances")
@contract(N_("发起案件"), r.InstanceSummary, status=201, body=StartRequest)
@login_required
def start_instance():
    data = body()
    summary = instances.start(data["process_key"], g.user, data["variables"], business_key=data["business_key"])
    return jsonify(summary), 201


@api.get("/process-instances")
@contract(N_("案件列表"), r.InstancePage, query=InstanceQuery, errors=(401, 422))
@login_required
def list_instances():
    args = query()
    with db.transaction(write=False) as s:
        return jsonify(cases.list_instances(s, g.user, **args))


@api.get("/process-instances/<int:instance_id>")
@contract(N_("案件详情"), r.InstanceDetail, errors=READ_ERRORS)
@login_required
def get_instance(instance_id: int):
    with db.transaction(write=False) as s:
        inst = inbox.visible_instance(s, g.user, _case_id(instance_id))
        return jsonify(cases.instance_detail(s, inst))


@api.get("/process-instances/<int:instance_id>/history")
@contract(N_("办理记录"), r.History, errors=READ_ERRORS)
@login_required
def instance_history(instance_id: int):
    with db.transaction(write=False) as s:
        inst = inbox.visible_instance(s, g.user, _case_id(instance_id))
        return jsonify(inbox.history(s, inst.id))


@api.get("/process-definitions")
@contract(N_("已部署的流程"), r.Definition(many=True), errors=(401,))
@login_required
def list_definitions():
    with db.transaction(write=False) as s:
        return jsonify(cases.definitions(s))


@api.post("/messages")
@contract(N_("发送消息"), r.Delivered, body=MessageRequest)
@login_required
def send_message():
    data = body()
    cases.require_can_message(g.user, data["name"], data["correlation"])
    return jsonify(messages.send(data["name"], data["correlation"], data["payload"], g.user))
