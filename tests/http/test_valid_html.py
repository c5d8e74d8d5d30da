"""Every page is valid HTML: no id used twice, every element closed where it was opened, no
block inside a paragraph, no link inside a link, and every label and aria reference pointing
at an element of the page. The main member, staff and visitor pages are rendered with data
(a receipt with items and a return, vouchers in two states, notifications, a form with its
errors), and so are the fragments htmx swaps into them. The checks: tests/valid_html.py."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models import Member
from portal.services.members.desk import adjust_points
from portal.services.rewards.redemption import redeem
from portal.services.rewards.vouchers import fulfil_redemption
from tests.conftest import form_post
from tests.valid_html import problems_in


@pytest.fixture
def story(member, staff, create_purchase, create_return, give_points, create_reward, clock):
    """Lin Mei's record: purchases (one partly returned), points adjusted by staff (which she is
    told of), two vouchers (one used); enough purchases for a second page of history."""
    for n in range(21):
        create_purchase(member, amount="50.00", purchased_at=clock.now() - timedelta(days=40 + n))
    purchase = create_purchase(
        member,
        amount="2400.00",
        items=[
            {"sku": "SC-SLK-201", "name": "Silk twill scarf", "quantity": 2, "unit_price": 120000}
        ],
    )
    create_return(purchase, "1200.00", reason="One of the two scarves")
    give_points(member, 5_000)
    adjust_points(
        db.session.get(Member, member.id),
        150,
        reason="Late till",
        staff=db.session.get(Member, staff.id),
    )
    db.session.commit()
    reward = create_reward(points_cost=300, stock=5)
    create_reward(name="Private viewing", points_cost=900, min_tier="gold")
    holder = db.session.get(Member, member.id)
    used = redeem(holder, reward, idempotency_key="valid-html-used")
    issued = redeem(holder, reward, idempotency_key="valid-html-open")
    db.session.commit()
    fulfil_redemption(used, db.session.get(Member, staff.id))
    db.session.commit()
    return {"purchase": purchase, "reward": reward, "issued": issued, "used": used}


def member_pages(story) -> list[str]:
    return [
        "/dashboard",
        "/card",
        "/purchases",
        f"/purchases?before={story['purchase'].id}",
        "/purchases?from=2099-01-01",
        f"/purchases/{story['purchase'].id}",
        "/rewards",
        "/rewards?q=nothing-matches-this",
        f"/rewards/{story['reward'].id}",
        f"/rewards/{story['reward'].id}/redeem",
        "/redemptions",
        f"/redemptions/{story['issued'].id}",
        f"/redemptions/{story['used'].id}",
        "/account",
        "/notifications",
    ]


def staff_pages(story, member) -> list[str]:
    return [
        "/admin/",
        "/admin/members",
        "/admin/members?q=Lin",
        f"/admin/members/{member.id}",
        *[
            f"/admin/members/{member.id}/{tab}"
            for tab in (
                "tiers",
                "ledger",
                "purchases",
                "vouchers",
                "referrals",
                "events",
                "surveys",
                "notes",
            )
        ],
        f"/admin/members/{member.id}/purchases?page=2",
        "/admin/members?tier=gold&sort=points&active=yes&joined_from=2026-01-01",
        "/admin/approvals",
        "/admin/purchases",
        "/admin/purchases?q=nobody-at-all",
        f"/admin/purchases/{story['purchase'].id}",
        "/admin/purchases/new",
        "/admin/purchases/import",
        "/admin/rewards",
        "/admin/rewards/new",
        f"/admin/rewards/{story['reward'].id}/edit",
        "/admin/redemptions",
        f"/admin/redemptions/{story['issued'].id}",
        f"/admin/redemptions/{story['used'].id}",
        "/admin/audit",
        "/admin/audit?action=auth.sign_in",
        "/admin/settings",
        "/admin/settings/staff",
        "/admin/settings/tokens",
    ]


def problems_of_pages(client, paths: list[str], status: int = 200) -> dict[str, list[str]]:
    """The problems of each page that has some (every page answering `status`)."""
    found = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == status, path
        problems = problems_in(response.get_data(as_text=True))
        if problems:
            found[path] = problems
    return found


def test_the_checks_catch_what_browsers_would_repair():
    page = """<!doctype html><html lang="en"><head><title>t</title></head><body>
      <form><input id="reason"><label for="reason">Why</label></form>
      <form><input id="reason"><label for="missing">Note</label></form>
      <p>Text <div>block</div></p>
      <a href="/a"><a href="/b">inner</a></a>
      <ul><li>one</li></ul><li>loose</li>
      <section><span>open</section>
    </body></html>"""
    problems = "\n".join(problems_in(page))
    assert 'id "reason" is used 2 times' in problems
    assert 'label for points to the missing id "missing"' in problems
    assert "<div> inside <p>" in problems
    assert "<a> inside <a>" in problems
    assert "<li> inside <body>" in problems
    assert "</section> closes <span>" in problems
    assert problems_in('<li><a href="/x">row</a></li>', inside="ol") == []
    assert problems_in("<li>row</li></ol>", inside="ol") != []


def test_member_pages_are_valid(client, login, member, story):
    login(member)
    assert problems_of_pages(client, member_pages(story)) == {}
    # The pages were checked with their data in them, not as empty states.
    receipt = client.get(f"/purchases/{story['purchase'].id}").get_data(as_text=True)
    assert "Silk twill scarf" in receipt and "One of the two scarves" in receipt
    assert 'class="panel notification unread"' in client.get("/notifications").get_data(
        as_text=True
    )
    assert client.get("/purchases").get_data(as_text=True).count('class="purchase-row"') == 20


def test_staff_pages_are_valid(client, login, member, story):
    login("admin")
    assert problems_of_pages(client, staff_pages(story, member)) == {}


def test_visitor_and_error_pages_are_valid(client):
    assert problems_of_pages(client, ["/", "/login", "/register", "/forgot-password"]) == {}
    assert problems_of_pages(client, ["/no-such-page"], status=404) == {}


def test_forms_shown_again_with_their_errors_are_valid(client, login, member, story):
    response = form_post(client, "/login", {"email": member.email, "password": "wrong"})
    assert response.status_code == 422
    assert problems_in(response.get_data(as_text=True)) == []
    login("admin")
    response = form_post(
        client,
        f"/admin/members/{member.id}/points",
        {"direction": "add", "points": "", "reason": ""},
        token_from=f"/admin/members/{member.id}",
    )
    assert response.status_code == 422
    assert problems_in(response.get_data(as_text=True)) == []


@pytest.mark.parametrize(
    ("who", "path", "target", "container"),
    [
        ("member", "/purchases?before={purchase}", "purchase-list", "ol"),
        ("member", "/rewards?q=cleaning", "reward-results", "div"),
        ("admin", "/admin/members?q=Lin", "member-results", "div"),
        ("admin", "/admin/members/{member}/ledger", "member-tab", "div"),
        ("admin", "/admin/members/{member}/notes", "member-tab", "div"),
        ("admin", "/admin/purchases?q=SH01", "purchase-results", "div"),
        ("admin", "/admin/audit?action=auth.sign_in", "audit-log", "div"),
    ],
)
def test_the_fragments_htmx_swaps_in_are_valid(
    client, login, member, story, who, path, target, container
):
    login(member if who == "member" else who)
    response = client.get(
        path.format(purchase=story["purchase"].id, member=member.id),
        headers={"HX-Request": "true", "HX-Target": target},
    )
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment and fragment.strip()
    assert problems_in(fragment, inside=container) == []
