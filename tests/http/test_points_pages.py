"""The member's points pages: dashboard, purchase history, one purchase, the card."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from portal.extensions import db
from portal.models import Member


def page_of(response) -> str:
    return response.get_data(as_text=True)


def main_of(html: str) -> str:
    return html[html.index('<main id="main"') : html.index("</main>")]


def texts(html: str) -> str:
    """The words of the page, as a person reads them."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def reread(member: Member) -> Member:
    return db.session.get(Member, member.id)


# -- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/purchases", "/purchases/1", "/card", "/dashboard"])
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next={path.replace('/', '%2F')}"


def test_the_navigation_offers_the_card_and_purchases(client, login):
    login()
    html = page_of(client.get("/dashboard"))
    assert 'href="/card"' in html and 'href="/purchases"' in html


# -- dashboard -------------------------------------------------------------------------------


def test_dashboard_shows_balance_progress_expiry_and_activity(
    client, login, member, clock, create_purchase
):
    bought_at = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    purchase = create_purchase(member, 200_000, purchased_at=bought_at, store="Shanghai IFC")
    login(member)
    html = page_of(client.get("/dashboard"))
    words = texts(main_of(html))
    assert '<p class="big-number">2,000</p>' in html
    assert 'tier-chip tier-member">Member' in html
    assert '<progress id="tier-progress" value="200000" max="1000000"' in html
    assert "¥2,000 of ¥10,000 spent in the last 12 months" in words
    # The purchase of 1 March 2026 stops counting on 1 March 2027: the day before is safe.
    assert "Spend ¥8,000 more by Feb 28, 2027 to reach Silver." in words
    assert "Your membership never lapses: every purchase counts towards the next tier." in words
    # Points last 24 months from the purchase.
    assert "2,000 points expire on Mar 1, 2028." in words
    assert f'href="/purchases/{purchase.id}"' in html
    assert "+2,000" in words
    assert 'href="/card"' in html
    assert " style=" not in html


def test_dashboard_says_what_keeps_a_tier_and_until_when(
    client, login, create_member, create_purchase, clock
):
    # Each purchase is recorded the hour it is made, so each upgrade happens on its day:
    # Silver on 1 December 2025 (¥40,000), Gold on 10 January 2026 (¥52,000 in all), kept
    # 12 months, until 10 January 2027.
    clock.set(datetime(2025, 12, 1, 5, tzinfo=UTC))
    person = create_member()
    create_purchase(person, 4_000_000)
    clock.set(datetime(2026, 1, 10, 5, tzinfo=UTC))
    create_purchase(person, 1_200_000)
    clock.set(datetime(2026, 5, 1, 5, tzinfo=UTC))
    create_purchase(person, 1_500_000)
    clock.set(datetime(2026, 6, 15, 4, tzinfo=UTC))
    login(person)
    html = page_of(client.get("/dashboard"))
    words = texts(main_of(html))
    assert 'tier-chip tier-gold">Gold' in html
    # ¥67,000 spent; the December purchase stops counting on 1 December 2026.
    assert "Spend ¥83,000 more by Nov 30, 2026 to reach Diamond." in words
    # Only the May purchase will still count on 10 January 2027.
    assert (
        "You keep Gold until Jan 10, 2027. To keep it after that, spend ¥35,000 more by then."
        in words
    )


def test_dashboard_at_the_top_tier(client, login, member, create_purchase, clock):
    # ¥160,000 on 16 May 2026 reaches Diamond (¥150,000) with the purchase itself, and
    # Diamond is kept 12 months, until 16 May 2027, when that purchase no longer counts.
    clock.set(datetime(2026, 5, 16, 4, tzinfo=UTC))
    create_purchase(member, 16_000_000, purchased_at=clock.now())
    clock.set(datetime(2026, 6, 15, 4, tzinfo=UTC))
    login(member)
    words = texts(main_of(page_of(client.get("/dashboard"))))
    assert "You have reached Diamond, our highest tier." in words
    assert (
        "You keep Diamond until May 16, 2027. To keep it after that, spend ¥150,000 more by then."
        in words
    )
    # One yuan short of what keeps it, then exactly that.
    create_purchase(member, "149999.00")
    words = texts(main_of(page_of(client.get("/dashboard"))))
    assert "To keep it after that, spend ¥1 more by then." in words
    create_purchase(member, "1.00")
    words = texts(main_of(page_of(client.get("/dashboard"))))
    assert (
        "You keep Diamond until May 16, 2027, and what you have spent already keeps it after"
        " that." in words
    )


