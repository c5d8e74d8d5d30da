"""The referral rules of DESIGN.md: who is attributed, what qualifies, when bonuses are paid,
what cancels them, and the guards against referring oneself or gaming the programme."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import AuditEntry, Member, Notification
from portal.services.members.accounts import update_profile
from portal.services.members.closure import close_account
from portal.services.points.ledger import credit_points, ledger_sum
from portal.services.programme.settings import update_setting
from portal.services.purchases.recording import record_return
from portal.services.referrals.attribution import (
    AlreadyReferred,
    OwnCode,
    UnknownCode,
    attach_code_at_desk,
    referral_of_friend,
)
from portal.services.referrals.bonuses import close_lapsed_referrals, release_due_bonuses
from portal.services.referrals.codes import find_referrer, is_well_formed, normalise_code
from portal.services.referrals.identity import email_identity, phone_identity, short_name
from portal.services.referrals.review import NotHeld, approve_referral, reject_referral
from tests.conftest import DEFAULT_PASSWORD, balance_of
from tests.referral_support import bonus_entries, fresh, refer


@pytest.fixture
def referrer(create_member, clock):
    return create_member(name="Lin Mei", email="lin.mei@gmail.com", phone="+86 138 0013 8000")


@pytest.fixture
def friend(create_member, clock):
    return create_member(name="Wang Fang", email="wang.fang@example.com")


# -- codes and identities --------------------------------------------------------------------


def test_codes_are_read_without_spaces_dashes_or_case():
    assert normalise_code("  k7pm 3xqa ") == "K7PM3XQA"
    assert normalise_code("K7PM-3XQA") == "K7PM3XQA"
    assert is_well_formed("K7PM3XQA")
    assert not is_well_formed("K7PM3XQ")  # seven characters
    assert not is_well_formed("K7PM3XQO")  # O is not in the alphabet (looks like 0)


def test_a_closed_account_refers_no_one(referrer):
    assert find_referrer(referrer.referral_code.lower()) == referrer
    code = referrer.referral_code
    close_account(referrer, DEFAULT_PASSWORD)
    db.session.commit()
    assert find_referrer(code) is None


def test_one_mailbox_written_several_ways_is_one_identity():
    assert email_identity("Lin.Mei+club@GMail.com") == "linmei@gmail.com"
    assert email_identity("lin.mei@googlemail.com") == "linmei@gmail.com"
    assert email_identity("lin.mei+x@example.com") == "lin.mei@example.com"
    # Other providers keep the dots: these are two people.
    assert email_identity("lin.mei@example.com") != email_identity("linmei@example.com")


def test_one_phone_written_several_ways_is_one_number():
    assert phone_identity("+86 138 0013 8000") == "+8613800138000"
    assert phone_identity("138-0013-8000") == "+8613800138000"
    assert phone_identity("0086 13800138000") == "+8613800138000"
    assert phone_identity("+86 138 0013 8001") != "+8613800138000"
    assert phone_identity("+44 20 7946 0958") == "+442079460958"


def test_friends_are_shown_by_first_name_and_initial(create_member):
    assert short_name(create_member(name="Wang Fang")) == "Wang F."
    assert short_name(create_member(name="Anne Marie Dubois")) == "Anne D."
    assert short_name(create_member(name="王芳")) == "王*"
    assert short_name(create_member(name="Sophie")) == "Sophie"


# -- attribution guards ----------------------------------------------------------------------


def test_a_new_friend_is_joined_and_both_members_are_told(referrer, friend):
    referral = refer(friend, referrer)
    assert referral.status == "joined"
    assert db.session.get(Member, friend.id).referred_by_id == referrer.id
    told = {(n.member_id, n.kind) for n in db.session.query(Notification)}
    assert (referrer.id, "referral_joined") in told
    assert (friend.id, "referral_welcome") in told


def test_a_friend_is_attributed_once_the_first_attribution_stands(referrer, friend, create_member):
    refer(friend, referrer)
    other = create_member(name="Sophie Laurent")
    with pytest.raises(AlreadyReferred):
        refer(friend, other)
    db.session.rollback()
    assert referral_of_friend(friend).referrer_id == referrer.id


def test_a_plus_tag_gmail_address_is_a_self_referral(referrer, create_member):
    twin = create_member(name="Lin Mei", email="Lin.Mei+friends@gmail.com")
    referral = refer(twin, referrer)
    assert (referral.status, referral.reason) == ("ineligible", "self_referral")


def test_the_same_phone_written_differently_is_a_self_referral(referrer, create_member):
    twin = create_member(name="Mei Lin", email="mei@example.com", phone="13800138000")
    referral = refer(twin, referrer)
    assert (referral.status, referral.reason) == ("ineligible", "self_referral")


def test_the_members_own_code_is_refused_at_the_desk(referrer, staff):
    with pytest.raises(OwnCode):
        attach_code_at_desk(referrer, referrer.referral_code, staff=staff)


def test_an_unknown_or_malformed_code_is_refused_at_the_desk(friend, staff):
    for code in ("ZZZZ2222", "NOPE"):
        with pytest.raises(UnknownCode):
            attach_code_at_desk(friend, code, staff=staff)


def joined_ago(create_member, clock, **ago):
    """A member who joined `ago` before the clock's time."""
    now = clock.now()
    clock.set(now - timedelta(**ago))
    member = create_member(name="Wang Fang")
    clock.set(now)
    return member


