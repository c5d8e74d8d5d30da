"""Helpers for the rewards tests: a reward factory and a way to give a member points."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.models import Member, Reward
from portal.services.points.ledger import credit_points
from tests.conftest import served

IDEMPOTENCY_FIELD = re.compile(r'name="idempotency_key"[^>]*value="([^"]+)"')


def make_reward(**overrides) -> Reward:
    values = {
        "name": "Jewellery cleaning & polishing",
        "description": "Cleaned and polished while you wait.",
        "category": "jewellery_care",
        "reward_type": "in_store",
        "points_cost": 300,
        "active": True,
    }
    values.update(overrides)
    reward = Reward(**values)
    db.session.add(reward)
    db.session.commit()
    return reward


def give_points(member: Member, points: int) -> None:
    member = db.session.get(Member, member.id)
    credit_points(member, "bonus", points, reason="Test points")
    db.session.commit()


def balance_of(member: Member) -> int:
    db.session.expire_all()
    return db.session.get(Member, member.id).points_balance


def idempotency_key_in(html: str) -> str:
    match = IDEMPOTENCY_FIELD.search(html)
    assert match, "the confirmation form has no idempotency key"
    return match.group(1)


@pytest.fixture
def live_server(app):
    """The test's app served by a threaded werkzeug server: "127.0.0.1:<port>"."""
    with served(app) as base_url:
        yield base_url.removeprefix("http://")
