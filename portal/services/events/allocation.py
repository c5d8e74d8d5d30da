"""Places at an event: the one allocator every path that takes or frees places goes through
(DESIGN.md, "Events"): a member's answer (answers.py), a staff edit (editing.py), the door
(door.py) and a closed account all end here.

- A party is the member plus their guests; places are counted with guests, over the parties
  that hold places (confirmed or checked in).
- Every change starts by locking the event's row (PostgreSQL `FOR UPDATE`; SQLite writers
  begin IMMEDIATE), so two requests for the last places are counted one after the other and
  the capacity can never be exceeded.
- `allocate_places` then confirms waitlisted parties in arrival order (`queued_at`, then id)
  while they fit; a party too large for the places left is skipped for the next that fits and
  keeps its position. A new answer joins the waitlist and is allocated like any other, so after
  every change no waitlisted party fits in the places left.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Event, EventRsvp, Member
from portal.models.events import HOLDING_PLACES
from portal.services.messaging.notifications import notify_member
from portal.services.programme.refusals import Conflict, Invalid

logger = logging.getLogger(__name__)


class EventRefused(Conflict):
    """The member cannot do this at this event now; `code` says why (wording in
    portal/web/wording.py) and `values` carries the numbers and dates of the sentence."""


class GuestsInvalid(Invalid):
    """The number of guests is outside 0 to the event's maximum."""


# -- counting --------------------------------------------------------------------------------


def lock_event(event: Event) -> Event:
    """Hold the event's row until commit and read it afresh: every count of its places after
    this sees the writes of whoever held the lock before."""
    db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update()).scalar_one()
    db.session.refresh(event)
    return event


def places_taken(event: Event) -> int:
    """People (members and guests) of the parties holding places."""
    taken: int = db.session.execute(
        select(func.coalesce(func.sum(1 + EventRsvp.guests), 0)).where(
            EventRsvp.event_id == event.id, EventRsvp.status.in_(HOLDING_PLACES)
        )
    ).scalar_one()
    return taken


def places_left(event: Event) -> int:
    return max(0, event.capacity - places_taken(event))


def waitlist(event: Event) -> list[EventRsvp]:
    """The waitlisted parties in arrival order."""
    return list(
        db.session.scalars(
            select(EventRsvp)
            .where(EventRsvp.event_id == event.id, EventRsvp.status == "waitlisted")
            .order_by(EventRsvp.queued_at, EventRsvp.id)
            .execution_options(populate_existing=True)
        )
    )


def waitlist_position(rsvp: EventRsvp) -> int | None:
    """1 for the first party waiting, or None when the party is not waiting."""
    if rsvp.status != "waitlisted":
        return None
    ahead: int = db.session.execute(
        select(func.count(EventRsvp.id)).where(
            EventRsvp.event_id == rsvp.event_id,
            EventRsvp.status == "waitlisted",
            (EventRsvp.queued_at < rsvp.queued_at)
            | ((EventRsvp.queued_at == rsvp.queued_at) & (EventRsvp.id < rsvp.id)),
        )
    ).scalar_one()
    return ahead + 1


def member_rsvp(member: Member, event: Event) -> EventRsvp | None:
    return db.session.scalar(
        select(EventRsvp)
        .where(EventRsvp.event_id == event.id, EventRsvp.member_id == member.id)
        .execution_options(populate_existing=True)
    )


# -- the allocator ---------------------------------------------------------------------------


def allocate_places(event: Event, *, now: datetime | None = None) -> list[EventRsvp]:
    """Confirm waitlisted parties in arrival order while they fit, skipping (without moving)
    any party too large for the places left; each confirmed member is told. Nothing moves once
    the event has started or when it is cancelled. The caller holds the event's lock."""
    now = now or utcnow()
    if event.is_cancelled or event.starts_at <= now:
        return []
    free = event.capacity - places_taken(event)
    confirmed: list[EventRsvp] = []
    for party in waitlist(event):
        if free <= 0:
            break
        if party.party_size > free:
            continue  # too large for what is left: the next that fits goes first
        party.status = "confirmed"
        party.confirmed_at = now
        free -= party.party_size
        confirmed.append(party)
    if confirmed:
        db.session.flush()
    for party in confirmed:
        _tell_confirmed(party, now)
    if confirmed:
        logger.info("%d parties confirmed from the waitlist of %r", len(confirmed), event)
    return confirmed


def _tell_confirmed(party: EventRsvp, now: datetime) -> None:
    event, member = party.event, db.session.get_one(Member, party.member_id)
    notify_member(
        member,
        "event_confirmed",
        title=_l("Your place at %(event)s is confirmed", event=event.title),
        body=_l(
            "We look forward to welcoming you (party of %(people)d). You can add the event to "
            "your calendar from its page.",
            people=party.party_size,
        ),
        link=("events.detail", {"event_id": event.id}),
        dedupe_key=f"event-confirmed:{party.id}:{now.isoformat()}",
    )
