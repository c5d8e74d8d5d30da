"""A member's 360° page: each tab is a page of its own and an htmx fragment, each list paged,
and who may open them."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.models import MemberNote
from tests.conftest import form_post

TABS = [
    "tiers",
    "ledger",
    "purchases",
    "vouchers",
    "referrals",
    "events",
    "surveys",
    "calls",
    "notes",
]


@pytest.fixture
def lin(create_member, create_purchase, clock):
    member = create_member(name="Lin Mei", email="lin.mei@example.com", phone="13800138000")
    create_purchase(member, amount="12000.00", receipt_no="SH01-360-0001", store="Beijing SKP")
    return member


def current_tab(html: str) -> list[str]:
    nav = re.search(r'<nav class="member-tabs"[^>]*>(.*?)</nav>', html, re.S)
    assert nav, "no member tabs"
    return re.findall(r'aria-current="page">([^<]+)</a>', nav.group(1))


def test_the_profile_is_the_default_tab(client, login, lin):
    login("staff")
    html = client.get(f"/admin/members/{lin.id}").get_data(as_text=True)
    assert current_tab(html) == ["Profile"]
    assert "lin.mei@example.com" in html and "SH01-360-0001" in html
    for tab in TABS:
        assert f'href="/admin/members/{lin.id}/{tab}"' in html


@pytest.mark.parametrize(
    ("tab", "label", "shows"),
    [
        ("tiers", "Tier history", "Silver"),
        ("ledger", "Points", "12,000"),
        ("purchases", "Purchases", "SH01-360-0001"),
        ("vouchers", "Vouchers", "No vouchers."),
        ("referrals", "Referrals", "Has not invited anyone yet."),
        ("events", "Events", "Has not answered any event yet."),
        ("surveys", "Surveys and cases", "Has not answered a survey yet."),
        ("calls", "Calls", "No call yet."),
        ("notes", "Notes", "No notes yet."),
    ],
)
def test_each_tab_is_a_page_and_a_fragment(client, login, lin, tab, label, shows):
    login("staff")
    url = f"/admin/members/{lin.id}/{tab}"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<html" in html and current_tab(html) == [label] and shows in html
    fragment = client.get(url, headers={"HX-Request": "true", "HX-Target": "member-tab"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body
    assert current_tab(body) == [label] and shows in body
    assert "HX-Request" in fragment.headers["Vary"]
    # A boosted navigation gets the whole page.
    boosted = client.get(url, headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)


def test_tab_lists_are_paged(client, login, lin, create_purchase):
    for n in range(2, 26):
        create_purchase(lin, amount="10.00", receipt_no=f"SH01-360-{n:04d}")
    login("staff")
    first = client.get(f"/admin/members/{lin.id}/purchases").get_data(as_text=True)
    assert "SH01-360-0025" in first and "SH01-360-0001" not in first
    assert f"/admin/members/{lin.id}/purchases?page=2" in first
    second = client.get(f"/admin/members/{lin.id}/purchases?page=2").get_data(as_text=True)
    assert "SH01-360-0001" in second and "SH01-360-0025" not in second


def test_unknown_members_and_tabs_are_404(client, login, lin):
    login("staff")
    assert client.get("/admin/members/999999").status_code == 404
    assert client.get("/admin/members/999999/ledger").status_code == 404
    assert client.get(f"/admin/members/{lin.id}/campaigns").status_code == 404
    assert client.get(f"/admin/members/{lin.id}/profile").status_code == 404


def test_members_get_403_on_every_tab_and_action(client, login, lin):
    other = login()
    for tab in ["", *[f"/{t}" for t in TABS]]:
        assert client.get(f"/admin/members/{lin.id}{tab}").status_code == 403
    assert client.get(f"/admin/members/{other.id}").status_code == 403
    assert client.get("/admin/approvals").status_code == 403
    for action in ("notes", "block", "unblock", "verification"):
        response = form_post(
            client,
            f"/admin/members/{lin.id}/{action}",
            {"reason": "x", "text": "x"},
            token_from="/dashboard",
        )
        assert response.status_code == 403


def test_staff_write_notes_that_stay(client, login, lin, staff):
    login(staff)
    response = form_post(
        client,
        f"/admin/members/{lin.id}/notes",
        {"text": "Prefers calls after 6 pm.\nAllergic to nickel."},
        token_from=f"/admin/members/{lin.id}/notes",
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/members/{lin.id}/notes")
    html = client.get(f"/admin/members/{lin.id}/notes").get_data(as_text=True)
    assert "Allergic to nickel." in html and "Zhang Wei" in html
    note = db.session.query(MemberNote).one()
    assert note.author_id == staff.id
    empty = form_post(
        client,
        f"/admin/members/{lin.id}/notes",
        {"text": "  "},
        token_from=f"/admin/members/{lin.id}/notes",
    )
    assert empty.status_code == 422 and "Write the note first." in empty.get_data(as_text=True)
    assert db.session.query(MemberNote).count() == 1


def test_a_note_is_escaped(client, login, lin):
    login("staff")
    form_post(
        client,
        f"/admin/members/{lin.id}/notes",
        {"text": "<script>alert(1)</script>"},
        token_from=f"/admin/members/{lin.id}/notes",
    )
    html = client.get(f"/admin/members/{lin.id}/notes").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("tab", TABS)
def test_each_tab_costs_the_same_queries_however_long_the_history(
    client, login, lin, create_purchase, count_queries, tab
):
    login("staff")
    url = f"/admin/members/{lin.id}/{tab}"
    client.get(url)
    with count_queries() as short:
        assert client.get(url).status_code == 200
    for n in range(2, 30):
        create_purchase(lin, amount="10.00", receipt_no=f"SH01-QB-{n:04d}")
    with count_queries() as long:
        assert client.get(url).status_code == 200
    assert len(long) == len(short)