def test_an_account_older_than_a_day_is_an_existing_account(referrer, create_member, staff, clock):
    friend = joined_ago(create_member, clock, hours=24, minutes=1)
    referral = attach_code_at_desk(friend, referrer.referral_code.lower(), staff=staff)
    assert (referral.status, referral.reason) == ("ineligible", "existing_account")


def test_an_account_of_the_same_day_can_be_attached_at_the_desk(
    referrer, create_member, staff, clock
):
    friend = joined_ago(create_member, clock, hours=23, minutes=59)
    referral = attach_code_at_desk(
        friend, f" {referrer.referral_code[:4]} {referrer.referral_code[4:]} ", staff=staff
    )
    assert referral.status == "joined" and referral.channel == "desk"
    # The same form sent twice attaches once.
    assert attach_code_at_desk(friend, referrer.referral_code, staff=staff).id == referral.id


def test_a_member_who_already_bought_is_an_existing_account(
    referrer, friend, staff, create_purchase
):
    create_purchase(friend, "100.00")
    referral = attach_code_at_desk(friend, referrer.referral_code, staff=staff)
    assert referral.reason == "existing_account"


def test_two_friends_from_one_device_within_a_day_are_both_held(referrer, create_member, clock):
    first = refer(create_member(), referrer, device="device-aaaaaaaaaaaaaaaa")
    clock.advance(hours=23, minutes=59)
    second = refer(create_member(), referrer, device="device-aaaaaaaaaaaaaaaa")
    assert second.status == "held" and second.hold_reasons == ["same_device"]
    assert fresh(first).status == "held"


def test_a_device_seen_more_than_a_day_ago_raises_nothing(referrer, create_member, clock):
    refer(create_member(), referrer, device="device-bbbbbbbbbbbbbbbb")
    clock.advance(hours=24, minutes=1)
    assert refer(create_member(), referrer, device="device-bbbbbbbbbbbbbbbb").status == "joined"


def test_friends_of_one_referrer_from_one_address_are_held_not_those_of_others(
    referrer, create_member
):
    refer(create_member(), referrer, ip="203.0.113.7")
    other_referrer = create_member(name="Sophie Laurent")
    assert refer(create_member(), other_referrer, ip="203.0.113.7").status == "joined"
    held = refer(create_member(), referrer, ip="203.0.113.7")
    assert held.status == "held" and held.hold_reasons == ["same_ip"]


# -- qualification and release ---------------------------------------------------------------


def test_a_purchase_just_under_the_minimum_does_not_qualify_one_at_it_does(
    referrer, friend, create_purchase
):
    referral = refer(friend, referrer)
    create_purchase(friend, "499.99")
    assert fresh(referral).status == "joined"
    purchase = create_purchase(friend, "500.00")
    referral = fresh(referral)
    assert referral.status == "pending"
    assert referral.qualifying_purchase_id == purchase.id
    assert (referral.referrer_points, referral.friend_points) == (500, 200)
    # Pending: in neither balance yet.
    assert balance_of(referrer) == 0
    assert balance_of(friend) == 499 + 500  # the purchases' own points only


def test_the_window_ends_on_the_90th_day_after_joining(
    referrer, create_member, create_purchase, clock
):
    on_time, late = create_member(), create_member()
    first, second = refer(on_time, referrer), refer(late, referrer)
    clock.advance(days=90)
    create_purchase(on_time, "800.00", purchased_at=clock.now())
    clock.advance(days=1)
    create_purchase(late, "800.00", purchased_at=clock.now())
    assert fresh(first).status == "pending"
    assert fresh(second).status == "joined"
    assert close_lapsed_referrals() == 1
    db.session.commit()
    second = fresh(second)
    assert (second.status, second.reason) == ("ineligible", "window_passed")


