"""The event pages are valid HTML (tests/valid_html.py), rendered with their data: a confirmed
party and one waiting, a Gold-only event, the door with each kind of answer and its search
results, and the event form shown again with its errors."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import form_post
from tests.valid_html import problems_in


@pytest.fixture
def salon(member, create_member, create_event, rsvp, clock):
    event = create_event(capacity=2)
    rsvp(member, event, guests=1)
    waiting = create_member(name="Waiting Guest", phone="+86 139 1234 5678")
    rsvp(waiting, event)
    gold = create_event(title="Gold evening", min_tier="gold")
    return event, gold, waiting


def problems_of(client, paths):
    found = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        if problems := problems_in(response.get_data(as_text=True)):
            found[path] = problems
    return found


def test_member_event_pages_are_valid(client, login, member, salon):
    event, gold, _waiting = salon
    login(member)
    paths = ["/events", f"/events/{event.id}", f"/events/{gold.id}", f"/events/{event.id}/cancel"]
    assert problems_of(client, paths) == {}
    response = form_post(
        client, f"/events/{event.id}/rsvp", {"guests": "9"}, token_from=f"/events/{event.id}"
    )
    assert response.status_code == 422
    assert problems_in(response.get_data(as_text=True)) == []


def test_staff_event_pages_are_valid(client, login, member, salon, clock):
    event, _gold, waiting = salon
    clock.set(event.starts_at - timedelta(minutes=10))
    login("staff")
    door = f"/admin/events/{event.id}/checkin"
    paths = [
        "/admin/events",
        "/admin/events/new",
        f"/admin/events/{event.id}",
        f"{door}?q=Waiting",
        f"{door}?answer=waitlisted&member={waiting.id}",
        f"{door}?answer=not_our_card",
    ]
    assert problems_of(client, paths) == {}
    form_post(
        client, f"/admin/events/{event.id}/checkin", {"code": member.card_number}, token_from=door
    )
    assert problems_of(client, [f"{door}?answer=admitted&member={member.id}"]) == {}
    fragment = client.get(
        f"{door}?q=Lin", headers={"HX-Request": "true", "HX-Target": "door-results"}
    )
    assert "Lin Mei" in fragment.get_data(as_text=True)
    assert problems_in(fragment.get_data(as_text=True), inside="div") == []
    invalid = form_post(client, "/admin/events/new", {"title": ""}, token_from="/admin/events")
    assert invalid.status_code == 422
    assert problems_in(invalid.get_data(as_text=True)) == []
