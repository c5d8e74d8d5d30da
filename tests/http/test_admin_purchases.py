"""Staff pages of purchases: the list, a receipt typed in, one purchase and its returns."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, LedgerEntry, Member, Purchase, PurchaseReturn
from tests.conftest import csrf_token_from, form_post, staff_actions_count

RETURN_REF = re.compile(r'name="return_ref"[^>]*value="([^"]+)"')


def _receipt(**overrides):
    data = {
        "member": "lin.mei@example.com",
        "receipt_no": "SH01-20260615-0001",
        "store": "Shanghai IFC",
        "amount": "12800.00",
        "purchased_at": "2026-06-15T11:30",
        "items-0-name": "18K rose gold ring",
        "items-0-sku": "RG-18K-0412",
        "items-0-quantity": "1",
        "items-0-unit_price": "12800.00",
    }
    data.update(overrides)
    return data


def _record(client, **overrides):
    return form_post(client, "/admin/purchases/new", _receipt(**overrides), token_from="/admin/")


def _purchases():
    db.session.expire_all()
    return list(db.session.scalars(select(Purchase).order_by(Purchase.id)))


def _return_form(client, purchase_id):
    html = client.get(f"/admin/purchases/{purchase_id}").get_data(as_text=True)
    return csrf_token_from(html), RETURN_REF.search(html).group(1)


# -- access ----------------------------------------------------------------------------------

PAGES = ("/admin/purchases", "/admin/purchases/new", "/admin/purchases/import")


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_members_get_403_and_cannot_record(client, login, member, create_purchase, clock):
    purchase = create_purchase(member)
    login()
    for path in (*PAGES, f"/admin/purchases/{purchase.id}"):
        assert client.get(path).status_code == 403, path
    assert _record(client, receipt_no="SH01-X-9").status_code == 403
    response = form_post(
        client,
        f"/admin/purchases/{purchase.id}/return",
        {"amount": "10", "return_ref": "abcdefgh12"},
        token_from="/dashboard",
    )
    assert response.status_code == 403
    assert len(_purchases()) == 1
    assert db.session.scalar(select(func.count(PurchaseReturn.id))) == 0


def test_staff_see_the_pages(client, login, member, create_purchase, clock):
    purchase = create_purchase(member)
    login("staff")
    for path in (*PAGES, f"/admin/purchases/{purchase.id}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert 'aria-label="Staff pages"' in response.get_data(as_text=True)
    assert client.get("/admin/purchases/999999").status_code == 404


# -- the list --------------------------------------------------------------------------------


def test_the_list_shows_newest_first_and_searches(
    client, login, member, create_member, create_purchase, clock
):
    other = create_member(name="Wang Fang", email="wang.fang@example.com")
    first = create_purchase(member, receipt_no="SH01-A-0001")
    create_purchase(other, receipt_no="BJ02-B-0002")
    login("staff")
    html = client.get("/admin/purchases").get_data(as_text=True)
    assert html.index("BJ02-B-0002") < html.index("SH01-A-0001")
    assert "Record a purchase" in html

    by_receipt = client.get("/admin/purchases?q=SH01-A").get_data(as_text=True)
    assert "SH01-A-0001" in by_receipt and "BJ02-B-0002" not in by_receipt
    by_email = client.get("/admin/purchases?q=wang.fang@example.com").get_data(as_text=True)
    assert "BJ02-B-0002" in by_email and "SH01-A-0001" not in by_email
    card = db.session.get(Member, member.id).card_number
    by_card = client.get(f"/admin/purchases?q={card[:4]} {card[4:8]} {card[8:]}")
    assert "SH01-A-0001" in by_card.get_data(as_text=True)
    assert "BJ02-B-0002" not in by_card.get_data(as_text=True)
    nothing = client.get("/admin/purchases?q=NOPE").get_data(as_text=True)
    assert "No purchase matches" in nothing
    assert first.id


def test_the_list_pages_and_answers_htmx_with_the_rows_only(
    client, login, member, create_purchase, clock
):
    for n in range(27):
        create_purchase(member, receipt_no=f"SH01-P-{n:04d}")
    login("staff")
    html = client.get("/admin/purchases").get_data(as_text=True)
    assert "SH01-P-0026" in html and "SH01-P-0001" not in html
    older = re.search(r'href="(/admin/purchases\?before=\d+)"', html).group(1)
    rest = client.get(older.replace("&amp;", "&")).get_data(as_text=True)
    assert "SH01-P-0001" in rest and "SH01-P-0026" not in rest

    fragment = client.get(
        "/admin/purchases?q=SH01-P-0003",
        headers={"HX-Request": "true", "HX-Target": "purchase-results"},
    ).get_data(as_text=True)
    assert "SH01-P-0003" in fragment and "<html" not in fragment


# -- recording a receipt ---------------------------------------------------------------------


def test_staff_record_a_receipt(client, login, member, staff, clock, mailbox):
    login(staff)
    response = _record(client)
    assert response.status_code == 303
    [purchase] = _purchases()
    assert response.headers["Location"].endswith(f"/admin/purchases/{purchase.id}")
    assert purchase.channel == "staff" and purchase.recorded_by_id == staff.id
    assert purchase.amount == 1_280_000 and purchase.currency == "CNY"
    assert purchase.points_awarded == 12_800
    # 11:30 in Shanghai is 03:30 UTC.
    assert purchase.purchased_at.hour == 3 and purchase.purchased_at.minute == 30
    assert [(i.name, i.unit_price) for i in purchase.items] == [("18K rose gold ring", 1_280_000)]
    assert db.session.get(Member, member.id).points_balance == 12_800
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "purchase.record"))
    assert audit.actor_id == staff.id and "SH01-20260615-0001" in audit.summary
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "recorded for Lin Mei" in page and "12,800" in page


def test_a_card_number_finds_the_member_and_items_are_optional(client, login, member, clock):
    login("staff")
    card = db.session.get(Member, member.id).card_number
    response = _record(
        client,
        member=f"{card[:4]} {card[4:8]} {card[8:]}",
        **{f"items-0-{k}": "" for k in ("name", "sku", "quantity", "unit_price")},
    )
    assert response.status_code == 303
    [purchase] = _purchases()
    assert purchase.member_id == member.id and purchase.items == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "", "Enter an amount"),
        ("amount", "-5", "cannot be negative"),
        ("amount", "0", "more than zero"),
        ("amount", "12.345", "at most 2 decimals"),
        ("amount", "twelve", "as a number"),
        ("amount", "1000000000", "too large"),
        ("member", "nobody@example.com", "No member has this email"),
        ("member", "1234 5678 9012", "not a valid card number"),
        ("member", "", "Give the member"),
        ("purchased_at", "2026-06-16T09:00", "in the future"),
        ("purchased_at", "yesterday", "ISO 8601"),
        ("receipt_no", "", "Give the receipt number"),
        ("receipt_no", "SH01 0001", "only letters, digits"),
        ("items-0-unit_price", "", "Enter an amount"),
        ("items-0-quantity", "0", "quantity is a whole number"),
    ],
)
def test_bad_input_is_shown_beside_the_field(client, login, member, clock, field, value, message):
    login("staff")
    response = _record(client, **{field: value})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    field_id = field.replace("items-0-", "items-0-")
    assert f'id="{field_id}-error"' in html
    assert _purchases() == []


def test_the_same_receipt_again_says_it_is_already_recorded(client, login, member, clock):
    login("staff")
    assert _record(client).status_code == 303
    again = _record(client)
    assert again.status_code == 303
    [purchase] = _purchases()
    assert again.headers["Location"].endswith(f"/admin/purchases/{purchase.id}")
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "already recorded for this member and amount" in page
    assert db.session.get(Member, member.id).points_balance == 12_800
    assert db.session.scalar(staff_actions_count()) == 1


def test_a_conflicting_receipt_is_explained_with_a_link(
    client, login, member, create_member, clock
):
    create_member(name="Wang Fang", email="wang.fang@example.com")
    login("staff")
    assert _record(client).status_code == 303
    [purchase] = _purchases()
    response = _record(client, member="wang.fang@example.com")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "already recorded for another member or amount" in html
    assert f'href="/admin/purchases/{purchase.id}"' in html
    assert len(_purchases()) == 1


def test_a_form_without_csrf_is_refused(client, login, member, clock):
    login("staff")
    response = client.post("/admin/purchases/new", data=_receipt())
    assert response.status_code == 400
    assert _purchases() == []


# -- returns ---------------------------------------------------------------------------------


def test_the_purchase_page_shows_items_points_and_what_is_left(
    client, login, member, create_purchase, clock
):
    purchase = create_purchase(member, amount="1000.00")
    login("staff")
    html = client.get(f"/admin/purchases/{purchase.id}").get_data(as_text=True)
    assert "18K gold pendant" in html and "Lin Mei" in html
    assert "Up to ¥1,000.00 is left to return" in html
    assert "Purchase SH01-TEST" in html  # the ledger line


def test_a_partial_then_full_return(client, login, member, staff, create_purchase, clock):
    purchase = create_purchase(member, amount="1000.00")
    login(staff)
    token, ref = _return_form(client, purchase.id)
    response = client.post(
        f"/admin/purchases/{purchase.id}/return",
        data={"csrf_token": token, "return_ref": ref, "amount": "250", "reason": "Size"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    purchase = db.session.get(Purchase, purchase.id)
    assert purchase.returned_amount == 25_000 and purchase.points_reversed == 250
    assert db.session.get(Member, member.id).points_balance == 750
    page = client.get(f"/admin/purchases/{purchase.id}").get_data(as_text=True)
    assert "Up to ¥750.00 is left to return" in page

    token, ref = _return_form(client, purchase.id)
    response = client.post(
        f"/admin/purchases/{purchase.id}/return",
        data={"csrf_token": token, "return_ref": ref, "whole": "1"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Purchase, purchase.id).returned_amount == 100_000
    assert db.session.get(Member, member.id).points_balance == 0
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert actions.count("purchase.return") == 2
    page = client.get(f"/admin/purchases/{purchase.id}").get_data(as_text=True)
    assert "Everything on this receipt has been returned" in page


def test_the_same_return_form_twice_returns_once(client, login, member, create_purchase, clock):
    purchase = create_purchase(member, amount="1000.00")
    login("staff")
    token, ref = _return_form(client, purchase.id)
    data = {"csrf_token": token, "return_ref": ref, "amount": "100"}
    first = client.post(f"/admin/purchases/{purchase.id}/return", data=data)
    second = client.post(f"/admin/purchases/{purchase.id}/return", data=data)
    assert first.status_code == second.status_code == 303
    assert db.session.scalar(select(func.count(PurchaseReturn.id))) == 1
    assert db.session.get(Member, member.id).points_balance == 900
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "already recorded" in page

    token, ref = _return_form(client, purchase.id)
    whole = {"csrf_token": token, "return_ref": ref, "whole": "1"}
    assert client.post(f"/admin/purchases/{purchase.id}/return", data=whole).status_code == 303
    assert client.post(f"/admin/purchases/{purchase.id}/return", data=whole).status_code == 303
    assert db.session.scalar(select(func.count(PurchaseReturn.id))) == 2
    db.session.expire_all()
    assert db.session.get(Member, member.id).points_balance == 0


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("", "Enter an amount"),
        ("-10", "cannot be negative"),
        ("0", "more than zero"),
        ("1.234", "at most 2 decimals"),
        ("1000.01", "more than what is left to return"),
    ],
)
def test_a_bad_return_is_refused_beside_the_amount(
    client, login, member, create_purchase, clock, amount, message
):
    purchase = create_purchase(member, amount="1000.00")
    login("staff")
    token, ref = _return_form(client, purchase.id)
    response = client.post(
        f"/admin/purchases/{purchase.id}/return",
        data={"csrf_token": token, "return_ref": ref, "amount": amount},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'id="amount-error"' in html
    assert db.session.scalar(select(func.count(PurchaseReturn.id))) == 0
    assert (
        db.session.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.kind == "reverse"))
        == 0
    )


def test_a_reused_return_form_with_another_amount_is_refused(
    client, login, member, create_purchase, clock
):
    purchase = create_purchase(member, amount="1000.00")
    login("staff")
    token, ref = _return_form(client, purchase.id)
    url = f"/admin/purchases/{purchase.id}/return"
    client.post(url, data={"csrf_token": token, "return_ref": ref, "amount": "100"})
    response = client.post(url, data={"csrf_token": token, "return_ref": ref, "amount": "200"})
    assert response.status_code == 409
    assert "already recorded a return of ¥100.00" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PurchaseReturn.id))) == 1


# -- above max_purchase_amount ----------------------------------------------------------------


def test_staff_record_a_purchase_above_the_api_limit_only_with_a_reason(
    client, login, member, staff, clock
):
    login(staff)
    large = {
        "amount": "2000000.01",
        **{f"items-0-{k}": "" for k in ("name", "sku", "quantity", "unit_price")},
    }
    refused = _record(client, **large)
    assert refused.status_code == 422
    assert "say why it is so large" in refused.get_data(as_text=True)
    assert _purchases() == []
    response = _record(client, large_purchase_reason="Diamond necklace, order 7781", **large)
    assert response.status_code == 303
    [purchase] = _purchases()
    assert purchase.amount == 200_000_001 and purchase.channel == "staff"
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "purchase.record"))
    assert audit.details["large_purchase_reason"] == "Diamond necklace, order 7781"


def test_a_purchase_at_the_limit_needs_no_reason(client, login, member, staff, clock):
    login(staff)
    response = _record(
        client,
        amount="2000000.00",
        **{f"items-0-{k}": "" for k in ("name", "sku", "quantity", "unit_price")},
    )
    assert response.status_code == 303
