"""/admin/calls: the day's return-visit calls per store, phone-first (a tel: link, the reason,
recent purchases, special dates and birthday), outcomes recorded and audited, rescheduling, do
not call, a follow-up case from a call; staff only. And "Rewards for you" on the member pages."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, FollowUpCase, Member, ReturnCall, SpecialDate
from portal.services.engagement.call_rules import schedule_calls
from portal.services.programme.local_time import local_date
from portal.services.rewards.suggestions import refresh_reward_pairs
from tests.conftest import form_post
from tests.valid_html import problems_in


def page_of(response) -> str:
    return response.get_data(as_text=True)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def customer(create_member):
    member = create_member(
        name="Wang Fang",
        email="wang.fang@example.com",
        phone="13800138000",
        birthday=date(1992, 2, 29),
    )
    db.session.add(SpecialDate(member_id=member.id, month=5, day=20, label="Wedding anniversary"))
    db.session.commit()
    return member


@pytest.fixture
def due_call(customer, clock, create_purchase):
    """A thank-you call due today for Wang Fang's purchase of a week ago."""
    create_purchase(
        customer,
        "18000.00",
        purchased_at=clock.now() - timedelta(days=7),
        store="Beijing SKP",
        items=[{"sku": "W-1", "name": "Automatic watch", "unit_price": 1_800_000}],
    )
    schedule_calls()
    db.session.commit()
    return db.session.scalars(select(ReturnCall).where(ReturnCall.reason == "thank_you")).one()


def fresh_call(call) -> ReturnCall:
    db.session.expire_all()
    return db.session.get(ReturnCall, call.id)


def post_outcome(client, call, **data):
    return form_post(client, f"/admin/calls/{call.id}/outcome", data, token_from="/admin/calls")


def test_a_member_gets_403_and_a_visitor_the_sign_in_page(client, login, due_call):
    assert client.get("/admin/calls").status_code == 302
    login("member")
    assert client.get("/admin/calls").status_code == 403
    response = form_post(
        client,
        f"/admin/calls/{due_call.id}/outcome",
        {"outcome": "reached"},
        token_from="/dashboard",
    )
    assert response.status_code == 403
    response = form_post(client, f"/admin/calls/{due_call.id}/case", {}, token_from="/dashboard")
    assert response.status_code == 403
    assert fresh_call(due_call).status == "open"


def test_the_card_shows_a_tel_link_the_reason_purchases_and_dates(client, login, due_call):
    login("staff")
    response = client.get("/admin/calls")
    html = page_of(response)
    assert response.status_code == 200
    assert problems_in(html) == []
    assert 'href="tel:+8613800138000"' in html
    words = text_of(html)
    assert "Call +86 138 0013 8000" in words
    assert "Wang Fang" in words and "Thank-you call" in words
    assert "Thank them for their purchase of" in words and "Beijing SKP" in words
    assert "Automatic watch" in words and "¥18,000.00" in words
    assert "Wedding anniversary" in words and "May 20" in words
    assert "February 29" in words  # the birthday, without its year
    assert "1 call to make today." in words


def test_no_answer_and_reached_with_a_note_close_the_call_and_are_audited(
    client, login, due_call, customer, clock, create_purchase
):
    staff = login("staff")
    response = post_outcome(client, due_call, outcome="no_answer")
    assert response.status_code == 303
    call = fresh_call(due_call)
    assert (call.status, call.outcome, call.called_by_id) == ("done", "no_answer", staff.id)
    assert "no answer, recorded" in text_of(page_of(client.get("/admin/calls")))
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "call.no_answer"))
    assert [(a.actor_id, a.target_id) for a in audit] == [(staff.id, call.id)]

    # Recording again on a closed call changes nothing.
    response = post_outcome(client, due_call, outcome="reached")
    assert response.status_code == 303
    assert fresh_call(due_call).outcome == "no_answer"

    care = db.session.scalars(select(ReturnCall).where(ReturnCall.reason == "care")).one()
    response = post_outcome(client, care, outcome="reached", note="Loves the watch; wants a strap")
    assert response.status_code == 303
    assert fresh_call(care).note == "Loves the watch; wants a strap"


def test_call_back_reschedules_and_needs_a_day_from_today(client, login, due_call, clock):
    staff = login("staff")
    today = local_date(clock.now())
    response = post_outcome(client, due_call, outcome="call_back")
    assert response.status_code == 422
    assert "Choose a day from today to a year from now." in text_of(page_of(response))
    response = post_outcome(
        client, due_call, outcome="call_back", call_back_on=(today - timedelta(days=1)).isoformat()
    )
    assert response.status_code == 422
    assert fresh_call(due_call).due_on == today

    response = post_outcome(
        client, due_call, outcome="call_back", call_back_on=(today + timedelta(days=2)).isoformat()
    )
    assert response.status_code == 303
    call = fresh_call(due_call)
    assert (call.status, call.due_on, call.outcome) == (
        "open",
        today + timedelta(days=2),
        "call_back",
    )
    assert f'id="call-{call.id}"' not in page_of(client.get("/admin/calls"))
    clock.advance(days=2)
    login(staff)  # a staff session ends after 30 minutes unused
    assert f'id="call-{call.id}"' in page_of(client.get("/admin/calls"))