def test_dashboard_of_a_new_member_has_friendly_empty_states(client, login):
    login()
    words = texts(main_of(page_of(client.get("/dashboard"))))
    assert "Welcome to the club!" in words
    assert "No points are due to expire." in words
    assert "Your points will appear here after your first purchase." in words
    assert "Spend ¥10,000 within 12 months to reach Silver." in words


def test_unverified_member_sees_the_confirm_email_notice(client, login, create_member):
    person = create_member(verified=False)
    login(person)
    assert "Please confirm your email" in page_of(client.get("/dashboard"))


def test_dashboard_groups_points_expiring_the_same_day(
    client, login, member, clock, create_purchase
):
    day = datetime(2025, 1, 20, 1, tzinfo=UTC)
    create_purchase(member, 30_000, purchased_at=day)
    create_purchase(member, 20_000, purchased_at=day + timedelta(hours=5))
    create_purchase(member, 70_000, purchased_at=day + timedelta(days=40))
    login(member)
    words = texts(main_of(page_of(client.get("/dashboard"))))
    assert "500 points expire on Jan 20, 2027." in words
    assert "Later expiry dates" in words and "700 points" in words


def test_dashboard_reads_a_fixed_number_of_queries(
    client, login, member, count_queries, clock, create_purchase
):
    create_purchase(member, 50_000, purchased_at=clock.now() - timedelta(days=3))
    login(member)
    client.get("/dashboard")
    with count_queries() as few:
        assert client.get("/dashboard").status_code == 200
    for n in range(49):
        create_purchase(member, 10_000 + n, purchased_at=clock.now() - timedelta(days=n * 7))
    with count_queries() as many:
        assert client.get("/dashboard").status_code == 200
    assert len(few) == len(many), many
    # 8, a survey waiting for the member, the testimonials, "Rewards for you"
    assert len(many) <= 11, many
    assert not any("sum(ledger_entries.points)" in q.lower() for q in many)


# -- purchase history ------------------------------------------------------------------------


def test_history_is_newest_first_with_amount_points_and_status(
    client, login, member, clock, create_purchase, create_return
):
    create_purchase(member, 150_000, purchased_at=datetime(2026, 5, 1, 4, tzinfo=UTC))
    beijing = create_purchase(
        member, 80_000, purchased_at=datetime(2026, 6, 1, 4, tzinfo=UTC), store="Beijing SKP"
    )
    create_return(beijing, 80_000)
    chengdu = create_purchase(
        member, 60_000, purchased_at=datetime(2026, 4, 1, 4, tzinfo=UTC), store="Chengdu Taikoo Li"
    )
    create_return(chengdu, 10_000)
    login(member)
    words = texts(main_of(page_of(client.get("/purchases"))))
    assert words.index("Beijing SKP") < words.index("Shanghai IFC") < words.index("Chengdu")
    assert "¥1,500.00" in words and "+1,500 points" in words
    assert "Jun 1, 2026" in words
    beijing = words[words.index("Beijing SKP") : words.index("Shanghai IFC")]
    assert "Returned" in beijing
    assert "Partly returned" in words[words.index("Chengdu") :]


def test_history_empty_state(client, login):
    login()
    words = texts(main_of(page_of(client.get("/purchases"))))
    assert "No purchases yet." in words
    assert "Load more" not in words


