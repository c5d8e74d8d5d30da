"""The member's rewards pages: catalogue, search, a reward, the redeem step and vouchers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Redemption, Reward
from portal.services.programme.local_time import local_date
from portal.services.rewards.redemption import redeem
from tests.conftest import balance_of, csrf_token_from, form_post, idempotency_key_in


def _redeem_through_the_pages(client, reward_id):
    page = client.get(f"/rewards/{reward_id}/redeem").get_data(as_text=True)
    return client.post(
        f"/rewards/{reward_id}/redeem",
        data={"csrf_token": csrf_token_from(page), "idempotency_key": idempotency_key_in(page)},
    )


def _post_redeem(client, reward_id, key="a-fresh-key-123"):
    return form_post(
        client, f"/rewards/{reward_id}/redeem", {"idempotency_key": key}, token_from="/rewards"
    )


# -- access ----------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for path in ("/rewards", "/rewards/1", "/rewards/1/redeem", "/redemptions", "/redemptions/1"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next=")


def test_the_catalogue_is_in_the_member_navigation(client, login):
    login()
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/rewards"' in page


# -- the catalogue ---------------------------------------------------------------------------


def test_the_catalogue_shows_what_each_reward_needs(
    client, login, clock, create_reward, give_points
):
    member = login()
    give_points(member, 200)
    create_reward(name="Signature gift wrapping", points_cost=150, category="gifts")
    create_reward(name="Watch check", points_cost=520, stock=3, category="watch_service")
    create_reward(name="Private viewing", points_cost=100, min_tier="diamond")
    create_reward(name="Withdrawn tea", active=False)
    today = local_date(clock.now())
    create_reward(name="Launch evening", available_from=today + timedelta(days=5))
    create_reward(name="Last season", available_until=today - timedelta(days=1))

    response = client.get("/rewards")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Signature gift wrapping" in page and "You can redeem this" in page
    assert "You need 320 more points." in page
    assert "Only 3 left" in page
    assert "Diamond and above" in page
    assert "This reward is for Diamond members and above." in page
    for hidden in ("Withdrawn tea", "Launch evening", "Last season"):
        assert hidden not in page
    assert "3 rewards" in page
    assert " style=" not in page


def test_the_catalogue_has_an_empty_state(client, login):
    login()
    page = client.get("/rewards").get_data(as_text=True)
    assert "Our new catalogue is on its way" in page


def test_search_works_as_a_plain_get_without_javascript(client, login, create_reward):
    login()
    create_reward(name="Personal engraving", description="Initials on a ring")
    create_reward(name="Afternoon tea", name_zh="下午茶", description="Tea for two")
    response = client.get("/rewards?q=ENGRAV")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" in page and 'name="q"' in page and 'value="ENGRAV"' in page
    assert "Personal engraving" in page and "Afternoon tea" not in page
    assert "Afternoon tea" in client.get("/rewards?q=下午").get_data(as_text=True)
    nothing = client.get("/rewards?q=zzz").get_data(as_text=True)
    assert "No rewards match your search." in nothing


def test_search_input_is_htmx_active_search(client, login):
    login()
    page = client.get("/rewards").get_data(as_text=True)
    assert 'hx-get="/rewards"' in page
    assert 'hx-trigger="input changed delay:300ms, search"' in page
    assert 'hx-target="#reward-results"' in page and 'hx-push-url="true"' in page
    assert 'type="submit"' in page  # the form works without JavaScript


def test_an_htmx_search_gets_only_the_results(client, login, create_reward):
    login()
    create_reward(name="Personal engraving")
    create_reward(name="Afternoon tea")
    response = client.get(
        "/rewards?q=tea",
        headers={"HX-Request": "true", "HX-Target": "reward-results", "HX-Trigger": "q"},
    )
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Afternoon tea" in fragment and "Personal engraving" not in fragment
    assert "<html" not in fragment and 'name="q"' not in fragment
    assert "HX-Request" in response.headers["Vary"]
    boosted = client.get(
        "/rewards?q=tea", headers={"HX-Request": "true", "HX-Boosted": "true"}
    ).get_data(as_text=True)
    assert "<html" in boosted


def test_filters_and_sort(client, login, create_reward, give_points):
    member = login()
    give_points(member, 1000)
    create_reward(name="Gift wrapping", category="gifts", points_cost=150)
    create_reward(name="Silk pouch", category="gifts", points_cost=900)
    create_reward(name="Ring resizing", category="jewellery_care", points_cost=800)
    create_reward(name="Tea at the flagship", category="experiences", points_cost=2500)
    create_reward(name="Salon seat", category="events", points_cost=500, min_tier="silver")

    gifts = client.get("/rewards?category=gifts").get_data(as_text=True)
    assert "Gift wrapping" in gifts and "Silk pouch" in gifts and "Ring resizing" not in gifts

    affordable = client.get("/rewards?affordable=y").get_data(as_text=True)
    assert "Tea at the flagship" not in affordable and "Silk pouch" in affordable

    mine = client.get("/rewards?tier=mine").get_data(as_text=True)
    assert "Salon seat" not in mine and "Gift wrapping" in mine
    silver = client.get("/rewards?tier=silver").get_data(as_text=True)
    assert "Salon seat" in silver and "Gift wrapping" not in silver

    by_cost = client.get("/rewards?sort=cost").get_data(as_text=True)
    order = [by_cost.index(n) for n in ("Gift wrapping", "Salon seat", "Ring resizing")]
    assert order == sorted(order)
    by_cost_desc = client.get("/rewards?sort=cost_desc").get_data(as_text=True)
    assert by_cost_desc.index("Tea at the flagship") < by_cost_desc.index("Gift wrapping")

    # An edited URL falls back to everything rather than failing.
    odd = client.get("/rewards?sort=drop+table&category=nope&tier=%3Cx%3E")
    assert odd.status_code == 200 and "5 rewards" in odd.get_data(as_text=True)


def test_popular_sort_puts_the_most_redeemed_first(
    client, login, clock, create_member, create_reward, give_points
):
    login()
    # The loved reward is older and dearer: only its redemptions can put it first.
    loved = create_reward(name="Loved reward", points_cost=400)
    little_known = create_reward(name="Little-known reward", points_cost=300)
    for reward, times in ((loved, 2), (little_known, 1)):
        for n in range(times):
            fan = create_member()
            give_points(fan, 400)
            redeem(fan, reward, idempotency_key=f"popular-{reward.id}-{n}")
            db.session.commit()
    page = client.get("/rewards?sort=popular").get_data(as_text=True)
    assert page.index("Loved reward") < page.index("Little-known reward")
    clock.advance(days=1)
    create_reward(name="Brand new reward")
    newest = client.get("/rewards?sort=newest").get_data(as_text=True)
    assert newest.index("Brand new reward") < newest.index("Loved reward")


# -- a reward --------------------------------------------------------------------------------


def test_the_reward_page_explains_eligibility_and_terms(client, login, create_reward, give_points):
    member = login()
    give_points(member, 100)
    reward = create_reward(
        name="Watch check",
        points_cost=420,
        terms="Mechanical and quartz watches.",
        stock=4,
        per_member_limit=2,
    )
    page = client.get(f"/rewards/{reward.id}").get_data(as_text=True)
    assert "Watch check" in page and "Mechanical and quartz watches." in page
    assert "You need 320 more points." in page
    assert "4 left in stock" in page and "At most 2 per member" in page
    assert f"/rewards/{reward.id}/redeem" not in page


def test_a_reward_page_in_chinese(client, login, create_reward):
    member = login()
    member.locale = "zh_Hans"
    db.session.commit()
    reward = create_reward(name="Afternoon tea", name_zh="旗舰店双人下午茶")
    page = client.get(f"/rewards/{reward.id}").get_data(as_text=True)
    assert "旗舰店双人下午茶" in page


def test_unknown_and_withdrawn_rewards_are_not_found(client, login, create_reward):
    login()
    withdrawn = create_reward(active=False)
    assert client.get("/rewards/999999").status_code == 404
    assert client.get(f"/rewards/{withdrawn.id}").status_code == 404
    assert client.get(f"/rewards/{withdrawn.id}/redeem").status_code == 404
    assert _post_redeem(client, withdrawn.id).status_code == 404
    assert _post_redeem(client, 999999).status_code == 404


def test_a_future_reward_says_when_it_opens(client, login, clock, create_reward, give_points):
    member = login()
    give_points(member, 1000)
    reward = create_reward(available_from=local_date(clock.now()) + timedelta(days=10))
    page = client.get(f"/rewards/{reward.id}").get_data(as_text=True)
    assert "This reward can be redeemed from" in page
    response = _post_redeem(client, reward.id)
    assert response.status_code == 409
    assert "This reward can be redeemed from" in response.get_data(as_text=True)
    assert balance_of(member) == 1000


def test_the_confirmation_shows_the_balance_before_and_after(
    client, login, create_reward, give_points
):
    member = login()
    give_points(member, 1000)
    reward = create_reward(points_cost=300)
    detail = client.get(f"/rewards/{reward.id}").get_data(as_text=True)
    assert f'href="/rewards/{reward.id}/redeem"' in detail
    page = client.get(f"/rewards/{reward.id}/redeem").get_data(as_text=True)
    assert "Your balance now" in page and "1,000" in page
    assert "Your balance after" in page and "700" in page
    assert 'name="csrf_token"' in page
    assert len(idempotency_key_in(page)) == 32
    assert idempotency_key_in(page) != idempotency_key_in(
        client.get(f"/rewards/{reward.id}/redeem").get_data(as_text=True)
    )
    assert balance_of(member) == 1000  # looking is free


def test_the_confirmation_of_an_unaffordable_reward_shows_why(client, login, create_reward):
    login()
    reward = create_reward(points_cost=300)
    page = client.get(f"/rewards/{reward.id}/redeem").get_data(as_text=True)
    assert "You need 300 more points." in page and "idempotency_key" not in page


# -- redeeming -------------------------------------------------------------------------------


def test_redeeming_leads_to_the_voucher(client, login, create_reward, give_points):
    member = login()
    give_points(member, 1000)
    reward = create_reward(name="Gift wrapping", points_cost=300, stock=2)
    response = _redeem_through_the_pages(client, reward.id)
    assert response.status_code == 303
    location = response.headers["Location"]
    redemption = db.session.scalar(select(Redemption))
    assert location == f"/redemptions/{redemption.id}"
    assert balance_of(member) == 700

    voucher = client.get(location)
    page = voucher.get_data(as_text=True)
    assert voucher.status_code == 200
    assert redemption.voucher_code_display in page
    assert "<svg" in page and 'class="voucher-qr"' in page
    assert "Your voucher is ready" in page
    assert " style=" not in page

    listing = client.get("/redemptions").get_data(as_text=True)
    assert "Gift wrapping" in listing and "Ready to use" in listing


def test_submitting_the_same_form_twice_gives_one_voucher(
    client, login, create_reward, give_points
):
    member = login()
    give_points(member, 1000)
    reward = create_reward(points_cost=300, stock=5)
    page = client.get(f"/rewards/{reward.id}/redeem").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(page), "idempotency_key": idempotency_key_in(page)}
    first = client.post(f"/rewards/{reward.id}/redeem", data=data)
    second = client.post(f"/rewards/{reward.id}/redeem", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count(Redemption.id))) == 1
    assert balance_of(member) == 700
    assert db.session.get(Reward, reward.id).stock == 4


def test_not_enough_points_is_refused_clearly(client, login, create_reward, give_points):
    member = login()
    give_points(member, 100)
    reward = create_reward(points_cost=420)
    response = _post_redeem(client, reward.id)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "We could not issue this voucher." in page and "You need 320 more points." in page
    assert balance_of(member) == 100


def test_below_the_tier_is_refused(client, login, create_reward, give_points):
    member = login()
    give_points(member, 5000)
    reward = create_reward(min_tier="gold")
    response = _post_redeem(client, reward.id)
    assert response.status_code == 409
    assert "for Gold members and above" in response.get_data(as_text=True)
    assert balance_of(member) == 5000


def test_over_the_per_member_limit_is_refused(client, login, create_reward, give_points):
    member = login()
    give_points(member, 5000)
    reward = create_reward(points_cost=100, per_member_limit=1)
    assert _post_redeem(client, reward.id, key="first-key-0001").status_code == 303
    response = _post_redeem(client, reward.id, key="second-key-002")
    assert response.status_code == 409
    assert "the most times allowed (1)" in response.get_data(as_text=True)
    assert balance_of(member) == 4900


def test_out_of_stock_is_refused(client, login, create_reward, give_points):
    member = login()
    give_points(member, 5000)
    reward = create_reward(stock=0)
    response = _post_redeem(client, reward.id)
    assert response.status_code == 409
    assert "This reward is out of stock." in response.get_data(as_text=True)
    assert balance_of(member) == 5000


def test_a_redeem_form_without_its_key_or_token_is_refused(
    client, login, create_reward, give_points
):
    member = login()
    give_points(member, 1000)
    reward = create_reward()
    missing_key = form_post(client, f"/rewards/{reward.id}/redeem", {}, token_from="/rewards")
    assert missing_key.status_code == 422
    assert "Please start again" in missing_key.get_data(as_text=True)
    no_token = client.post(f"/rewards/{reward.id}/redeem", data={"idempotency_key": "k" * 20})
    assert no_token.status_code == 400
    assert balance_of(member) == 1000


def test_get_never_redeems(client, login, create_reward, give_points):
    member = login()
    give_points(member, 1000)
    reward = create_reward()
    client.get(f"/rewards/{reward.id}/redeem?idempotency_key=abcdefghijk")
    assert balance_of(member) == 1000


# -- vouchers --------------------------------------------------------------------------------


def test_another_members_voucher_is_not_found(
    client, login, create_member, create_reward, give_points
):
    owner = create_member()
    give_points(owner, 1000)
    from portal.services.rewards.redemption import redeem

    redemption = redeem(owner, create_reward(), idempotency_key="owner-key-001")
    db.session.commit()
    login()
    assert client.get(f"/redemptions/{redemption.id}").status_code == 404
    assert client.get("/redemptions/999999").status_code == 404
    assert redemption.voucher_code_display not in client.get("/redemptions").get_data(as_text=True)


def test_the_vouchers_page_has_an_empty_state(client, login):
    login()
    page = client.get("/redemptions").get_data(as_text=True)
    assert "You have no vouchers yet." in page


def test_a_cancelled_voucher_shows_the_reason_escaped(
    client, login, staff, create_reward, give_points
):
    member = login()
    give_points(member, 1000)
    from portal.services.rewards.redemption import redeem
    from portal.services.rewards.vouchers import cancel_redemption

    redemption = redeem(member, create_reward(points_cost=300), idempotency_key="will-cancel-1")
    cancel_redemption(redemption, staff, "<b>Sold out</b> in store")
    db.session.commit()
    page = client.get(f"/redemptions/{redemption.id}").get_data(as_text=True)
    assert "Cancelled" in page and "&lt;b&gt;Sold out&lt;/b&gt;" in page
    assert "<b>Sold out</b>" not in page
    assert 'class="voucher-qr"' not in page


def test_an_uploaded_image_name_that_is_not_ours_is_not_served(client):
    assert client.get("/rewards/images/..%2F..%2Fconfig.py").status_code == 404
    assert client.get("/rewards/images/" + "a" * 32 + ".png").status_code == 404
