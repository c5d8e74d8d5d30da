"""The calendar file of an event (RFC 5545, made with the `icalendar` library).

One UID per event for ever, so a calendar that imports the file again updates the entry it has
instead of adding another; SEQUENCE is the event's `sequence`, which rises on every change; the
times carry the programme's zone with its VTIMEZONE; a cancelled event (or a member's own
cancelled answer) is sent as METHOD:CANCEL with STATUS:CANCELLED, which removes the entry.
"""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from portal.clock import utcnow
from portal.models import Event, EventRsvp
from portal.services.programme.local_time import programme_zone
from portal.services.programme.settings import programme_settings

PRODUCT_ID = "-//Members' Club//Events//EN"
UID_DOMAIN = "events.members-club"


def event_uid(event: Event) -> str:
    return f"event-{event.id}@{UID_DOMAIN}"


def calendar_file(
    event: Event,
    *,
    title: str,
    location: str,
    description: str,
    url: str,
    rsvp: EventRsvp | None = None,
    now: datetime | None = None,
) -> bytes:
    """The .ics of `event` in the reader's words (`title`, `location`, `description` are the
    localised texts; `url` is the event's page)."""
    zone = programme_zone()
    cancelled = event.is_cancelled or (rsvp is not None and rsvp.status == "cancelled")
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    calendar.add("x-wr-timezone", zone.key)
    entry = CalendarEvent()
    entry.add("uid", event_uid(event))
    entry.add("sequence", event.sequence)
    entry.add("dtstamp", now or utcnow())
    entry.add("dtstart", event.starts_at.astimezone(zone))
    entry.add("dtend", event.ends_at.astimezone(zone))
    entry.add("summary", title)
    entry.add("location", location)
    if description:
        entry.add("description", description)
    entry.add("url", url)
    entry.add("organizer", f"mailto:noreply@{UID_DOMAIN}", parameters={"cn": _organiser()})
    entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    entry.add("last-modified", event.updated_at)
    calendar.add_component(entry)
    calendar.add_missing_timezones()
    ical: bytes = calendar.to_ical()
    return ical


def _organiser() -> str:
    return programme_settings().programme_name
