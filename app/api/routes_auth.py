"""Login (token issue) and logout (revoke). Failed logins are rate limited per user name and client address."""
from __future__ import annotations

from flask import jsonify, request

from app.api import api
from app.api.schemas import TokenRequest
from app.api.util import body
from app.auth import current_token, login_required
from app.services.people import sessions


def user_json(user) -> dict:
    return {"username": user.username, "display_name": user.display_name, "roles": sorted(user.role_codes),
            "organisation": {"code": user.organisation.code, "name": user.organisation.name}}


@api.post("/auth/token")
def issue_token():
    data = body(TokenRequest)
    token, user = sessions.login(data["username"], data["password"], request.remote_addr)
    return jsonify({"token": token, "user": user_json(user)}), 201


@api.delete("/auth/token")
@login_required
def revoke_token():
    sessions.sign_out(current_token())
    return "", 204
