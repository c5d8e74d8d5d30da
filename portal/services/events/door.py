"""At the door: staff find the member (from the guest list, by name, phone or card number, or by
scanning the card's QR code), check them in with their guests, admit walk-ins while places are
left, and undo a mistaken check-in.

A check-in is a conditional UPDATE from "confirmed" (or "no_show", a late correction), so two
phones checking in the same member at once make one check-in and one credit. Attendance earns
the event's points as a ledger credit linked to the event; undoing the check-in reverses what the
member holds from that event, so the points are earned exactly once however often it is undone
and redone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from portal.clock import utcnow
from portal.database import changed_rows
from portal.extensions import db
from portal.models import Event, EventRsvp, LedgerEntry, Member
from portal.services.events.allocation import (
    EventRefused,
    GuestsInvalid,
    allocate_places,
    lock_event,
    member_rsvp,
    places_left,
)
from portal.services.members.accounts import find_member_by_card
from portal.services.members.cards import CARD_PREFIX, is_valid_card_number, normalise_card_number
from portal.services.members.desk import search_members
from portal.services.messaging.audit import record_audit
from portal.services.points.ledger import credit_points, debit_points, lock_member
from portal.services.programme.local_time import local_date

logger = logging.getLogger(__name__)

SEARCH_RESULTS = 8
# The door opens on the day: a check-in earlier than this before the start is a mistake.
CHECK_IN_OPENS_BEFORE = timedelta(hours=12)
ANSWER_CODES = (
    "admitted",
    "already_checked_in",
    "waitlisted",
    "not_on_list",
    "wrong_event",
    "unknown_card",
    "not_our_card",
)


@dataclass
class DoorAnswer:
    """What the door page shows after a scan, a typed card or a tap on a name. `code` is one of
    admitted, already_checked_in, waitlisted, not_on_list, wrong_event, unknown_card,
    not_our_card; `places_left` says whether a walk-in can be admitted."""

    code: str
    member: Member | None = None
    rsvp: EventRsvp | None = None
    other_event: Event | None = None
    places_left: int = 0


@dataclass
class DoorMatch:
    member: Member
    rsvp: EventRsvp | None


def door_search(event: Event, text: str) -> list[DoorMatch]:
    """Members whose name, phone or card number matches, each with their answer to this event
    (the guest list first)."""
    text = (text or "").strip()
    if len(text) < 2:
        return []
    found = search_members(text, size=SEARCH_RESULTS * 3).members
    if not found:
        return []
    answers = {
        rsvp.member_id: rsvp
        for rsvp in db.session.scalars(
            select(EventRsvp).where(
                EventRsvp.event_id == event.id,
                EventRsvp.member_id.in_([member.id for member in found]),
            )
        )
    }
    matches = [DoorMatch(member, answers.get(member.id)) for member in found]
    matches.sort(key=lambda m: (m.rsvp is None or not m.rsvp.is_active, m.member.name))
    return matches[:SEARCH_RESULTS]


def _points_held_from(event: Event, member: Member) -> int:
    held: int = db.session.execute(
        select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
            LedgerEntry.member_id == member.id, LedgerEntry.event_id == event.id
        )
    ).scalar_one()
    return held


def _credit_attendance(event: Event, member: Member, staff: Member) -> None:
    if event.attendance_points <= 0 or _points_held_from(event, member) > 0:
        return
    credit_points(
        member,
        "bonus",
        event.attendance_points,
        reason=f"Attended: {event.title}",
        details={"event_title": event.title, "event_title_zh": event.title_zh},
        actor=staff,
        event_id=event.id,
    )


def door_opens_at(event: Event) -> datetime:
    return event.starts_at - CHECK_IN_OPENS_BEFORE


def _refuse_unless_door_open(event: Event, now: datetime) -> None:
    if event.is_cancelled:
        raise EventRefused(code="cancelled")
    if now < door_opens_at(event):
        raise EventRefused(code="door_not_open", date=door_opens_at(event))


def check_in(
    event: Event, rsvp: EventRsvp, staff: Member, *, now: datetime | None = None
) -> DoorAnswer:
    """Admit a confirmed party (or a no-show, late): once, whoever presses first. The door
    opens 12 hours before the start and stays open after the end, for late corrections."""
    now = now or utcnow()
    lock_event(event)
    _refuse_unless_door_open(event, now)
    member = db.session.get_one(Member, rsvp.member_id)
    lock_member(member)
    moved = changed_rows(
        db.session.execute(
            update(EventRsvp)
            .where(EventRsvp.id == rsvp.id, EventRsvp.status.in_(("confirmed", "no_show")))
            .values(
                status="checked_in",
                checked_in_at=now,
                checked_in_by_id=staff.id,
                guests_admitted=EventRsvp.guests,
                updated_at=now,
            ),
            execution_options={"synchronize_session": False},
        )
    )
    db.session.refresh(rsvp)
    if moved != 1:
        return _answer_for(event, member, rsvp)
    _credit_attendance(event, member, staff)
    record_audit(
        "event.check_in",
        actor=staff,
        target=rsvp,
        summary=f"{member.name} checked in at {event.title} with {rsvp.guests} guests",
        details={"event_id": event.id, "member_id": member.id},
    )
    logger.info("%r checked in at %r by %r", member, event, staff)
    return DoorAnswer("admitted", member, rsvp, places_left=places_left(event))


def _answer_for(event: Event, member: Member, rsvp: EventRsvp | None) -> DoorAnswer:
    left = places_left(event)
    if rsvp is not None and rsvp.status == "checked_in":
        return DoorAnswer("already_checked_in", member, rsvp, places_left=left)
    if rsvp is not None and rsvp.status == "waitlisted":
        return DoorAnswer("waitlisted", member, rsvp, places_left=left)
    other = _answered_elsewhere_today(event, member)
    if other is not None:
        return DoorAnswer("wrong_event", member, rsvp, other_event=other, places_left=left)
    return DoorAnswer("not_on_list", member, rsvp, places_left=left)


def _answered_elsewhere_today(event: Event, member: Member) -> Event | None:
    """Another event on the same day (in the programme's zone) the member has a place at."""
    day = local_date(event.starts_at)
    around = db.session.scalars(
        select(Event)
        .join(EventRsvp, EventRsvp.event_id == Event.id)
        .where(
            EventRsvp.member_id == member.id,
            EventRsvp.status.in_(("confirmed", "checked_in")),
            Event.id != event.id,
            Event.starts_at > event.starts_at - timedelta(days=1),
            Event.starts_at < event.starts_at + timedelta(days=1),
        )
        .order_by(Event.starts_at)
    )
    for other in around:
        if local_date(other.starts_at) == day:
            return other
    return None


def check_in_card(
    event: Event, typed: str, staff: Member, *, now: datetime | None = None
) -> DoorAnswer:
    """A scanned or typed card number: a confirmed member is admitted at once; anything else is
    answered with what staff need to know."""
    digits = normalise_card_number(typed or "")
    if not is_valid_card_number(digits) or not digits.startswith(CARD_PREFIX):
        return DoorAnswer("not_our_card")
    member = find_member_by_card(digits)
    if member is None:
        return DoorAnswer("unknown_card")
    rsvp = member_rsvp(member, event)
    if rsvp is not None and rsvp.status in ("confirmed", "no_show"):
        return check_in(event, rsvp, staff, now=now)
    return _answer_for(event, member, rsvp)


def admit_walk_in(
    event: Event, member: Member, guests: int, staff: Member, *, now: datetime | None = None
) -> DoorAnswer:
    """Admit a member who is not on the list (or is waiting) while places are left, with up to
    the event's maximum of guests; they earn the attendance points like everyone else."""
    now = now or utcnow()
    lock_event(event)
    _refuse_unless_door_open(event, now)
    if guests < 0 or guests > event.max_guests:
        raise GuestsInvalid(
            code="guests_out_of_range", errors={"guests": "out_of_range"}, max=event.max_guests
        )
    rsvp = member_rsvp(member, event)
    if rsvp is not None and rsvp.status in ("confirmed", "no_show"):
        return check_in(event, rsvp, staff, now=now)
    if rsvp is not None and rsvp.status == "checked_in":
        return DoorAnswer("already_checked_in", member, rsvp, places_left=places_left(event))
    left = places_left(event)
    if 1 + guests > left:
        raise EventRefused(code="no_places_left", left=left)
    lock_member(member)
    if rsvp is None:
        rsvp = EventRsvp(event_id=event.id, member_id=member.id, created_at=now)
        db.session.add(rsvp)
    rsvp.guests = guests
    rsvp.status = "checked_in"
    rsvp.walk_in = True
    rsvp.queued_at = now
    rsvp.confirmed_at = now
    rsvp.checked_in_at = now
    rsvp.checked_in_by_id = staff.id
    rsvp.guests_admitted = guests
    db.session.flush()
    _credit_attendance(event, member, staff)
    record_audit(
        "event.walk_in",
        actor=staff,
        target=rsvp,
        summary=f"{member.name} admitted as a walk-in at {event.title} with {guests} guests",
        details={"event_id": event.id, "member_id": member.id},
    )
    return DoorAnswer("admitted", member, rsvp, places_left=places_left(event))


def undo_check_in(rsvp: EventRsvp, staff: Member, *, now: datetime | None = None) -> EventRsvp:
    """A mistaken check-in: the party is confirmed again (a walk-in leaves the list) and the
    attendance points it earned are taken back."""
    now = now or utcnow()
    event = lock_event(rsvp.event)
    member = db.session.get_one(Member, rsvp.member_id)
    lock_member(member)
    db.session.refresh(rsvp)
    back_to = "cancelled" if rsvp.walk_in else "confirmed"
    moved = changed_rows(
        db.session.execute(
            update(EventRsvp)
            .where(EventRsvp.id == rsvp.id, EventRsvp.status == "checked_in")
            .values(
                status=back_to,
                checked_in_at=None,
                checked_in_by_id=None,
                guests_admitted=None,
                cancelled_at=now if rsvp.walk_in else None,
                cancelled_by_id=staff.id if rsvp.walk_in else None,
                updated_at=now,
            ),
            execution_options={"synchronize_session": False},
        )
    )
    db.session.refresh(rsvp)
    if moved != 1:
        raise EventRefused(code="not_checked_in", status=rsvp.status)
    held = _points_held_from(event, member)
    if held > 0:
        credit = db.session.scalar(
            select(LedgerEntry)
            .where(LedgerEntry.member_id == member.id, LedgerEntry.event_id == event.id)
            .where(LedgerEntry.points > 0)
            .order_by(LedgerEntry.id.desc())
        )
        debit_points(
            member,
            "reverse",
            held,
            reason=f"Check-in undone: {event.title}",
            consume_first=credit,
            details={"event_title": event.title, "event_title_zh": event.title_zh},
            actor=staff,
            event_id=event.id,
        )
    record_audit(
        "event.check_in_undo",
        actor=staff,
        target=rsvp,
        summary=f"Check-in of {member.name} at {event.title} undone",
        details={"event_id": event.id, "points_reversed": held},
    )
    if rsvp.walk_in:
        allocate_places(event, now=now)
    return rsvp