def test_history_pages_with_load_more(client, login, member, clock, create_purchase):
    for n in range(25):
        create_purchase(
            member,
            10_000 + n * 100,
            purchased_at=clock.now() - timedelta(days=n),
            store=f"Store {n:02d}",
        )
    login(member)
    first = page_of(client.get("/purchases"))
    assert first.count('class="purchase-row"') == 20
    assert "Store 00" in first and "Store 19" in first and "Store 20" not in first
    match = re.search(r'<a href="(/purchases\?before=\d+)" role="button"[^>]*hx-get="\1"', first)
    assert match, "no load-more link"
    assert 'hx-target="#purchase-list"' in first and 'hx-swap="beforeend"' in first
    next_url = match.group(1)

    # Without JavaScript (or on reload) the link is a whole page of the older purchases.
    plain = page_of(client.get(next_url))
    assert "<html" in plain and "Back to the newest purchases" in plain
    assert plain.count('class="purchase-row"') == 5
    assert "Store 20" in plain and "Store 24" in plain and "Store 19" not in plain

    # htmx asks for the rows only, to append them, and the button is replaced out of band.
    rows = page_of(
        client.get(next_url, headers={"HX-Request": "true", "HX-Target": "purchase-list"})
    )
    assert "<html" not in rows and "<form" not in rows
    assert rows.count('class="purchase-row"') == 5
    assert '<div id="load-more" class="load-more" hx-swap-oob="true">' in rows
    assert "Load more" not in rows

    # A boosted navigation to the same URL wants the whole page.
    boosted = page_of(
        client.get(
            next_url, headers={"HX-Request": "true", "HX-Boosted": "true", "HX-Target": "body"}
        )
    )
    assert "<html" in boosted and "hx-swap-oob" not in boosted


def test_history_filters_by_dates_in_the_programme_zone(
    client, login, member, clock, create_purchase
):
    # 17:00 UTC on 31 March is 01:00 on 1 April in Shanghai.
    create_purchase(member, purchased_at=datetime(2026, 3, 31, 17, tzinfo=UTC), store="Late night")
    create_purchase(member, purchased_at=datetime(2026, 3, 20, 4, tzinfo=UTC), store="March")
    create_purchase(member, purchased_at=datetime(2026, 5, 2, 4, tzinfo=UTC), store="May")
    login(member)
    april = texts(main_of(page_of(client.get("/purchases?from=2026-04-01&to=2026-04-30"))))
    assert "Late night" in april and "March" not in april and "May" not in april
    march = texts(main_of(page_of(client.get("/purchases?to=2026-03-31"))))
    assert "March" in march and "Late night" not in march
    none = texts(main_of(page_of(client.get("/purchases?from=2026-01-01&to=2026-01-31"))))
    assert "No purchases between these dates." in none


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-13-45", "Enter a date like 2026-03-01."),
        ("to=yesterday", "Enter a date like 2026-03-01."),
        ("from=0001-01-01", "Choose a date between 2000 and 2100."),
        ("from=2026-05-01&to=2026-04-01", "The end date is before the start date."),
    ],
)
def test_history_refuses_bad_dates_with_a_message(
    client, login, member, query, message, create_purchase
):
    create_purchase(member)
    login(member)
    response = client.get(f"/purchases?{query}")
    assert response.status_code == 422
    words = texts(main_of(page_of(response)))
    assert message in words
    assert "Correct the dates above to see your purchases." in words
    assert "purchase-row" not in page_of(response)


def test_history_reads_a_fixed_number_of_queries(
    client, login, member, count_queries, clock, create_purchase
):
    create_purchase(member)
    login(member)
    client.get("/purchases")
    with count_queries() as few:
        client.get("/purchases")
    for n in range(49):
        create_purchase(member, purchased_at=clock.now() - timedelta(days=n))
    with count_queries() as many:
        client.get("/purchases")
    assert len(few) == len(many)


def test_shop_names_are_escaped(client, login, member, create_purchase):
    purchase = create_purchase(member, store="<script>alert(1)</script>")
    login(member)
    for path in ("/purchases", f"/purchases/{purchase.id}", "/dashboard"):
        assert "<script>alert(1)" not in page_of(client.get(path))


# -- one purchase ----------------------------------------------------------------------------


def test_purchase_page_shows_items_returns_and_ledger_lines(
    client, login, member, clock, create_purchase, create_return
):
    purchase = create_purchase(
        member,
        1_250_000,
        purchased_at=datetime(2026, 6, 2, 6, 30, tzinfo=UTC),
        store="Shanghai IFC",
        receipt_no="SH01-000123",
        items=[
            {"sku": "WT-204", "name": "Automatic watch", "quantity": 1, "unit_price": 1_100_000},
            {"sku": "SC-11", "name": "Silk scarf", "quantity": 2, "unit_price": 75_000},
        ],
    )
    # The scarves come back: 12,500 points x ¥1,500 / ¥12,500 = 1,500 points are reversed.
    create_return(purchase, 150_000, reason="Two silk scarves, wrong colour")
    login(member)
    response = client.get(f"/purchases/{purchase.id}")
    assert response.status_code == 200
    words = texts(main_of(page_of(response)))
    for text in (
        "SH01-000123",
        "Shanghai IFC",
        "Jun 2, 2026",
        "Automatic watch",
        "WT-204",
        "Silk scarf",
        "¥750.00",
        "¥1,500.00",  # the scarves' line total, and the return
        "¥12,500.00",
        "¥11,000.00",  # what still counts towards the tier
        # Earned at the Member tier; the purchase itself then reached Silver.
        "Purchase SH01-000123 at Shanghai IFC: 12,500 × 1 Member",
        "+12,500",
        "Two silk scarves, wrong colour",
        "1,500 reversed after returns",
        "Return on receipt SH01-000123: points of the returned part",
        "−1,500",
    ):
        assert text in words, text


