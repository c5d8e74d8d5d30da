"""The events' periodic work for `run-jobs`: the reminder the day before, and no-shows after the
end. Both work from the state in the database, so a repeated run changes nothing more."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from portal.clock import utcnow
from portal.database import changed_rows
from portal.extensions import db
from portal.models import Event, EventRsvp, Member
from portal.services.messaging.mail import queue_mail
from portal.services.messaging.notifications import notify_member
from portal.services.programme.local_time import local_date

logger = logging.getLogger(__name__)


def send_event_reminders(*, now: datetime | None = None) -> int:
    """Remind every confirmed member of an event taking place tomorrow (in the programme's
    zone), once: a service message in-app and by mail, with the calendar link."""
    now = now or utcnow()
    tomorrow = local_date(now) + timedelta(days=1)
    events = db.session.scalars(
        select(Event)
        .where(
            Event.status == "scheduled",
            Event.starts_at > now,
            Event.starts_at < now + timedelta(days=3),
        )
        .order_by(Event.starts_at)
    )
    sent = 0
    for event in events:
        if local_date(event.starts_at) != tomorrow:
            continue
        parties = db.session.scalars(
            select(EventRsvp)
            .where(EventRsvp.event_id == event.id, EventRsvp.status == "confirmed")
            .order_by(EventRsvp.id)
        )
        for party in parties:
            member = db.session.get_one(Member, party.member_id)
            key = f"event-reminder:{event.id}:{member.id}"
            notification = notify_member(
                member,
                "event_reminder",
                title=_l("Tomorrow: %(event)s", event=event.title),
                body=_l(
                    "We look forward to seeing you (party of %(people)d).", people=party.party_size
                ),
                link=("events.detail", {"event_id": event.id}),
                dedupe_key=key,
                email=False,
            )
            if notification is None:
                continue
            queue_mail(
                member.email,
                "event_reminder",
                member=member,
                dedupe_key=f"mail:{key}",
                event=event,
                party=party,
            )
            sent += 1
    if sent:
        logger.info("%d event reminders sent", sent)
    return sent


def mark_no_shows(*, now: datetime | None = None) -> int:
    """After an event has ended, its confirmed members who were not checked in are no-shows."""
    now = now or utcnow()
    ended = select(Event.id).where(Event.status == "scheduled", Event.ends_at <= now)
    marked = changed_rows(
        db.session.execute(
            update(EventRsvp)
            .where(EventRsvp.status == "confirmed", EventRsvp.event_id.in_(ended))
            .values(status="no_show", updated_at=now),
            execution_options={"synchronize_session": False},
        )
    )
    if marked:
        logger.info("%d parties marked no-show", marked)
    return marked
