"""Referrals over HTTP: the link, the landing page, registration with the code, the first
purchase through the till API, the bonuses pending on both pages, `run-jobs` after the return
window, and the staff desk, report and review."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, LedgerEntry, Member, Referral
from portal.services.purchases.api_tokens import create_api_token
from tests.conftest import DEFAULT_PASSWORD, form_post
from tests.referral_support import refer

JOINER = {
    "name": "Wang Fang",
    "email": "wang.fang@example.com",
    "password": "amber-willow-crescent-9",
    "terms": "y",
}


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_ENABLED": False}


@pytest.fixture
def referrer(create_member, clock):
    return create_member(name="Lin Mei", email="lin.mei@example.com")


@pytest.fixture
def till(app):
    _token, plaintext = create_api_token("Shanghai IFC till 1")
    db.session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def sign_in(client, email, password=DEFAULT_PASSWORD):
    response = form_post(client, "/login", {"email": email, "password": password})
    assert response.status_code == 303


def sale(email, receipt_no, amount, when):
    return {
        "member": email,
        "receipt_no": receipt_no,
        "amount": amount,
        "currency": "CNY",
        "purchased_at": when.isoformat(),
        "store": "Shanghai IFC",
        "items": [{"name": "Akoya pearl studs", "quantity": 1, "unit_price": amount}],
    }


def test_the_whole_path_from_link_to_both_bonuses(client, referrer, till, mailbox, clock, runner):
    code = referrer.referral_code
    landing = client.get(f"/r/{code}")
    assert landing.status_code == 200
    page = text(landing)
    assert "Lin invites you" in page
    assert "200 welcome points" in page and "Lin receives 500 points" in page

    form = text(client.get(f"/register?ref={code}"))
    assert f'value="{code}"' in form
    response = form_post(client, "/register", JOINER, token_from=f"/r/{code}")
    assert response.status_code == 303

    friend = db.session.scalar(select(Member).where(Member.email == JOINER["email"]))
    referral = db.session.scalar(select(Referral).where(Referral.friend_id == friend.id))
    assert (referral.referrer_id, referral.channel, referral.status) == (
        referrer.id,
        "link",
        "joined",
    )
    assert client.get(mailbox.link_in_last(JOINER["email"], "/verify-email/")).status_code == 302
    assert db.session.get(Member, friend.id).email_verified
    assert db.session.get(Referral, referral.id).status == "joined"  # survives verification

    when = clock.now() - timedelta(minutes=5)
    answer = client.post(
        "/api/v1/purchases",
        json=sale(JOINER["email"], "SH01-2026-000901", "1280.00", when),
        headers=till,
    )
    assert answer.status_code == 201
    release_day = (when + timedelta(days=30)).strftime("%B %-d, %Y")

    sign_in(client, JOINER["email"], JOINER["password"])
    friend_page = text(client.get("/referrals"))
    assert "You joined through Lin's invitation." in friend_page
    assert f"Your 200 welcome points are pending until {release_day}" in friend_page
    form_post(client, "/logout", {}, token_from="/referrals")

    sign_in(client, referrer.email)
    referrer_page = text(client.get("/referrals"))
    assert "Wang F." in referrer_page and "Wang Fang" not in referrer_page
    assert f"Bonus of 500 points pending until {release_day}." in referrer_page
    assert db.session.get(Member, referrer.id).points_balance == 0

    clock.set(when + timedelta(days=30, minutes=1))
    result = runner.invoke(args=["run-jobs"])
    assert result.exit_code == 0 and "referral-bonuses: 1" in result.output
    db.session.expire_all()
    assert db.session.get(Member, referrer.id).points_balance == 500
    assert db.session.get(Member, friend.id).points_balance == 1280 + 200

    referrer_page = text(client.get("/referrals"))
    paid_day = clock.now().strftime("%B %-d, %Y")
    assert f"Rewarded: +500 points on {paid_day}." in referrer_page
    dashboard = text(client.get("/dashboard"))
    assert "Referral: Wang F.&#39;s first purchase" in dashboard
    assert db.session.scalars(
        select(LedgerEntry.referral_id).where(LedgerEntry.kind == "bonus")
    ).all() == [referral.id, referral.id]


def test_an_unknown_code_is_explained_with_a_way_to_join(client):
    response = client.get("/r/ZZZZ2222")
    assert response.status_code == 404
    page = text(response)
    assert "We could not find this invitation" in page and "not in use any more" in page
    assert 'href="/register"' in page


def test_a_malformed_code_says_what_a_code_looks_like(client):
    page = text(client.get("/r/ABC1"))
    assert "a referral code has 8 letters and digits" in page


def test_a_lower_case_or_spaced_code_leads_to_its_landing_page(client, referrer):
    code = referrer.referral_code
    response = client.get(f"/r/{code[:4].lower()}%20{code[4:].lower()}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/r/{code}")


def test_the_code_of_a_closed_account_is_not_an_invitation(client, referrer):
    from portal.services.members.closure import close_account

    code = referrer.referral_code
    close_account(referrer, DEFAULT_PASSWORD)
    db.session.commit()
    assert client.get(f"/r/{code}").status_code == 404


def test_the_landing_page_speaks_the_friends_language(client, referrer):
    page = text(client.get(f"/r/{referrer.referral_code}", headers={"Accept-Language": "zh-CN"}))
    assert "Lin 邀请您加入" in page and 'lang="zh-Hans"' in page


def test_the_code_survives_a_change_of_language(client, referrer):
    code = referrer.referral_code
    client.get(f"/r/{code}")
    response = form_post(
        client, "/language", {"locale": "zh_Hans", "next": f"/r/{code}"}, token_from=f"/r/{code}"
    )
    assert response.headers["Location"].endswith(f"/r/{code}")
    form = text(client.get("/register"))
    assert f'value="{code}"' in form and "Lin 邀请了您" in form


def test_a_member_opening_their_own_link_sees_it_with_a_note(client, referrer):
    sign_in(client, referrer.email)
    page = text(client.get(f"/r/{referrer.referral_code}"))
    assert "This is your own invitation link" in page
    assert "Join with this invitation" not in page


def test_a_typed_code_with_spaces_and_lower_case_is_attributed(client, referrer):
    code = referrer.referral_code
    typed = f" {code[:4].lower()} {code[4:].lower()} "
    response = form_post(client, "/register", {**JOINER, "referral_code": typed})
    assert response.status_code == 303
    referral = db.session.scalar(select(Referral))
    assert (referral.referrer_id, referral.channel) == (referrer.id, "code")


def test_a_malformed_typed_code_is_refused_beside_the_field(client):
    response = form_post(client, "/register", {**JOINER, "referral_code": "NOPE1234"})
    assert response.status_code == 422
    assert "A referral code has 8 letters and digits" in text(response)
    assert db.session.scalar(select(Member).where(Member.email == JOINER["email"])) is None


def test_registering_again_through_another_link_keeps_the_first_referrer(
    client, referrer, create_member
):
    other = create_member(name="Sophie Laurent")
    form_post(client, "/register", {**JOINER, "referral_code": referrer.referral_code})
    response = form_post(client, "/register", {**JOINER, "referral_code": other.referral_code})
    assert response.status_code == 303  # the same answer as for a new address
    referrals = db.session.scalars(select(Referral)).all()
    assert [r.referrer_id for r in referrals] == [referrer.id]


def test_a_plus_tag_self_referral_shows_as_not_eligible(client, create_member):
    me = create_member(name="Lin Mei", email="linmei@gmail.com")
    form_post(
        client,
        "/register",
        {**JOINER, "email": "lin.mei+second@gmail.com", "referral_code": me.referral_code},
    )
    referral = db.session.scalar(select(Referral))
    assert (referral.status, referral.reason) == ("ineligible", "self_referral")
    sign_in(client, me.email)
    assert "Not eligible: an invitation cannot be used on one&#39;s own account." in text(
        client.get("/referrals")
    )


def test_friends_from_one_device_are_held_and_say_so(client, referrer):
    code = referrer.referral_code
    client.get(f"/r/{code}")  # the browser gets its device cookie here
    form_post(client, "/register", {**JOINER, "referral_code": code}, token_from=f"/r/{code}")
    form_post(
        client,
        "/register",
        {**JOINER, "email": "li.na@example.com", "name": "Li Na", "referral_code": code},
        token_from=f"/r/{code}",
    )
    statuses = [(r.status, r.hold_reasons) for r in db.session.scalars(select(Referral))]
    assert statuses == [("held", ["same_device", "same_ip"])] * 2
    sign_in(client, referrer.email)
    assert "Held for review: several friends joined from the same device within a day" in text(
        client.get("/referrals")
    )


def test_the_referrals_page_needs_a_member(client):
    response = client.get("/referrals")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


def test_the_page_shows_the_code_link_qr_and_rules_from_the_settings(client, referrer, admin):
    from portal.services.programme.settings import update_setting

    update_setting("referral_referrer_points", 800)
    db.session.commit()
    sign_in(client, referrer.email)
    page = text(client.get("/referrals"))
    assert referrer.referral_code in page
    assert f"http://portal.test/r/{referrer.referral_code}" in page
    assert re.search(r'<svg viewBox="[0-9 ]+" class="referral-qr"><title>', page)
    assert "you receive 800 points and your friend 200" in page
    assert "data-copied-text=" in page and "data-share-text=" in page


# -- the desk --------------------------------------------------------------------------------


def desk_form(member, receipt, amount="800.00", code=""):
    return {
        "member": member.email,
        "receipt_no": receipt,
        "store": "Shanghai IFC",
        "amount": amount,
        "purchased_at": "2026-06-15T11:30",
        "referral_code": code,
    }


def test_staff_attach_a_code_to_a_new_members_first_purchase(
    client, login, referrer, create_member, staff
):
    friend = create_member(name="Zhou Min")
    login(staff)
    response = form_post(
        client,
        "/admin/purchases/new",
        desk_form(friend, "SH01-2026-000777", code=referrer.referral_code.lower()),
        token_from="/admin/purchases/new",
    )
    assert response.status_code == 303
    referral = db.session.scalar(select(Referral))
    assert (referral.friend_id, referral.channel, referral.status) == (friend.id, "desk", "pending")
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "referral.attach"))


def test_the_desk_refuses_the_members_own_code_and_a_second_referrer(
    client, login, referrer, create_member, staff
):
    login(staff)
    own = form_post(
        client,
        "/admin/purchases/new",
        desk_form(referrer, "SH01-2026-000778", code=referrer.referral_code),
        token_from="/admin/purchases/new",
    )
    assert own.status_code == 422 and "the member&#39;s own referral code" in text(own)
    friend = create_member(name="Zhou Min")
    refer(friend, create_member(name="Sophie Laurent"))
    second = form_post(
        client,
        "/admin/purchases/new",
        desk_form(friend, "SH01-2026-000779", code=referrer.referral_code),
        token_from="/admin/purchases/new",
    )
    assert second.status_code == 409
    assert "was already invited by Sophie Laurent" in text(second)
    assert (
        db.session.scalar(select(Referral).where(Referral.friend_id == friend.id)).referrer_id
        != referrer.id
    )


# -- staff pages -----------------------------------------------------------------------------


def test_members_cannot_open_the_staff_referral_pages(client, login):
    login("member")
    assert client.get("/admin/referrals").status_code == 403


def test_staff_review_a_held_referral_with_a_reason(client, login, referrer, create_member, staff):
    friend = create_member(name="Zhou Min")
    held = refer(friend, referrer, device="device-ddddddddddddddd1")
    refer(create_member(name="Qian Li"), referrer, device="device-ddddddddddddddd1")
    login(staff)
    page = text(client.get("/admin/referrals"))
    assert "Zhou Min, invited by Lin Mei" in page
    assert "several friends joined from the same device within a day" in page

    blank = form_post(
        client,
        f"/admin/referrals/{held.id}/reject",
        {"reject-note": ""},
        token_from=f"/admin/referrals/{held.id}",
    )
    assert blank.status_code == 422 and "Say why, for the audit log." in text(blank)
    done = form_post(
        client,
        f"/admin/referrals/{held.id}/reject",
        {"reject-note": "Same person: two accounts on one tablet"},
        token_from=f"/admin/referrals/{held.id}",
    )
    assert done.status_code == 303
    referral = db.session.get(Referral, held.id)
    assert (referral.status, referral.reason, referral.reviewed_by_id) == (
        "ineligible",
        "rejected",
        staff.id,
    )
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "referral.reject"))
    assert "Same person: two accounts on one tablet" in audit.summary
    again = form_post(
        client,
        f"/admin/referrals/{held.id}/approve",
        {"approve-note": "Second thoughts"},
        token_from=f"/admin/referrals/{held.id}",
    )
    assert again.status_code == 409


def test_the_member_page_shows_who_referred_whom(client, login, referrer, create_member, staff):
    friend = create_member(name="Zhou Min")
    refer(friend, referrer)
    login(staff)
    page = text(client.get(f"/admin/members/{friend.id}/referrals"))
    assert "Invited by" in page and "Lin Mei" in page
    page = text(client.get(f"/admin/members/{referrer.id}/referrals"))
    assert "Zhou Min" in page


def test_the_report_counts_opens_joins_and_paid_points(
    client, login, referrer, create_member, create_purchase, staff, clock, runner
):
    client.get(f"/r/{referrer.referral_code}")
    friend = create_member(name="Zhou Min")
    refer(friend, referrer)
    create_purchase(friend, "900.00", purchased_at=clock.now())
    clock.advance(days=31)
    runner.invoke(args=["run-jobs"])
    login(staff)
    page = text(client.get("/admin/referrals"))
    june = (clock.now() - timedelta(days=31)).strftime("%B %Y")
    july = clock.now().strftime("%B %Y")
    rows = {
        month: [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', cells)]
        for month, cells in re.findall(
            r'<th scope="row">([^<]+)</th>((?: <td[^>]*>[^<]*</td>)+)', page
        )
    }
    # opened, joined, qualifying purchases, referrals rewarded, points paid (both bonuses)
    assert rows[june] == [1, 1, 1, 0, 0]
    assert rows[july] == [0, 0, 0, 1, 700]


def test_a_member_keeps_a_delivery_address_on_the_account_page(client, referrer):
    sign_in(client, referrer.email)
    response = form_post(
        client,
        "/account/profile",
        {"name": "Lin Mei", "delivery_address": " 8 Huaihai Road, Apt. 5, Shanghai "},
        token_from="/account",
    )
    assert response.status_code == 303
    assert (
        db.session.get(Member, referrer.id).delivery_address == "8 Huaihai Road, Apt. 5, Shanghai"
    )
    assert "8 Huaihai Road, Apt. 5, Shanghai" in text(client.get("/account"))