@pytest.mark.parametrize("which", ["another member's", "unknown"])
def test_another_members_or_an_unknown_purchase_is_404(
    client, login, create_member, which, create_purchase
):
    other = create_member()
    purchase = create_purchase(other)
    login()
    purchase_id = purchase.id if which == "another member's" else purchase.id + 1000
    assert client.get(f"/purchases/{purchase_id}").status_code == 404


# -- the card --------------------------------------------------------------------------------


def test_card_shows_name_tier_number_and_a_scannable_qr_code(client, login, member):
    login(member)
    response = client.get("/card")
    html = page_of(response)
    stored = reread(member)
    grouped = " ".join(stored.card_number[i : i + 4] for i in range(0, 12, 4))
    assert "Lin Mei" in html and grouped in html
    assert 'tier-chip tier-member">Member' in html
    svg = re.search(r"<svg[^>]*card-qr-code[^>]*>.*?</svg>", html, re.S).group(0)
    # Black on white, 29 modules (version 1 and its quiet zone of 4) scaled to 290 px.
    assert 'viewBox="0 0 290 290"' in svg and 'stroke="#000"' in svg and 'fill="#fff"' in svg
    assert f"QR code of card {grouped}" in svg
    assert "brightness" in html
    assert 'data-offline-card="/card-offline.js" data-card-url="/card"' in html
    notice = "You are offline. Connect to the internet to open your card."
    assert f'data-offline-notice="{notice}"' in html
    assert " style=" not in html


def test_card_qr_code_encodes_the_card_number(app):
    import segno

    from portal.web.card_qr import card_qr_svg

    expected = segno.make("660000000017", error="m", micro=False)
    svg = str(card_qr_svg("6600 0000 0017"))
    other = str(card_qr_svg("660000000025"))
    assert (
        expected.svg_inline(scale=10, border=4, omitsize=True, lineclass=None)
        .split("d=")[-1]
        .split('"')[1]
        in svg
    )
    assert svg != other


def test_offline_card_worker_is_served_as_javascript(client):
    response = client.get("/card-offline.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    body = page_of(response)
    # Scoped to the card's URL, which the card page gives it, and able to forget the card.
    assert "self.registration.scope" in body and "caches.delete" in body


def test_a_cursor_from_another_members_purchase_is_ignored(
    client, login, member, create_member, create_purchase
):
    other = create_member()
    theirs = create_purchase(other, store="Their boutique")
    create_purchase(member, store="My boutique")
    login(member)
    words = texts(main_of(page_of(client.get(f"/purchases?before={theirs.id}"))))
    assert "My boutique" in words and "Their boutique" not in words


def test_pages_read_in_chinese(client, login, create_member, create_purchase):
    person = create_member(locale="zh_Hans")
    create_purchase(person)
    login(person)
    for path in ("/dashboard", "/purchases", "/card"):
        response = client.get(path)
        assert response.status_code == 200
        assert 'lang="zh-Hans"' in page_of(response)
    assert "会员" in page_of(client.get("/dashboard"))


def test_the_scripts_words_come_from_the_page_in_its_language(client, login, create_member):
    """The texts the scripts show (no connection, hide a password, the card offline) are in
    the page, from the catalogues: a Chinese page gives them in Chinese."""
    login(create_member(locale="zh_Hans"))
    account = page_of(client.get("/account"))
    assert 'data-network-error="网络连接中断，请检查后重试。"' in account
    assert 'data-hide-label="隐藏"' in account
    card = page_of(client.get("/card"))
    assert 'data-offline-notice="您已离线。请连接网络后再打开会员卡。"' in card
