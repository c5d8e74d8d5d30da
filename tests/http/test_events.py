"""The member's event pages: the list, an event's page, RSVP with guests, cancelling (with and
without JavaScript) and the calendar file; each bad input gets its message and status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from portal.extensions import db
from portal.models import Event, EventRsvp, Member
from tests.conftest import form_post, party_statuses


@pytest.fixture
def signed_in(login, member, clock):
    return login(member)


def post(client, url, data=None, **kwargs):
    return form_post(client, url, data or {}, token_from="/dashboard", **kwargs)


def page_text(response) -> str:
    return response.get_data(as_text=True)


def test_member_pages_need_a_sign_in(client, clock, create_event):
    event = create_event()
    for path in ("/events", f"/events/{event.id}", f"/events/{event.id}/calendar.ics"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login?next=" in response.headers["Location"]


def test_the_list_shows_places_the_waitlist_the_tier_needed_and_the_members_status(
    client, signed_in, create_member, clock, create_event, rsvp
):
    open_event = create_event(title="Trend show", kind="trend_show", capacity=30)
    full = create_event(title="Launch evening", kind="launch", capacity=1)
    rsvp(create_member(), full)
    create_event(title="Gold salon", min_tier="gold")
    mine = create_event(title="Watch workshop", kind="workshop")
    rsvp(signed_in, mine, guests=1)
    create_event(title="Last year's show", starts_at=clock.now() - timedelta(days=30))

    text = page_text(client.get("/events"))

    assert "30 places left" in text
    assert "Full: waitlist" in text
    assert "This event is for Gold members and above." in text
    assert "Confirmed with 1 guest" in text
    assert "Last year&#39;s show" not in text and "Last year's show" not in text
    assert f'href="/events/{open_event.id}"' in text


def test_an_event_page_says_the_time_in_the_programmes_zone_and_links_a_map(
    client, signed_in, clock, create_event
):
    # 11:00 UTC is 19:00 in Shanghai.
    event = create_event(starts_at=datetime(2026, 6, 22, 11, 0, tzinfo=UTC))
    text = page_text(client.get(f"/events/{event.id}"))
    assert "7:00\u202fPM" in text or "7:00 PM" in text
    assert "https://www.openstreetmap.org/search?query=Shanghai+IFC" in text
    assert "Not answered" in text
    assert client.get("/events/99999").status_code == 404


def test_an_rsvp_with_guests_confirms_the_party(client, signed_in, clock, create_event):
    event = create_event(max_guests=2)
    response = post(client, f"/events/{event.id}/rsvp", {"guests": "2"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/events/{event.id}"
    text = page_text(client.get(f"/events/{event.id}"))
    assert "Your place is confirmed." in text
    assert "Confirmed with 2 guests" in text
    assert "Add to calendar" in text


@pytest.mark.parametrize(
    ("guests", "message"),
    [
        ("-1", "You may bring from 0 to 2 guests."),
        ("3", "You may bring from 0 to 2 guests."),
        ("two", "Enter a whole number of guests, like 0, 1 or 2."),
        ("", "Say how many guests you bring (0 if none)."),
    ],
)
def test_guests_outside_the_rule_are_refused_beside_the_field(
    client, signed_in, clock, guests, message, create_event
):
    event = create_event(max_guests=2)
    response = post(client, f"/events/{event.id}/rsvp", {"guests": guests})
    assert response.status_code == 422
    assert message in page_text(response)
    assert db.session.query(EventRsvp).count() == 0


def test_a_full_event_puts_the_member_on_the_waitlist_with_their_position(
    client, signed_in, create_member, clock, create_event, rsvp
):
    event = create_event(capacity=1)
    rsvp(create_member(), event)
    response = post(client, f"/events/{event.id}/rsvp", {"guests": "0"})
    assert response.status_code == 303
    text = page_text(client.get(f"/events/{event.id}"))
    assert "you are on the waitlist" in text
    assert "Waitlist position 1" in text


def test_the_page_says_before_sending_how_many_guests_keep_the_place(
    client, signed_in, create_member, clock, create_event, rsvp
):
    event = create_event(capacity=4, max_guests=3)
    rsvp(signed_in, event, guests=1)
    rsvp(create_member(), event)  # 3 of 4 taken
    text = page_text(client.get(f"/events/{event.id}"))
    assert (
        "Up to 2 guests keep your place; a larger party moves to the end of the waitlist." in text
    )
    assert 'data-confirmed-up-to="2"' in text


def test_refusals_of_the_rules_answer_409_with_the_reason(
    client, signed_in, clock, create_event, rsvp
):
    late = create_event(rsvp_deadline=clock.now() - timedelta(minutes=1))
    gold = create_event(min_tier="gold")
    cancelled = create_event(cancelled=True)
    twice = create_event()
    rsvp(signed_in, twice, guests=1)
    cases = [
        (late, "Answers closed on"),
        (gold, "This event is for Gold members and above."),
        (cancelled, "This event has been cancelled."),
        (twice, "You already have a place with this number of guests."),
    ]
    for event, message in cases:
        response = post(client, f"/events/{event.id}/rsvp", {"guests": "1"})
        assert response.status_code == 409, event.title
        assert message in page_text(response)


def test_an_rsvp_without_the_csrf_token_is_refused(client, signed_in, clock, create_event):
    event = create_event()
    response = client.post(f"/events/{event.id}/rsvp", data={"guests": "0"})
    assert response.status_code == 400
    assert db.session.query(EventRsvp).count() == 0


def test_without_javascript_cancelling_goes_through_a_confirmation_page(
    client, signed_in, create_member, clock, create_event, rsvp
):
    event = create_event(capacity=1)
    rsvp(signed_in, event)
    waiting = create_member(name="Next In Line")
    rsvp(waiting, event)

    asked = post(client, f"/events/{event.id}/cancel")
    assert asked.status_code == 200
    assert "Give up your place at" in page_text(asked)
    assert party_statuses(event)["Lin Mei"] == "confirmed"

    done = post(client, f"/events/{event.id}/cancel", {"confirmed": "yes"})
    assert done.status_code == 303
    assert party_statuses(event) == {"Lin Mei": "cancelled", "Next In Line": "confirmed"}

    again = post(client, f"/events/{event.id}/cancel", {"confirmed": "yes"})
    assert again.status_code == 409
    assert "You already cancelled your answer." in page_text(again)


def test_with_htmx_the_hx_confirm_was_the_question_so_the_post_cancels(
    client, signed_in, clock, create_event, rsvp
):
    event = create_event()
    rsvp(signed_in, event)
    response = post(client, f"/events/{event.id}/cancel", headers={"HX-Request": "true"})
    assert response.status_code == 303
    assert party_statuses(event)["Lin Mei"] == "cancelled"


def test_the_cancel_button_asks_with_hx_confirm(client, signed_in, clock, create_event, rsvp):
    event = create_event()
    rsvp(signed_in, event)
    text = page_text(client.get(f"/events/{event.id}"))
    assert 'hx-confirm="Give up your place at Coloured stones salon?"' in text


def _calendar(client, event) -> Calendar:
    response = client.get(f"/events/{event.id}/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.get_data())


def test_the_calendar_file_parses_keeps_its_uid_and_its_sequence_rises_after_an_edit(
    client, signed_in, clock, create_event, rsvp
):
    event = create_event(starts_at=datetime(2026, 6, 22, 11, 0, tzinfo=UTC))
    rsvp(signed_in, event)

    first = _calendar(client, event)
    (entry,) = first.walk("VEVENT")
    (zone,) = first.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Asia/Shanghai"
    assert entry.decoded("DTSTART") == datetime(2026, 6, 22, 11, 0, tzinfo=UTC)
    assert entry["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert str(first["METHOD"]) == "PUBLISH" and str(entry["STATUS"]) == "CONFIRMED"
    assert int(entry["SEQUENCE"]) == 0

    from portal.services.events.editing import EventChanges, update_event

    stored = db.session.get(Event, event.id)
    values = {name: getattr(stored, name) for name in EventChanges.__dataclass_fields__}
    values["location"] = "Beijing SKP boutique"
    update_event(stored, EventChanges(**values), staff=db.session.get(Member, signed_in.id))
    db.session.commit()

    second = _calendar(client, event)
    (changed,) = second.walk("VEVENT")
    assert str(changed["UID"]) == str(entry["UID"])
    assert int(changed["SEQUENCE"]) == 1
    assert str(changed["LOCATION"]) == "Beijing SKP boutique"


def test_a_cancelled_events_calendar_file_cancels_the_entry(
    client, signed_in, clock, create_event, rsvp
):
    event = create_event()
    rsvp(signed_in, event)
    from portal.services.events.editing import cancel_event

    cancel_event(db.session.get(Event, event.id), staff=db.session.get(Member, signed_in.id))
    db.session.commit()

    cancelled = _calendar(client, event)
    (entry,) = cancelled.walk("VEVENT")
    assert str(cancelled["METHOD"]) == "CANCEL"
    assert str(entry["STATUS"]) == "CANCELLED"
    assert int(entry["SEQUENCE"]) == 1
    assert "Cancelled" in page_text(client.get(f"/events/{event.id}"))


def test_a_member_who_cancelled_gets_a_file_that_removes_the_entry(
    client, signed_in, clock, create_event, rsvp
):
    event = create_event()
    rsvp(signed_in, event)
    assert str(_calendar(client, event)["METHOD"]) == "PUBLISH"
    post(client, f"/events/{event.id}/cancel", {"confirmed": "yes"})
    removed = _calendar(client, event)
    assert str(removed["METHOD"]) == "CANCEL"
    assert str(next(iter(removed.walk("VEVENT")))["STATUS"]) == "CANCELLED"


@pytest.mark.parametrize("events", [2, 8])
def test_the_list_reads_the_same_few_queries_however_many_events(
    client, signed_in, clock, create_event, rsvp, count_queries, events
):
    for n in range(events):
        event = create_event(title=f"Salon {n}", min_tier="gold" if n % 2 else None)
        if n % 2 == 0:
            rsvp(signed_in, event)
    with count_queries() as queries:
        response = client.get("/events")
    assert response.status_code == 200
    assert f"Salon {events - 1}" in page_text(response)
    assert len(queries) <= 8, "\n".join(queries)
