"""Purchases per hour of each API token, and the unusual bursts shown to admins."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.services.purchases.api_tokens import (
    BURST_MIN_PURCHASES,
    create_api_token,
    purchases_per_hour,
    unusual_bursts,
)


@pytest.fixture
def till(app):
    token, _plaintext = create_api_token("Shanghai IFC till 1")
    db.session.commit()
    return token


def ring_up(create_purchase, member, token, count):
    for _ in range(count):
        create_purchase(member, "100.00", channel="api", api_token=token)


def test_an_hour_far_above_the_tokens_usual_is_a_burst(create_purchase, member, till, clock):
    for _day in range(3):  # a usual rhythm: 2 sales an hour
        ring_up(create_purchase, member, till, 2)
        clock.advance(days=1)
    ring_up(create_purchase, member, till, BURST_MIN_PURCHASES)
    (burst,) = unusual_bursts()
    assert burst.token.id == till.id
    assert burst.purchases == BURST_MIN_PURCHASES and burst.usual_per_hour == 2
    counts = purchases_per_hour(till, since=clock.now().replace(hour=0, minute=0))
    assert sum(counts.values()) == BURST_MIN_PURCHASES


def test_one_purchase_under_the_minimum_is_not_a_burst(create_purchase, member, till, clock):
    ring_up(create_purchase, member, till, BURST_MIN_PURCHASES - 1)
    assert unusual_bursts() == []


def test_a_till_that_is_always_this_busy_has_no_burst(create_purchase, member, till, clock):
    for _hour in range(2):
        ring_up(create_purchase, member, till, BURST_MIN_PURCHASES)
        clock.advance(hours=1)
    assert unusual_bursts() == []


@pytest.mark.parametrize(("role", "shown"), [("admin", True), ("staff", False)])
def test_admins_see_the_burst_on_their_dashboard_and_staff_do_not(
    client, login, create_purchase, member, till, clock, role, shown
):
    ring_up(create_purchase, member, till, BURST_MIN_PURCHASES)
    login(role)
    page = client.get("/admin/").get_data(as_text=True)
    assert ("Shanghai IFC till 1" in page) is shown
