"""Helpers for the events tests: an event factory and RSVPs through the real allocator."""

from __future__ import annotations

from datetime import timedelta

from portal import clock
from portal.extensions import db
from portal.models import Event, EventRsvp, Member


def make_event(**overrides) -> Event:
    """An event a week from now (by the test's clock), 20 places, up to 2 guests, 100 points."""
    starts = overrides.pop("starts_at", clock.utcnow() + timedelta(days=7))
    values = {
        "kind": "salon",
        "title": "Coloured stones salon",
        "title_zh": "彩色宝石沙龙",
        "description": "An evening with our gemmologist.",
        "location": "Shanghai IFC boutique, 8 Century Avenue",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "rsvp_deadline": starts - timedelta(days=1),
        "capacity": 20,
        "max_guests": 2,
        "attendance_points": 100,
    }
    values.update(overrides)
    event = Event(**values)
    db.session.add(event)
    db.session.commit()
    return event


def rsvp(member: Member, event: Event, guests: int = 0) -> EventRsvp:
    from portal.services.events.allocation import answer_event

    answer = answer_event(
        db.session.get(Member, member.id), db.session.get(Event, event.id), guests
    )
    db.session.commit()
    return answer


def statuses(event: Event) -> dict[str, str]:
    """Member name -> status of their party, read afresh."""
    db.session.expire_all()
    rows = db.session.query(EventRsvp).filter_by(event_id=event.id).all()
    return {row.member.name: row.status for row in rows}