def test_do_not_call_marks_the_member_and_withdraws_their_calls(client, login, due_call, customer):
    login("staff")
    response = post_outcome(client, due_call, outcome="do_not_call", note="Prefers not")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Member, customer.id).do_not_call_at is not None
    statuses = {c.reason: c.status for c in db.session.scalars(select(ReturnCall))}
    assert statuses == {"thank_you": "done", "care": "withdrawn"}
    assert "will not be called again" in text_of(page_of(client.get("/admin/calls")))


def test_a_follow_up_case_opened_from_a_call_works_on_the_case_pages(
    client, login, due_call, customer
):
    login("staff")
    post_outcome(client, due_call, outcome="reached", note="The clasp is loose")
    response = form_post(client, f"/admin/calls/{due_call.id}/case", {}, token_from="/admin/calls")
    assert response.status_code == 303
    case = db.session.scalars(select(FollowUpCase)).one()
    assert response.headers["Location"].endswith(f"/admin/cases/{case.id}")
    assert (case.call_id, case.answer_id, case.member_id) == (due_call.id, None, customer.id)
    # Once per call.
    form_post(client, f"/admin/calls/{due_call.id}/case", {}, token_from="/admin/calls")
    assert len(db.session.scalars(select(FollowUpCase)).all()) == 1

    detail = client.get(f"/admin/cases/{case.id}")
    assert detail.status_code == 200
    assert problems_in(page_of(detail)) == []
    assert "Opened from a return-visit call" in text_of(page_of(detail))
    assert "The clasp is loose" in page_of(detail)
    listing = client.get("/admin/cases")
    assert listing.status_code == 200 and "From a return-visit call" in page_of(listing)
    response = form_post(
        client,
        f"/admin/cases/{case.id}/resolve",
        {"resolution": "Clasp repaired", "goodwill_points": "0"},
        token_from=f"/admin/cases/{case.id}",
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(FollowUpCase, case.id).status == "resolved"


def test_the_store_picker_shows_one_stores_calls(client, login, create_member, create_purchase):
    for name, store, phone in (
        ("Amy Li", "Shanghai IFC", "13800000001"),
        ("Bo Zhou", "Beijing SKP", "13800000002"),
    ):
        create_purchase(create_member(name=name, phone=phone), "300.00", store=store)
    schedule_calls()
    db.session.commit()
    login("staff")
    both = text_of(page_of(client.get("/admin/calls")))
    assert "Amy Li" in both and "Bo Zhou" in both
    assert "Beijing SKP (1)" in both and "Shanghai IFC (1)" in both
    one = text_of(page_of(client.get("/admin/calls?store=Beijing SKP")))
    assert "Bo Zhou" in one and "Amy Li" not in one


def test_the_list_reads_a_fixed_number_of_queries(
    client, login, create_member, create_purchase, count_queries
):
    create_purchase(create_member(phone="13900000000"), "300.00")
    schedule_calls()
    db.session.commit()
    login("staff")
    client.get("/admin/calls")
    with count_queries() as few:
        client.get("/admin/calls")
    for n in range(10):
        someone = create_member(phone=f"1390000001{n}")
        for _ in range(3):
            create_purchase(someone, "300.00")
    schedule_calls()
    db.session.commit()
    with count_queries() as many:
        html = page_of(client.get("/admin/calls"))
    assert html.count('class="call-card') == 11
    assert len(few) == len(many)


def test_the_calls_tab_counts_todays_open_calls(client, login, due_call):
    login("staff")
    html = page_of(client.get("/admin/"))
    assert re.search(r'Calls <span class="nav-badge">1<span class="visually-hidden"> to make', html)


# -- "Rewards for you" ----------------------------------------------------------------------


@pytest.fixture
def suggested(create_member, create_reward, redeem_reward, give_points, member):
    pouch = create_reward(name="Silk pouch", points_cost=100)
    engraving = create_reward(name="Engraving", points_cost=5_000)
    create_reward(name="Tea ceremony", points_cost=620)
    friend = create_member()
    redeem_reward(friend, pouch)
    redeem_reward(friend, engraving)
    redeem_reward(member, pouch)
    give_points(member, 500)
    refresh_reward_pairs()
    db.session.commit()
    return member


def test_the_dashboard_shows_rewards_for_you_with_their_reasons(client, login, suggested):
    login(suggested)
    html = page_of(client.get("/dashboard"))
    assert problems_in(html) == []
    panel = text_of(html[html.index('class="panel suggestions-panel"') :])
    assert "Rewards for you" in panel
    assert "Engraving" in panel and "Members who chose Silk pouch also chose this" in panel
    assert "4,500 points away" in panel
    assert "Tea ceremony" in panel and "120 points away" in panel


def test_suggestions_turned_off_hide_the_panel_and_keep_the_catalogue_plain(
    client, login, suggested
):
    login(suggested)
    assert "Rewards for you" in page_of(client.get("/rewards"))
    assert "Rewards for you" not in page_of(client.get("/rewards?q=tea"))
    assert "Rewards for you" not in page_of(client.get("/rewards?sort=cost"))
    db.session.get(Member, suggested.id).personalised_suggestions = False
    db.session.commit()
    assert "Rewards for you" not in page_of(client.get("/dashboard"))
    catalogue = page_of(client.get("/rewards"))
    assert "Rewards for you" not in catalogue
    names = re.findall(r"<h2>([^<]+)</h2>", catalogue)
    # The catalogue's own order (most redeemed first, then the cheapest).
    assert names[:3] == ["Silk pouch", "Engraving", "Tea ceremony"]
