"""A member's answer to an event: RSVP with guests, a change of guests, a cancellation, and the
staff's cancellation of a party. Every one of them locks the event and ends in the allocator
(allocation.py), which gives freed places to the waitlist."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Event, EventRsvp, Member
from portal.services.events.allocation import (
    EventRefused,
    GuestsInvalid,
    allocate_places,
    lock_event,
    member_rsvp,
    places_taken,
)
from portal.services.messaging.audit import record_audit
from portal.services.messaging.notifications import notify_member
from portal.services.rewards.redemption import tier_ranks

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GuestsPreview:
    """What a given number of guests would mean for the member's party, said before sending:
    the most guests that keep (or get) a confirmed place now."""

    confirmed_up_to: int | None  # None: no number of guests gets a place now
    max_guests: int


def answer_refusal(
    member: Member, event: Event, *, now: datetime, ranks: dict[str, int] | None = None
) -> EventRefused | None:
    """Why the member cannot answer (or change their answer to) the event now, or None."""
    if event.is_cancelled:
        return EventRefused(code="cancelled")
    if event.ends_at <= now:
        return EventRefused(code="ended")
    if event.starts_at <= now:
        return EventRefused(code="started")
    if event.rsvp_deadline <= now:
        return EventRefused(code="deadline_passed", date=event.rsvp_deadline)
    if event.min_tier is not None:
        ranks = ranks if ranks is not None else tier_ranks()
        if ranks.get(member.tier_code, 0) < ranks[event.min_tier]:
            return EventRefused(code="below_tier", tier=event.tier)
    return None


def guests_preview(event: Event, rsvp: EventRsvp | None) -> GuestsPreview:
    """The most guests the member can bring and keep a confirmed place, from the places left
    plus the places their own confirmed party already holds."""
    # After every allocation no waitlisted party fits in the places left, so whoever fits in
    # them now (a newcomer, or a waiting party asking for fewer guests) is confirmed.
    free = event.capacity - places_taken(event)
    if rsvp is not None and rsvp.status == "confirmed":
        free += rsvp.party_size
    most = min(event.max_guests, free - 1)
    return GuestsPreview(confirmed_up_to=most if most >= 0 else None, max_guests=event.max_guests)


def _check_guests(event: Event, guests: int) -> None:
    if guests < 0 or guests > event.max_guests:
        raise GuestsInvalid(
            code="guests_out_of_range", errors={"guests": "out_of_range"}, max=event.max_guests
        )


def answer_event(
    member: Member, event: Event, guests: int, *, now: datetime | None = None
) -> EventRsvp:
    """RSVP with `guests`, or change the guests of the member's answer. A new party joins the
    waitlist and the allocator confirms it at once when it fits. A confirmed party keeps its
    place when the new size fits in the places left plus its own, else it moves to the end of
    the waitlist; a waitlisted party keeps its position. Fewer guests free places for others."""
    now = now or utcnow()
    lock_event(event)
    refusal = answer_refusal(member, event, now=now)
    if refusal is not None:
        raise refusal
    _check_guests(event, guests)
    rsvp = member_rsvp(member, event)
    if rsvp is not None and rsvp.status in ("checked_in", "no_show"):
        raise EventRefused(code=rsvp.status)
    if rsvp is not None and rsvp.is_active:
        if rsvp.guests == guests:
            raise EventRefused(code="already_answered", status=rsvp.status, guests=guests)
        if rsvp.status == "confirmed" and guests > rsvp.guests:
            free = event.capacity - places_taken(event) + rsvp.party_size
            if 1 + guests > free:
                rsvp.status = "waitlisted"
                rsvp.queued_at = now
                rsvp.confirmed_at = None
        rsvp.guests = guests
    else:
        if rsvp is None:
            rsvp = EventRsvp(event_id=event.id, member_id=member.id, created_at=now)
            db.session.add(rsvp)
        rsvp.guests = guests
        rsvp.status = "waitlisted"
        rsvp.queued_at = now
        rsvp.confirmed_at = None
        rsvp.cancelled_at = None
        rsvp.cancelled_by_id = None
        rsvp.walk_in = False
    db.session.flush()
    allocate_places(event, now=now)
    db.session.refresh(rsvp)
    logger.info("%r answered %r: %s with %d guests", member, event, rsvp.status, guests)
    return rsvp


def cancel_answer(member: Member, event: Event, *, now: datetime | None = None) -> EventRsvp:
    """The member gives up their place (or leaves the waitlist), until the event starts; the
    freed places go to the waitlist."""
    now = now or utcnow()
    lock_event(event)
    rsvp = member_rsvp(member, event)
    if rsvp is None:
        raise EventRefused(code="not_answered")
    if rsvp.status == "cancelled":
        raise EventRefused(code="already_cancelled", date=rsvp.cancelled_at)
    if rsvp.status in ("checked_in", "no_show"):
        raise EventRefused(code=rsvp.status)
    if event.starts_at <= now:
        raise EventRefused(code="started")
    _cancel(rsvp, by=member, now=now)
    allocate_places(event, now=now)
    logger.info("%r cancelled their answer to %r", member, event)
    return rsvp


def _cancel(rsvp: EventRsvp, *, by: Member, now: datetime) -> None:
    rsvp.status = "cancelled"
    rsvp.cancelled_at = now
    rsvp.cancelled_by_id = by.id
    db.session.flush()


def cancel_answers_of_closed_account(member: Member, *, now: datetime | None = None) -> int:
    """A member who closes their account gives up their places and leaves the waitlists of the
    events still to come; each freed place goes to the waitlist. Returns how many answers."""
    now = now or utcnow()
    open_answers = db.session.scalars(
        select(EventRsvp)
        .join(Event, Event.id == EventRsvp.event_id)
        .where(
            EventRsvp.member_id == member.id,
            EventRsvp.status.in_(("confirmed", "waitlisted")),
            Event.starts_at > now,
        )
        .order_by(EventRsvp.event_id)
    ).all()
    for rsvp in open_answers:
        event = lock_event(rsvp.event)
        db.session.refresh(rsvp)
        if rsvp.status not in ("confirmed", "waitlisted"):
            continue
        _cancel(rsvp, by=member, now=now)
        allocate_places(event, now=now)
    return len(open_answers)


def cancel_party(rsvp: EventRsvp, staff: Member, *, now: datetime | None = None) -> EventRsvp:
    """Staff cancel a member's party (a call to say they cannot come); the member is told and
    the freed places go to the waitlist."""
    now = now or utcnow()
    event = lock_event(rsvp.event)
    db.session.refresh(rsvp)
    if rsvp.status not in ("confirmed", "waitlisted"):
        raise EventRefused(code="party_not_open", status=rsvp.status)
    _cancel(rsvp, by=staff, now=now)
    member = db.session.get_one(Member, rsvp.member_id)
    notify_member(
        member,
        "event_party_cancelled",
        title=_l("Your place at %(event)s was cancelled", event=event.title),
        body=_l("Our staff cancelled your answer. Ask any boutique if this is a mistake."),
        link=("events.detail", {"event_id": event.id}),
        dedupe_key=f"event-party-cancelled:{rsvp.id}:{now.isoformat()}",
    )
    record_audit(
        "event.party_cancel",
        actor=staff,
        target=rsvp,
        summary=f"Party of {member.name} ({rsvp.party_size}) cancelled for {event.title}",
        details={"event_id": event.id, "member_id": member.id},
    )
    allocate_places(event, now=now)
    return rsvp
