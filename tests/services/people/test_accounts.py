"""Passwords are hashed, tokens are stored only as hashes and expire or can be revoked."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import db
from app.engine import clock
from app.models import ApiToken, User
from app.services.people import accounts as people
from app.services.errors import Unauthorized


def test_password_hash_and_token_lifecycle(database_url):
    with db.transaction() as s:
        user = s.scalar(select(User).where(User.username == "intake1"))
        assert user.password_hash.startswith("$argon2") and "jiefen-demo" not in user.password_hash
        with pytest.raises(Unauthorized):
            people.issue_token(s, "intake1", "wrong")
        with pytest.raises(Unauthorized):
            people.issue_token(s, "nobody", "jiefen-demo")
        token, issued_to = people.issue_token(s, "intake1", "jiefen-demo")
    assert issued_to.username == "intake1"
    with db.transaction() as s:
        assert s.scalar(select(ApiToken.token_hash)) != token
        assert people.user_for_token(s, token).username == "intake1"
    with clock.as_of(clock.now() + people.TOKEN_LIFETIME + timedelta(minutes=1)), db.transaction() as s:
        with pytest.raises(Unauthorized):
            people.user_for_token(s, token)
    with db.transaction() as s:
        people.revoke_token(s, token)
    with db.transaction() as s:
        with pytest.raises(Unauthorized):
            people.user_for_token(s, token)
