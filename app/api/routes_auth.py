"""Login (token issue) and logout (revoke). Failed logins are rate limited per user name and client address."""
from __future__ import annotations

from flask import jsonify, request

from app.api import api, responses as r
from app.api.contract import contract
from app.api.schemas import TokenRequest
from app.api.util import body
from app.auth import current_token, login_required
from app.i18n import N_
from app.services.people import sessions


def user_json(user) -> dict:
    return {"username": user.username, "display_name": user.display_name, "roles": sorted(user.role_codes),
            "organisation": {"code": user.organisation.code, "name": user.organisation.name}}


@api.post("/auth/token")
@contract(N_("登录，获取令牌"), r.Token, status=201, body=TokenRequest, errors=(400, 401, 422, 429),
          public=True)
def issue_token():
    data = body()
    token, user = sessions.login(data["username"], data["password"], request.remote_addr)
    return jsonify({"token": token, "user": user_json(user)}), 201


@api.delete("/auth/token")
@contract(N_("退出，吊销令牌"), None, status=204, errors=(401,))
@login_required
def revoke_token():
    sessions.sign_out(current_token())
    return "", 204
