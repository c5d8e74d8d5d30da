"""Staff pages of members: search, the member's page, and the corrections staff make."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, LedgerEntry, Member, Notification, TierChange
from tests.conftest import csrf_token_from, form_post, staff_actions_count


@pytest.fixture
def lin(create_member):
    return create_member(name="Lin Mei", email="lin.mei@example.com", phone="+86 138 0013 8000")


def _member(member_id: int) -> Member:
    db.session.expire_all()
    return db.session.get(Member, member_id)


def _post(client, member, action, data):
    return form_post(
        client,
        f"/admin/members/{member.id}/{action}",
        data,
        token_from=f"/admin/members/{member.id}",
    )


# -- access ----------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, lin):
    for path in ("/admin/members", f"/admin/members/{lin.id}"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_members_get_403_everywhere(client, login, lin):
    login()
    assert client.get("/admin/members").status_code == 403
    assert client.get(f"/admin/members/{lin.id}").status_code == 403
    for action, data in [
        ("points", {"direction": "credit", "points": "100", "reason": "Gift"}),
        ("birthday", {"birthday": "1990-03-04", "reason": "Typo"}),
        ("tier", {"tier": "gold", "reason": "VIP"}),
    ]:
        response = form_post(
            client, f"/admin/members/{lin.id}/{action}", data, token_from="/dashboard"
        )
        assert response.status_code == 403
    assert _member(lin.id).points_balance == 0 and _member(lin.id).tier_code == "member"


def test_staff_see_a_member(client, login, lin, create_purchase, clock):
    create_purchase(lin, amount="1500.00", receipt_no="SH01-SEEN-0001")
    login("staff")
    html = client.get(f"/admin/members/{lin.id}").get_data(as_text=True)
    assert "Lin Mei" in html and "lin.mei@example.com" in html
    assert _member(lin.id).card_number_display in html
    assert "SH01-SEEN-0001" in html and "1,500" in html
    assert "Needs ¥8,500 more to reach Silver." in html
    assert "You keep" not in html  # staff read about the member, not to them
    assert "Change or hold the tier" not in html  # admins only
    assert client.get("/admin/members/999999").status_code == 404


# -- search ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["lin mei", "LIN.MEI@", "13800138000", "138 0013 8000"],
)
def test_search_by_name_email_and_phone(client, login, lin, create_member, query):
    create_member(name="Wang Fang", email="wang.fang@example.com")
    login("staff")
    html = client.get("/admin/members", query_string={"q": query}).get_data(as_text=True)
    assert "Lin Mei" in html and "Wang Fang" not in html


def test_search_by_card_number_with_spaces(client, login, lin, create_member):
    create_member(name="Wang Fang", email="wang.fang@example.com")
    login("staff")
    card = _member(lin.id).card_number
    html = client.get("/admin/members", query_string={"q": f"{card[:4]} {card[4:8]}"}).get_data(
        as_text=True
    )
    assert "Lin Mei" in html and "Wang Fang" not in html


def test_search_answers_htmx_with_the_results_only(client, login, lin):
    login("staff")
    response = client.get(
        "/admin/members?q=Lin",
        headers={"HX-Request": "true", "HX-Target": "member-results"},
    )
    html = response.get_data(as_text=True)
    assert "Lin Mei" in html and "<html" not in html
    nothing = client.get("/admin/members?q=Nobody%25").get_data(as_text=True)
    assert "No member matches" in nothing


# -- points ----------------------------------------------------------------------------------


def test_staff_add_points_with_a_reason(client, login, lin, staff, mailbox):
    login(staff)
    response = _post(
        client, lin, "points", {"direction": "credit", "points": "300", "reason": "Late receipt"}
    )
    assert response.status_code == 303
    assert _member(lin.id).points_balance == 300
    entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.member_id == lin.id))
    assert (entry.kind, entry.points, entry.reason, entry.actor_id) == (
        "adjust_credit",
        300,
        "Late receipt",
        staff.id,
    )
    note = db.session.scalar(select(Notification).where(Notification.member_id == lin.id))
    assert "300 points added" in note.title and "Late receipt" in note.body
    assert "Late receipt" in mailbox.text_of(mailbox.last_to("lin.mei@example.com"))
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "member.points_adjust"))
    assert audit.actor_id == staff.id and audit.details["points"] == 300


def test_the_same_adjustment_form_sent_twice_adjusts_once(client, login, lin):
    login(as_="staff")
    page = client.get(f"/admin/members/{lin.id}").get_data(as_text=True)
    assert 'name="balance_seen" type="hidden" value="0"' in page
    data = {"direction": "credit", "points": "250", "reason": "Goodwill", "balance_seen": "0"}
    first = _post(client, lin, "points", data)
    second = _post(client, lin, "points", data)
    assert first.status_code == 303
    assert second.status_code == 409
    assert "Nothing was changed" in second.get_data(as_text=True)
    assert _member(lin.id).points_balance == 250
    entries = db.session.scalars(select(LedgerEntry).where(LedgerEntry.member_id == lin.id))
    assert len(list(entries)) == 1


def test_staff_take_points_but_never_below_zero(client, login, lin):
    login("staff")
    _post(client, lin, "points", {"direction": "credit", "points": "300", "reason": "Gift"})
    response = _post(
        client, lin, "points", {"direction": "debit", "points": "301", "reason": "Correction"}
    )
    assert response.status_code == 422
    assert "has only 300 points" in response.get_data(as_text=True)
    assert _member(lin.id).points_balance == 300
    response = _post(
        client, lin, "points", {"direction": "debit", "points": "100", "reason": "Correction"}
    )
    assert response.status_code == 303
    assert _member(lin.id).points_balance == 200


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"direction": "credit", "points": "", "reason": "x"}, "whole number of points"),
        ({"direction": "credit", "points": "-5", "reason": "x"}, "from 1 to 1,000,000"),
        ({"direction": "credit", "points": "2.5", "reason": "x"}, "whole number"),
        ({"direction": "credit", "points": "2000000", "reason": "x"}, "from 1 to 1,000,000"),
        ({"direction": "credit", "points": "10", "reason": ""}, "Say why the points change"),
        ({"direction": "sideways", "points": "10", "reason": "x"}, "Not a valid choice"),
    ],
)
def test_bad_adjustments_are_refused_beside_the_field(client, login, lin, data, message):
    login("staff")
    response = _post(client, lin, "points", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 0


# -- birthday --------------------------------------------------------------------------------


def test_staff_correct_a_birthday_with_a_reason(client, login, lin, staff, clock):
    lin.birthday = date(1990, 12, 18)
    db.session.commit()
    login(staff)
    response = _post(
        client, lin, "birthday", {"birthday": "1990-11-18", "reason": "Typed the wrong month"}
    )
    assert response.status_code == 303
    assert _member(lin.id).birthday == date(1990, 11, 18)
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "member.birthday"))
    assert audit.details == {
        "from": "1990-12-18",
        "to": "1990-11-18",
        "reason": "Typed the wrong month",
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"birthday": "", "reason": "x"}, "Enter the birthday as a date"),
        ({"birthday": "18/12/1990", "reason": "x"}, "Enter the birthday as a date"),
        ({"birthday": "2026-07-01", "reason": "x"}, "cannot be in the future"),
        ({"birthday": "1850-01-01", "reason": "x"}, "Check the year"),
        ({"birthday": "1990-12-18", "reason": ""}, "Say why the birthday is corrected"),
        ({"birthday": "1990-12-18", "reason": "same"}, "already the birthday on record"),
    ],
)
def test_bad_birthdays_are_refused(client, login, lin, clock, data, message):
    lin.birthday = date(1990, 12, 18)
    db.session.commit()
    login("staff")
    response = _post(client, lin, "birthday", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _member(lin.id).birthday == date(1990, 12, 18)
    assert db.session.scalar(staff_actions_count()) == 0


# -- tier ------------------------------------------------------------------------------------


def test_only_admins_change_a_tier(client, login, lin):
    login("staff")
    response = _post(client, lin, "tier", {"tier": "gold", "reason": "VIP client"})
    assert response.status_code == 403
    assert _member(lin.id).tier_code == "member"


def test_an_admin_changes_a_tier_with_a_reason(client, login, lin, admin, clock):
    login(admin)
    page = client.get(f"/admin/members/{lin.id}").get_data(as_text=True)
    assert "Change or hold the tier" in page
    response = form_post(
        client,
        f"/admin/members/{lin.id}/tier",
        {"tier": "gold", "reason": "Transferred from the Hong Kong club"},
        token_from=f"/admin/members/{lin.id}",
    )
    assert response.status_code == 303
    member = _member(lin.id)
    assert member.tier_code == "gold" and member.tier_kept_until is not None
    change = db.session.scalar(select(TierChange).where(TierChange.member_id == lin.id))
    assert (change.reason, change.actor_id, change.note) == (
        "staff",
        admin.id,
        "Transferred from the Hong Kong club",
    )
    notice = db.session.scalar(select(Notification).where(Notification.kind == "tier_change"))
    assert notice.body.startswith("Our staff have set your membership to Gold.")
    assert "spending" not in notice.body
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "member.tier_change"))
    assert audit.details["from"] == "member" and audit.details["to"] == "gold"

    same = _post(client, lin, "tier", {"tier": "gold", "reason": "Again"})
    assert same.status_code == 422 and "already has this tier" in same.get_data(as_text=True)
    unknown = _post(client, lin, "tier", {"tier": "platinum", "reason": "x"})
    assert unknown.status_code == 422
    assert db.session.scalar(select(func.count(TierChange.id))) == 1


# -- getting to the staff pages --------------------------------------------------------------


def test_staff_reach_the_staff_pages_from_their_account_page(client, login):
    login("staff")
    html = client.get("/account").get_data(as_text=True)
    assert 'href="/admin/"' in html and "Open the staff pages" in html
    admin_home = client.get("/admin/").get_data(as_text=True)
    for path in ("/admin/members", "/admin/purchases", "/admin/rewards", "/admin/redemptions"):
        assert f'href="{path}"' in admin_home


def test_members_are_not_offered_the_staff_pages(client, login):
    login()
    assert "Open the staff pages" not in client.get("/account").get_data(as_text=True)
    assert csrf_token_from(client.get("/account").get_data(as_text=True))


def test_a_members_page_costs_the_same_queries_however_long_the_history(
    client, login, lin, create_purchase, count_queries
):
    login("staff")
    create_purchase(lin, amount="100.00", receipt_no="SH01-BUDGET-0000")
    client.get(f"/admin/members/{lin.id}")
    with count_queries() as short_history:
        assert client.get(f"/admin/members/{lin.id}").status_code == 200
    for n in range(1, 25):
        create_purchase(lin, amount="100.00", receipt_no=f"SH01-BUDGET-{n:04d}")
    with count_queries() as long_history:
        assert client.get(f"/admin/members/{lin.id}").status_code == 200
    assert len(long_history) == len(short_history)
