"""Staff event pages: each role, the event form (datetime-local in the programme's zone), the
capacity rule, cancelling, the guest list and its CSV, and the door page."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from portal.extensions import db
from portal.models import AuditEntry, Event, EventRsvp, LedgerEntry, Member, Notification
from tests.conftest import form_post, party_statuses


def post(client, url, data=None, **kwargs):
    return form_post(client, url, data or {}, token_from="/dashboard", **kwargs)


def text_of(response) -> str:
    return response.get_data(as_text=True)


EVENT_FORM = {
    "title": "Autumn collection launch",
    "title_zh": "秋季新品发布会",
    "kind": "launch",
    "description": "The new collection, with music.",
    "location": "Shanghai IFC boutique",
    "starts_at": "2026-09-18T19:00",
    "ends_at": "2026-09-18T21:30",
    "rsvp_deadline": "2026-09-16T18:00",
    "capacity": "40",
    "min_tier": "",
    "max_guests": "1",
    "attendance_points": "200",
}


def test_members_get_403_and_visitors_sign_in_first(client, login, clock, create_event):
    event = create_event()
    paths = [
        "/admin/events",
        "/admin/events/new",
        f"/admin/events/{event.id}",
        f"/admin/events/{event.id}/checkin",
        f"/admin/events/{event.id}/guests.csv",
    ]
    for path in paths:
        assert client.get(path).status_code == 302
    login("member")
    for path in paths:
        assert client.get(path).status_code == 403, path
    assert post(client, f"/admin/events/{event.id}/cancel").status_code == 403
    assert db.session.get(Event, event.id).status == "scheduled"


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_and_admins_open_every_event_page(client, login, create_event, clock, role):
    event = create_event()
    login(role)
    for path in (
        "/admin/events",
        "/admin/events/new",
        f"/admin/events/{event.id}",
        f"/admin/events/{event.id}/checkin",
        f"/admin/events/{event.id}/guests.csv",
    ):
        assert client.get(path).status_code == 200, path
    assert client.get("/admin/events/99999").status_code == 404


def test_staff_create_an_event_with_times_read_in_the_programmes_zone(client, login, clock):
    login("staff")
    assert 'href="/admin/events/new"' in text_of(client.get("/admin/events"))
    response = post(client, "/admin/events/new", EVENT_FORM)
    assert response.status_code == 303
    event = db.session.query(Event).one()
    # 19:00 in Shanghai (UTC+8) is 11:00 UTC.
    assert event.starts_at == datetime(2026, 9, 18, 11, 0, tzinfo=UTC)
    assert event.rsvp_deadline == datetime(2026, 9, 16, 10, 0, tzinfo=UTC)
    assert (event.capacity, event.max_guests, event.attendance_points) == (40, 1, 200)
    edit = text_of(client.get(f"/admin/events/{event.id}"))
    assert 'type="datetime-local"' in edit
    assert 'value="2026-09-18T19:00"' in edit


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_at": "2026-09-18T18:00"}, "The end must be after the start."),
        ({"rsvp_deadline": "2026-09-19T10:00"}, "Answers must close before the event starts."),
        ({"capacity": "0"}, "The capacity is a whole number from 1 to 10,000."),
        ({"starts_at": "tomorrow"}, "Enter a date and time, like 2026-09-18 19:00."),
        ({"title": ""}, "Give the event a title."),
    ],
)
def test_a_bad_event_form_answers_422_beside_the_field(client, login, clock, changes, message):
    login("staff")
    response = post(client, "/admin/events/new", {**EVENT_FORM, **changes})
    assert response.status_code == 422
    assert message in text_of(response)
    assert db.session.query(Event).count() == 0


def test_lowering_the_capacity_below_the_places_taken_is_refused_with_the_numbers(
    client, login, create_member, clock, create_event, rsvp
):
    event = create_event(capacity=10, max_guests=2)
    rsvp(create_member(), event, guests=2)
    rsvp(create_member(), event, guests=1)  # 5 places taken
    login("staff")
    form = {
        **EVENT_FORM,
        "starts_at": "2026-06-22T19:00",
        "ends_at": "2026-06-22T21:00",
        "rsvp_deadline": "2026-06-21T19:00",
    }
    response = post(client, f"/admin/events/{event.id}", {**form, "capacity": "4"})
    assert response.status_code == 422
    assert "5 places are already taken, so the capacity cannot be lowered to 4." in text_of(
        response
    )
    assert db.session.get(Event, event.id).capacity == 10
    assert post(client, f"/admin/events/{event.id}", {**form, "capacity": "5"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Event, event.id).capacity == 5


def test_cancelling_an_event_tells_everyone_who_answered(
    client, login, create_member, clock, create_event, rsvp
):
    event = create_event(capacity=1)
    first, second = create_member(name="First"), create_member(name="Second")
    rsvp(first, event)
    rsvp(second, event)  # waiting
    login("staff")
    page = text_of(client.get(f"/admin/events/{event.id}"))
    assert "hx-confirm=" in page
    response = post(client, f"/admin/events/{event.id}/cancel")
    assert response.status_code == 303
    assert "2 members were told" in text_of(client.get(response.headers["Location"]))
    told = db.session.query(Notification).filter_by(kind="event_cancelled").all()
    assert {n.member_id for n in told} == {first.id, second.id}
    again = post(client, f"/admin/events/{event.id}/cancel")
    assert again.status_code == 409


def test_the_guest_list_and_its_csv_are_safe_in_a_spreadsheet(
    client, login, create_member, clock, create_event, rsvp
):
    event = create_event()
    sly = create_member(name='=HYPERLINK("http://evil")', email="sly@example.com")
    plain = create_member(name="Plain Name", phone="+86 139 0000 0000")
    rsvp(sly, event, guests=1)
    rsvp(plain, event)
    login("staff")
    page = text_of(client.get(f"/admin/events/{event.id}"))
    assert "Plain Name" in page and "Confirmed" in page

    response = client.get(f"/admin/events/{event.id}/guests.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(text_of(response))))
    assert rows[0][:5] == ["Name", "Email", "Phone", "Card number", "Status"]
    by_email = {row[1]: row for row in rows[1:]}
    assert by_email["sly@example.com"][0] == '\'=HYPERLINK("http://evil")'
    assert by_email[plain.email][2] == "'+86 139 0000 0000"
    assert by_email[plain.email][4] == "Confirmed"


def test_staff_cancel_a_party_and_the_next_on_the_waitlist_gets_the_place(
    client, login, create_member, clock, create_event, rsvp
):
    event = create_event(capacity=1)
    party = rsvp(create_member(name="Going"), event)
    rsvp(create_member(name="Waiting"), event)
    other_event = create_event(title="Another")
    login("staff")
    wrong = post(client, f"/admin/events/{other_event.id}/parties/{party.id}/cancel")
    assert wrong.status_code == 404
    response = post(client, f"/admin/events/{event.id}/parties/{party.id}/cancel")
    assert response.status_code == 303
    assert party_statuses(event) == {"Going": "cancelled", "Waiting": "confirmed"}
    assert db.session.query(AuditEntry).filter_by(action="event.party_cancel").count() == 1


# -- the door --------------------------------------------------------------------------------


@pytest.fixture
def door(create_member, clock, create_event, rsvp):
    event = create_event(capacity=4, max_guests=2, attendance_points=120)
    guest = create_member(name="Anna Guest", phone="+86 138 1111 2222")
    party = rsvp(guest, event, guests=1)
    clock.set(event.starts_at - timedelta(minutes=10))
    return event, guest, party


def test_the_door_finds_members_as_you_type_by_name_phone_or_card(client, login, door):
    event, guest, _party = door
    login("staff")
    for typed in ("anna", "1111 2222", guest.card_number[-6:]):
        response = client.get(
            f"/admin/events/{event.id}/checkin?q={typed}",
            headers={"HX-Request": "true", "HX-Target": "door-results"},
        )
        assert response.status_code == 200
        body = text_of(response)
        assert "Anna Guest" in body, typed
        assert "<html" not in body  # just the results
        assert "Check in" in body


def test_a_scanned_card_admits_once_and_earns_the_points_once(client, login, door):
    event, guest, party = door
    staff = login("staff")
    response = post(client, f"/admin/events/{event.id}/checkin", {"code": guest.card_number})
    assert response.status_code == 303
    page = text_of(client.get(response.headers["Location"]))
    assert "Admitted" in page and "Anna Guest" in page and "With 1 guest" in page

    again = post(client, f"/admin/events/{event.id}/checkin", {"code": guest.card_number_display})
    page = text_of(client.get(again.headers["Location"]))
    assert "Already checked in" in page
    assert f"By {staff.name}" in page
    credits = db.session.query(LedgerEntry).filter_by(member_id=guest.id, event_id=event.id).all()
    assert [c.points for c in credits] == [120]


def test_undo_at_the_door_reverses_the_points(client, login, door):
    event, guest, party = door
    login("staff")
    post(client, f"/admin/events/{event.id}/checkin/{party.id}")
    response = post(client, f"/admin/events/{event.id}/checkin/{party.id}/undo")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(EventRsvp, party.id).status == "confirmed"
    assert db.session.get(Member, guest.id).points_balance == 0
    again = post(client, f"/admin/events/{event.id}/checkin/{party.id}/undo")
    assert again.status_code == 409
    assert "nothing to undo" in text_of(again)


def test_cards_not_on_the_list_or_not_ours_get_a_clear_answer_and_a_walk_in(
    client, login, create_member, door
):
    event, _guest, _party = door
    stranger = create_member(name="Walk Inn")
    login("staff")
    response = post(client, f"/admin/events/{event.id}/checkin", {"code": stranger.card_number})
    page = text_of(client.get(response.headers["Location"]))
    assert "Not on the list" in page and "Admit as walk-in" in page

    response = post(
        client, f"/admin/events/{event.id}/walk-in", {"member_id": stranger.id, "guests": "3"}
    )
    assert response.status_code == 422
    assert "from 0 to 2 guests" in text_of(response)
    response = post(
        client, f"/admin/events/{event.id}/walk-in", {"member_id": stranger.id, "guests": "1"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    walk_in = db.session.query(EventRsvp).filter_by(member_id=stranger.id).one()
    assert walk_in.status == "checked_in" and walk_in.walk_in

    response = post(client, f"/admin/events/{event.id}/checkin", {"code": "4111 1111 1111"})
    assert "Not one of our membership cards" in text_of(client.get(response.headers["Location"]))
    response = post(client, f"/admin/events/{event.id}/checkin", {"code": ""})
    assert response.status_code == 422


def test_a_party_of_another_event_is_not_found_at_this_door(client, login, door, create_event):
    event, _guest, party = door
    other = create_event(title="Other")
    login("staff")
    assert post(client, f"/admin/events/{other.id}/checkin/{party.id}").status_code == 404
    assert post(client, f"/admin/events/{other.id}/checkin/{party.id}/undo").status_code == 404
    assert db.session.get(EventRsvp, party.id).status == "confirmed"


def test_the_staff_list_shows_confirmed_waitlisted_capacity_and_the_no_show_rate(
    client, login, create_member, staff, clock, create_event, rsvp
):
    from portal.services.events.door import check_in
    from portal.services.events.reminders import mark_no_shows

    event = create_event(title="Past salon", capacity=10)
    parties = [rsvp(create_member(), event, guests=1) for _ in range(4)]
    clock.set(event.starts_at)
    for party in parties[:3]:
        check_in(db.session.get(Event, event.id), db.session.get(EventRsvp, party.id), staff)
    db.session.commit()
    clock.set(event.ends_at)
    mark_no_shows()
    db.session.commit()
    login("staff")
    page = text_of(client.get("/admin/events"))
    assert "Past salon" in page
    assert "25%" in page  # 1 of 4 confirmed parties did not come


def test_the_door_page_says_when_check_in_opens(
    client, login, create_member, create_event, rsvp, clock
):
    # 11:00 UTC is 19:00 in Shanghai; the door opens 12 hours before, at 07:00.
    event = create_event(starts_at=datetime(2026, 6, 22, 11, 0, tzinfo=UTC))
    party = rsvp(create_member(), event)
    login("staff")
    page = text_of(client.get(f"/admin/events/{event.id}/checkin"))
    assert "Check-in opens on Jun 22, 2026 at 7:00" in page
    refused = post(client, f"/admin/events/{event.id}/checkin/{party.id}")
    assert refused.status_code == 409
    assert "Check-in opens on Jun 22, 2026 at 7:00" in text_of(refused)
    # 23:00 UTC is 07:00 on the day in Shanghai: the door is open (a new sign-in, as staff
    # sessions end after 30 idle minutes).
    clock.set(datetime(2026, 6, 21, 23, 0, tzinfo=UTC))
    login("staff")
    opened = client.get(f"/admin/events/{event.id}/checkin")
    assert opened.status_code == 200
    assert "Check-in opens" not in text_of(opened)
    assert post(client, f"/admin/events/{event.id}/checkin/{party.id}").status_code == 303