def test_bonuses_are_paid_once_when_the_return_window_has_passed(
    referrer, friend, create_purchase, clock
):
    referral = refer(friend, referrer)
    purchase = create_purchase(friend, "1200.00", purchased_at=clock.now())
    clock.set(purchase.purchased_at + timedelta(days=30) - timedelta(seconds=1))
    assert release_due_bonuses() == 0
    clock.set(purchase.purchased_at + timedelta(days=30))
    assert release_due_bonuses() == 1
    db.session.commit()
    assert release_due_bonuses() == 0  # run-jobs again: nothing more
    db.session.commit()
    referral = fresh(referral)
    assert referral.status == "rewarded"
    assert balance_of(referrer) == 500 == ledger_sum(db.session.get(Member, referrer.id))
    assert balance_of(friend) == 1200 + 200
    lines = bonus_entries(referral)
    assert [(e.member_id, e.points, e.kind) for e in lines] == [
        (friend.id, 200, "bonus"),
        (referrer.id, 500, "bonus"),
    ]
    assert lines[1].reason == "Referral: Wang F.'s first purchase"


def test_the_ledger_refuses_a_second_bonus_for_one_referral(
    referrer, friend, create_purchase, clock
):
    referral = refer(friend, referrer)
    create_purchase(friend, "600.00", purchased_at=clock.now())
    clock.advance(days=31)
    release_due_bonuses()
    db.session.commit()
    with pytest.raises(IntegrityError):
        credit_points(
            db.session.get(Member, referrer.id),
            "bonus",
            500,
            reason="again",
            referral_id=referral.id,
        )
    db.session.rollback()


def test_a_return_under_the_minimum_before_release_cancels_both_bonuses(
    referrer, friend, create_purchase, clock
):
    referral = refer(friend, referrer)
    purchase = create_purchase(friend, "600.00", purchased_at=clock.now())
    clock.advance(days=10)
    record_return(purchase, amount=10001)  # ¥100.01 back: ¥499.99 left
    db.session.commit()
    referral = fresh(referral)
    assert (referral.status, referral.reason) == ("joined", "purchase_returned")
    assert referral.qualifying_purchase_id is None
    clock.advance(days=30)
    assert release_due_bonuses() == 0
    assert balance_of(referrer) == 0
    # The friend's next qualifying purchase within the window qualifies instead.
    second = create_purchase(friend, "750.00", purchased_at=clock.now())
    assert fresh(referral).qualifying_purchase_id == second.id


def test_a_return_that_leaves_the_minimum_keeps_the_bonus(referrer, friend, create_purchase, clock):
    referral = refer(friend, referrer)
    purchase = create_purchase(friend, "600.00", purchased_at=clock.now())
    record_return(purchase, amount=10000)  # ¥500.00 left
    db.session.commit()
    assert fresh(referral).status == "pending"


def test_a_return_after_the_release_date_leaves_the_bonus(referrer, friend, create_purchase, clock):
    referral = refer(friend, referrer)
    purchase = create_purchase(friend, "600.00", purchased_at=clock.now())
    clock.advance(days=30)
    # The release job has not run yet, but the window has passed: the bonus is due.
    record_return(purchase, amount=60000)
    db.session.commit()
    assert fresh(referral).status == "pending"
    assert release_due_bonuses() == 1
    db.session.commit()
    assert balance_of(referrer) == 500


def test_a_cancelled_bonus_leaves_no_negative_balance(referrer, friend, create_purchase, clock):
    refer(friend, referrer)
    purchase = create_purchase(friend, "600.00", purchased_at=clock.now())
    record_return(purchase, amount=60000)
    db.session.commit()
    assert balance_of(friend) == 0 and balance_of(referrer) == 0


def test_a_second_qualifying_purchase_does_not_pay_twice(referrer, friend, create_purchase, clock):
    referral = refer(friend, referrer)
    first = create_purchase(friend, "600.00", purchased_at=clock.now())
    create_purchase(friend, "900.00", purchased_at=clock.now())
    assert fresh(referral).qualifying_purchase_id == first.id
    clock.advance(days=31)
    assert release_due_bonuses() == 1
    db.session.commit()
    assert balance_of(referrer) == 500


# -- the monthly cap -------------------------------------------------------------------------


