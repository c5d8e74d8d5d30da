"""The staff pages' tabs (admin/base.html, from ADMIN_NAV): one per area, the area of the page
marked current, admin-only areas shown to admins only."""

from __future__ import annotations

import re

import pytest

from portal.web import navigation
from portal.web.navigation import AdminNavItem


def tabs(html: str) -> list[tuple[str, bool]]:
    """The staff tabs as (label, current), in order."""
    nav = re.search(r'<nav class="admin-nav"[^>]*>(.*?)</nav>', html, re.S)
    assert nav, "the page has no staff tabs"
    return [
        (label, bool(current))
        for current, label in re.findall(
            r'<a href="[^"]+" (aria-current="page")?>([^<]+)</a>', nav.group(1)
        )
    ]


def current_tab(html: str) -> list[str]:
    return [label for label, current in tabs(html) if current]


def test_every_area_has_a_tab(client, login):
    login("staff")
    html = client.get("/admin/").get_data(as_text=True)
    assert [label for label, _current in tabs(html)] == [
        "Overview",
        "Members",
        "Purchases",
        "Rewards",
        "Vouchers",
        "Referrals",
        "Events",
        "Surveys",
        "Moderation",
        "Cases",
        "Calls",
        "Approvals",
        "Audit log",
        "Segments",
        "Campaigns",
    ]


@pytest.mark.parametrize(
    ("path", "area"),
    [
        ("/admin/", "Overview"),
        ("/admin/members", "Members"),
        ("/admin/members/{member_id}", "Members"),
        ("/admin/members/{member_id}/ledger", "Members"),
        ("/admin/approvals", "Approvals"),
        ("/admin/purchases", "Purchases"),
        ("/admin/purchases/new", "Purchases"),
        ("/admin/purchases/import", "Purchases"),
        ("/admin/purchases/{purchase_id}", "Purchases"),
        ("/admin/rewards", "Rewards"),
        ("/admin/rewards/new", "Rewards"),
        ("/admin/redemptions", "Vouchers"),
        ("/admin/events", "Events"),
        ("/admin/events/new", "Events"),
        ("/admin/calls", "Calls"),
        ("/admin/audit", "Audit log"),
        ("/admin/segments", "Segments"),
        ("/admin/campaigns", "Campaigns"),
        ("/admin/campaigns/new", "Campaigns"),
    ],
)
def test_the_tab_of_the_pages_area_is_current(
    client, login, member, create_purchase, clock, path, area
):
    purchase = create_purchase(member)
    login("staff")
    response = client.get(path.format(member_id=member.id, purchase_id=purchase.id))
    assert response.status_code == 200
    # Exactly one tab is current: the overview is not also current below /admin/.
    assert current_tab(response.get_data(as_text=True)) == [area]


def test_a_member_page_has_no_staff_tabs(client, login):
    login()
    assert 'class="admin-nav"' not in client.get("/dashboard").get_data(as_text=True)


@pytest.mark.parametrize(("role", "shown"), [("staff", False), ("admin", True)])
def test_an_admin_only_area_shows_to_admins_only(client, login, monkeypatch, role, shown):
    admin_only = AdminNavItem("admin.redemptions", "Vouchers", admin_only=True)
    others = [item for item in navigation.ADMIN_NAV if item.endpoint != "admin.redemptions"]
    monkeypatch.setattr(navigation, "ADMIN_NAV", [*others, admin_only])
    login(role)
    labels = [label for label, _ in tabs(client.get("/admin/").get_data(as_text=True))]
    assert ("Vouchers" in labels) is shown
    assert "Rewards" in labels


def test_an_area_whose_page_does_not_exist_yet_has_no_tab(client, login, monkeypatch):
    monkeypatch.setattr(
        navigation,
        "ADMIN_NAV",
        [*navigation.ADMIN_NAV, AdminNavItem("admin.newsletter_archive", "Newsletters")],
    )
    login("staff")
    labels = [label for label, _ in tabs(client.get("/admin/").get_data(as_text=True))]
    assert "Newsletters" not in labels and "Members" in labels
