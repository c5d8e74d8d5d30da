"""What the event pages read: the member's list and an event with their answer, and the staff's
list with its counts, the guest list and its CSV export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Event, EventRsvp, Member
from portal.models.events import HOLDING_PLACES
from portal.services.events.allocation import EventRefused, waitlist_position
from portal.services.events.answers import answer_refusal
from portal.services.rewards.redemption import tier_ranks

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class EventCard:
    """An event as one member sees it."""

    event: Event
    places_left: int
    rsvp: EventRsvp | None
    waitlist_position: int | None
    refusal: EventRefused | None  # why they cannot answer now, None when they can

    @property
    def is_full(self) -> bool:
        return self.places_left <= 0


def _taken_by_event(event_ids: list[int]) -> dict[int, int]:
    if not event_ids:
        return {}
    rows = db.session.execute(
        select(EventRsvp.event_id, func.sum(1 + EventRsvp.guests))
        .where(EventRsvp.event_id.in_(event_ids), EventRsvp.status.in_(HOLDING_PLACES))
        .group_by(EventRsvp.event_id)
    ).all()
    return {event_id: int(taken) for event_id, taken in rows}


def _cards(member: Member, events: list[Event], now: datetime) -> list[EventCard]:
    taken = _taken_by_event([event.id for event in events])
    answers = {
        rsvp.event_id: rsvp
        for rsvp in db.session.scalars(
            select(EventRsvp).where(
                EventRsvp.member_id == member.id,
                EventRsvp.event_id.in_([event.id for event in events]),
            )
        )
    }
    ranks = tier_ranks()
    cards = []
    for event in events:
        rsvp = answers.get(event.id)
        cards.append(
            EventCard(
                event=event,
                places_left=max(0, event.capacity - taken.get(event.id, 0)),
                rsvp=rsvp,
                waitlist_position=waitlist_position(rsvp) if rsvp is not None else None,
                refusal=answer_refusal(member, event, now=now, ranks=ranks),
            )
        )
    return cards


def upcoming_for_member(member: Member, *, now: datetime | None = None) -> list[EventCard]:
    """Events not yet over, soonest first; a cancelled one only for members who answered it."""
    now = now or utcnow()
    answered = select(EventRsvp.event_id).where(EventRsvp.member_id == member.id)
    events = list(
        db.session.scalars(
            select(Event)
            .where(
                Event.ends_at > now,
                (Event.status == "scheduled") | Event.id.in_(answered),
            )
            .order_by(Event.starts_at, Event.id)
        )
    )
    return _cards(member, events, now)


def attended_by_member(member: Member) -> list[EventRsvp]:
    return list(
        db.session.scalars(
            select(EventRsvp)
            .join(Event, Event.id == EventRsvp.event_id)
            .where(EventRsvp.member_id == member.id, EventRsvp.status == "checked_in")
            .order_by(Event.starts_at.desc())
            .limit(20)
        )
    )


def event_card(member: Member, event: Event, *, now: datetime | None = None) -> EventCard:
    return _cards(member, [event], now or utcnow())[0]


# -- staff -----------------------------------------------------------------------------------


@dataclass
class EventCounts:
    event: Event
    confirmed: int  # people (members and guests) holding places
    waitlisted: int  # people waiting
    checked_in: int  # parties
    no_shows: int  # parties

    @property
    def no_show_rate(self) -> float | None:
        """No-shows among the parties that were expected (checked in or not)."""
        expected = self.checked_in + self.no_shows
        return self.no_shows / expected if expected else None


def _counts_query() -> Select[int, Any, Any, Any, Any]:
    people = 1 + EventRsvp.guests
    return select(
        EventRsvp.event_id,
        func.sum(case((EventRsvp.status.in_(HOLDING_PLACES), people), else_=0)),
        func.sum(case((EventRsvp.status == "waitlisted", people), else_=0)),
        func.sum(case((EventRsvp.status == "checked_in", 1), else_=0)),
        func.sum(case((EventRsvp.status == "no_show", 1), else_=0)),
    ).group_by(EventRsvp.event_id)


def events_for_staff() -> list[EventCounts]:
    """Every event, upcoming first (soonest first), then past ones (latest first)."""
    now = utcnow()
    counts = {row[0]: row[1:] for row in db.session.execute(_counts_query()).all()}
    events = list(db.session.scalars(select(Event).order_by(Event.starts_at)))
    upcoming = [e for e in events if e.ends_at > now]
    past = [e for e in reversed(events) if e.ends_at <= now]
    rows = []
    for event in upcoming + past:
        confirmed, waiting, checked, no_shows = counts.get(event.id, (0, 0, 0, 0))
        rows.append(EventCounts(event, int(confirmed), int(waiting), int(checked), int(no_shows)))
    return rows


def event_counts(event: Event) -> EventCounts:
    row = db.session.execute(_counts_query().where(EventRsvp.event_id == event.id)).first()
    if row is None:
        return EventCounts(event, 0, 0, 0, 0)
    return EventCounts(event, *(int(value) for value in row[1:]))


STATUS_ORDER = {"checked_in": 0, "confirmed": 1, "no_show": 2, "waitlisted": 3, "cancelled": 4}


def guest_list(event: Event) -> list[EventRsvp]:
    """Every party that answered: the ones expected first, the waitlist in its order."""
    rows = list(
        db.session.scalars(
            select(EventRsvp)
            .where(EventRsvp.event_id == event.id)
            .order_by(EventRsvp.queued_at, EventRsvp.id)
        )
    )
    rows.sort(key=lambda rsvp: STATUS_ORDER.get(rsvp.status, 9))
    return rows


def spreadsheet_safe(value: object) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def guest_list_csv(event: Event, header: list[str], rows: list[list[Any]]) -> str:
    """The guest list as CSV, every cell safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(cell) for cell in header])
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return out.getvalue()