def test_the_eleventh_referral_of_a_month_waits_for_the_next(
    referrer, create_member, create_purchase, clock
):
    # 20 May (Shanghai); releases on 19 June, all in June.
    clock.set(datetime(2026, 5, 20, 2, 0, tzinfo=UTC))
    referrals = []
    for n in range(11):
        friend = create_member(name=f"Friend Number{n}")
        referrals.append(refer(friend, referrer))
        create_purchase(friend, "500.00", purchased_at=clock.now())
    clock.set(datetime(2026, 6, 19, 3, 0, tzinfo=UTC))
    assert release_due_bonuses() == 11  # every friend is paid; one referrer's bonus waits
    db.session.commit()
    statuses = [fresh(r).status for r in referrals]
    assert statuses.count("rewarded") == 10 and statuses.count("capped") == 1
    assert balance_of(referrer) == 10 * 500
    # 30 June 16:30 UTC is already 1 July in Shanghai: the new month's allowance applies.
    clock.set(datetime(2026, 6, 30, 16, 30, tzinfo=UTC))
    assert release_due_bonuses() == 1
    db.session.commit()
    assert balance_of(referrer) == 11 * 500
    assert [fresh(r).status for r in referrals].count("rewarded") == 11


def test_the_cap_is_a_setting(referrer, create_member, create_purchase, clock):
    update_setting("referral_monthly_cap", 1)
    db.session.commit()
    referrals = []
    for _ in range(2):
        friend = create_member()
        referrals.append(refer(friend, referrer))
        create_purchase(friend, "500.00", purchased_at=clock.now())
    clock.advance(days=30)
    release_due_bonuses()
    db.session.commit()
    assert sorted(fresh(r).status for r in referrals) == ["capped", "rewarded"]


# -- held referrals and staff review ---------------------------------------------------------


def test_a_friend_who_took_the_referrers_address_is_held_at_purchase(
    referrer, friend, create_purchase, clock
):
    referral = refer(friend, referrer)
    set_profile(referrer, delivery_address="8 Huaihai Road, Apt. 5, Shanghai")
    set_profile(friend, delivery_address="8 huaihai road apt 5 shanghai")
    create_purchase(friend, "600.00", purchased_at=clock.now())
    referral = fresh(referral)
    assert referral.status == "held" and referral.hold_reasons == ["same_delivery_address"]
    clock.advance(days=31)
    assert release_due_bonuses() == 0  # held is not paid until staff decide


def test_approving_a_held_referral_after_its_window_pays_it(
    referrer, friend, staff, create_member, create_purchase, clock
):
    referral = refer(friend, referrer, device="device-cccccccccccccccc")
    refer(create_member(name="Li Na"), referrer, device="device-cccccccccccccccc")
    create_purchase(friend, "600.00", purchased_at=clock.now())
    clock.advance(days=31)
    referral = fresh(referral)
    assert referral.status == "held"
    approve_referral(referral, staff=staff, note="Sisters sharing a tablet; checked by phone")
    db.session.commit()
    assert fresh(referral).status == "rewarded"
    assert balance_of(referrer) == 500
    audit = db.session.query(AuditEntry).filter_by(action="referral.approve").one()
    assert "Sisters sharing a tablet" in audit.summary


def set_profile(member, **changes) -> None:
    """The member changes their details on /account (accounts.update_profile)."""
    values = {
        "name": member.name,
        "phone": member.phone,
        "birthday": member.birthday,
        "marketing_opt_in": member.marketing_opt_in,
        "delivery_address": member.delivery_address,
    }
    update_profile(member, **(values | changes))
    db.session.commit()


def test_rejecting_a_held_referral_pays_nothing_and_is_final(
    referrer, friend, staff, create_member, create_purchase, clock
):
    referral = refer(friend, referrer, ip="198.51.100.4")
    refer(create_member(name="Li Na"), referrer, ip="198.51.100.4")
    create_purchase(friend, "600.00", purchased_at=clock.now())
    reject_referral(fresh(referral), staff=staff, note="Same person, two accounts")
    db.session.commit()
    referral = fresh(referral)
    assert (referral.status, referral.reason) == ("ineligible", "rejected")
    with pytest.raises(NotHeld):
        approve_referral(referral, staff=staff, note="changed my mind")
    db.session.rollback()
    clock.advance(days=31)
    assert release_due_bonuses() == 0
    assert balance_of(referrer) == 0


def test_a_friend_who_took_the_referrers_phone_is_held_at_purchase(
    referrer, friend, create_purchase, clock
):
    referral = refer(friend, referrer)
    set_profile(friend, phone="138 0013 8000")  # the referrer's number, without +86
    create_purchase(friend, "600.00", purchased_at=clock.now())
    referral = fresh(referral)
    assert referral.status == "held" and referral.hold_reasons == ["same_phone"]
