"""Passwords are hashed, tokens are stored only as hashes and expire or can be revoked."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import db
from app.engine import clock
from app.models import ApiToken, User
from app.services.people import sessions
from app.services.errors import Unauthorized


def test_password_hash_and_token_lifecycle(database_url):
    with db.transaction() as s:
        user = s.scalar(select(User).where(User.username == "intake1"))
        assert user.password_hash.startswith("$argon2") and "jiefen-demo" not in user.password_hash
        with pytest.raises(Unauthorized):
            sessions.issue_token(s, "intake1", "wrong")
        with pytest.raises(Unauthorized):
            sessions.issue_token(s, "nobody", "jiefen-demo")
        token, issued_to = sessions.issue_token(s, "intake1", "jiefen-demo")
    assert issued_to.username == "intake1"
    with db.transaction() as s:
        assert s.scalar(select(ApiToken.token_hash)) != token
        assert sessions.user_for_token(s, token).username == "intake1"
    with clock.as_of(clock.now() + sessions.TOKEN_LIFETIME + timedelta(minutes=1)), db.transaction() as s:
        with pytest.raises(Unauthorized):
            sessions.user_for_token(s, token)
    sessions.sign_out(token)
    with db.transaction() as s:
        with pytest.raises(Unauthorized):
            sessions.user_for_token(s, token)
