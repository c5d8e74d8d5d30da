"""Staff keep the events: create, edit (a capacity increase goes to the waitlist through the
allocator; a decrease below the places taken is refused with the numbers) and cancel (every
member who answered is told, and their calendar file says so)."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Event, EventRsvp, Member
from portal.services.events.allocation import allocate_places, lock_event, places_taken
from portal.services.messaging.audit import record_audit
from portal.services.messaging.notifications import notify_member
from portal.services.programme.refusals import Conflict, Invalid

logger = logging.getLogger(__name__)

# What a member's calendar shows: a change of these tells the members who answered.
CALENDAR_FIELDS = ("title", "location", "starts_at", "ends_at")


@dataclass
class EventChanges:
    kind: str
    title: str
    title_zh: str | None
    description: str
    description_zh: str | None
    location: str
    location_zh: str | None
    starts_at: datetime
    ends_at: datetime
    rsvp_deadline: datetime
    capacity: int
    min_tier: str | None
    max_guests: int
    attendance_points: int


class CapacityBelowTaken(Invalid):
    """The new capacity is below the places already taken: `values` has both numbers."""


class EventAlreadyCancelled(Conflict):
    code = "event_cancelled"


def _check_times(changes: EventChanges) -> None:
    errors = {}
    if changes.ends_at <= changes.starts_at:
        errors["ends_at"] = "ends_before_start"
    if changes.rsvp_deadline > changes.starts_at:
        errors["rsvp_deadline"] = "deadline_after_start"
    if errors:
        raise Invalid(code="times_out_of_order", errors=errors)


def create_event(changes: EventChanges, *, staff: Member) -> Event:
    _check_times(changes)
    event = Event(**asdict(changes), status="scheduled", sequence=0, created_at=utcnow())
    db.session.add(event)
    db.session.flush()
    record_audit("event.create", actor=staff, target=event, summary=f"Event {event.title} added")
    logger.info("%r created by %r", event, staff)
    return event


def update_event(
    event: Event, changes: EventChanges, *, staff: Member, now: datetime | None = None
) -> Event:
    """Save the staff's changes. The calendar SEQUENCE rises with every saved change; members
    who answered are told when the time or place moves."""
    now = now or utcnow()
    _check_times(changes)
    lock_event(event)
    if event.is_cancelled:
        raise EventAlreadyCancelled
    taken = places_taken(event)
    if changes.capacity < taken:
        raise CapacityBelowTaken(
            code="capacity_below_taken",
            errors={"capacity": "below_taken"},
            taken=taken,
            capacity=changes.capacity,
        )
    before = {name: getattr(event, name) for name in asdict(changes)}
    after = asdict(changes)
    changed = [name for name in after if before[name] != after[name]]
    if not changed:
        return event
    for name in changed:
        setattr(event, name, after[name])
    event.sequence += 1
    db.session.flush()
    if any(name in CALENDAR_FIELDS for name in changed):
        for rsvp in _answered(event):
            notify_member(
                db.session.get_one(Member, rsvp.member_id),
                "event_changed",
                title=_l("%(event)s has changed", event=event.title),
                body=_l(
                    "The time or place of the event has changed. Please check its page and "
                    "download the calendar file again."
                ),
                link=("events.detail", {"event_id": event.id}),
                dedupe_key=f"event-changed:{event.id}:{event.sequence}:{rsvp.member_id}",
            )
    record_audit(
        "event.update",
        actor=staff,
        target=event,
        summary=f"Event {event.title} changed: {', '.join(changed)}",
        details={"changed": changed, "sequence": event.sequence},
    )
    allocate_places(event, now=now)
    return event


def _answered(event: Event) -> list[EventRsvp]:
    return list(
        db.session.scalars(
            select(EventRsvp)
            .where(
                EventRsvp.event_id == event.id,
                EventRsvp.status.in_(("confirmed", "waitlisted")),
            )
            .order_by(EventRsvp.id)
        )
    )


def cancel_event(event: Event, *, staff: Member, now: datetime | None = None) -> int:
    """Cancel the event: every member confirmed or waiting is told (in-app and by mail), and
    its calendar file says METHOD:CANCEL from now on. Returns how many were told."""
    now = now or utcnow()
    lock_event(event)
    if event.is_cancelled:
        raise EventAlreadyCancelled(date=event.cancelled_at)
    event.status = "cancelled"
    event.cancelled_at = now
    event.sequence += 1
    db.session.flush()
    told = 0
    for rsvp in _answered(event):
        notify_member(
            db.session.get_one(Member, rsvp.member_id),
            "event_cancelled",
            title=_l("%(event)s is cancelled", event=event.title),
            body=_l(
                "We are sorry: this event will not take place. Your calendar updates when you "
                "open the calendar file from the event's page."
            ),
            link=("events.detail", {"event_id": event.id}),
            dedupe_key=f"event-cancelled:{event.id}:{rsvp.member_id}",
        )
        told += 1
    record_audit(
        "event.cancel",
        actor=staff,
        target=event,
        summary=f"Event {event.title} cancelled; {told} members told",
    )
    logger.info("%r cancelled by %r", event, staff)
    return told
