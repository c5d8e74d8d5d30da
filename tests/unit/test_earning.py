"""Earning (DESIGN.md): 1 point per whole currency unit x tier multiplier x birthday month
double, rounded down; the entry says how it was computed; points expire 24 months later."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import LedgerEntry, Purchase
from portal.services.programme.local_time import add_local_months
from portal.services.purchases.input import InvalidPurchase, parse_amount, parse_purchased_at
from portal.services.purchases.recording import ReceiptConflict, record_purchase


def earn_entries(member):
    return db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.member_id == member.id, LedgerEntry.kind == "earn")
    ).all()


@pytest.mark.parametrize(
    ("tier", "amount", "points"),
    [
        ("member", "1234.56", 1234),  # only whole units earn
        ("silver", "1234.56", 1542),  # 1234 x 1.25 = 1542.5, rounded down
        ("gold", "1234.00", 1851),  # 1234 x 1.5
        ("diamond", "1234.99", 2468),
        ("silver", "1.99", 1),  # 1 x 1.25 = 1.25
    ],
)
def test_points_are_whole_units_times_the_tier_multiplier_rounded_down(
    create_member, create_purchase, clock, tier, amount, points
):
    member = create_member(birthday=date(1990, 3, 4), tier=tier)  # June: not birthday
    purchase = create_purchase(member, amount)
    assert purchase.points_awarded == points
    assert member.points_balance == points
    [entry] = earn_entries(member)
    assert entry.points == points and entry.purchase_id == purchase.id


def test_the_entry_says_how_the_points_were_computed(create_member, create_purchase, clock):
    clock.set(datetime(2026, 12, 10, 4, 0, tzinfo=UTC))
    member = create_member(birthday=date(1990, 12, 18), tier="silver")
    purchase = create_purchase(member, "1234.50", receipt_no="SH01-2026-000123")
    [entry] = earn_entries(member)
    assert entry.points == 3085  # 1234 x 1.25 x 2 = 3085
    assert (
        entry.reason
        == "Purchase SH01-2026-000123 at Shanghai IFC: 1,234 × 1.25 Silver, birthday ×2"
    )
    assert entry.details["whole_units"] == 1234
    assert entry.details["multiplier_percent"] == 125
    assert entry.details["birthday"] is True and entry.details["birthday_multiplier"] == 2
    assert entry.details["receipt_no"] == purchase.receipt_no


@pytest.mark.parametrize(
    ("purchased_at", "birthday_month"),
    [
        # 1 December 00:30 in Shanghai is still 30 November in UTC.
        (datetime(2025, 11, 30, 16, 30, tzinfo=UTC), True),
        (datetime(2025, 11, 30, 15, 59, tzinfo=UTC), False),  # 30 Nov 23:59 in Shanghai
        (datetime(2025, 12, 31, 15, 59, 59, tzinfo=UTC), True),  # 31 Dec 23:59:59
        (datetime(2025, 12, 31, 16, 0, tzinfo=UTC), False),  # 1 January 00:00 in Shanghai
    ],
)
def test_the_birthday_month_is_counted_in_the_programme_time_zone(
    create_member, create_purchase, clock, purchased_at, birthday_month
):
    member = create_member(birthday=date(1990, 12, 18))
    purchase = create_purchase(member, "1000.00", purchased_at=purchased_at)
    assert purchase.points_awarded == (2000 if birthday_month else 1000)


def test_a_member_without_a_birthday_earns_the_plain_rate(create_member, create_purchase, clock):
    member = create_member(birthday=None)
    assert create_purchase(member, "500.00").points_awarded == 500


def test_less_than_one_unit_is_recorded_without_a_ledger_entry(
    create_member, create_purchase, clock
):
    member = create_member()
    purchase = create_purchase(member, "0.99")
    assert purchase.points_awarded == 0
    assert earn_entries(member) == []
    assert member.points_balance == 0


def test_points_expire_24_months_after_the_purchase(create_member, create_purchase, clock):
    member = create_member()
    bought = datetime(2026, 2, 28, 6, 0, tzinfo=UTC)
    create_purchase(member, "100.00", purchased_at=bought)
    [entry] = earn_entries(member)
    assert entry.expires_at == add_local_months(bought, 24)


def test_the_same_receipt_again_gives_the_same_purchase_and_no_new_points(
    create_member, create_purchase, clock
):
    member = create_member()
    first = create_purchase(member, "800.00", receipt_no="BJ02-2026-000001")
    again, created = record_purchase(
        member,
        receipt_no="BJ02-2026-000001",
        amount=80000,
        currency="CNY",
        purchased_at=first.purchased_at,
        store="Beijing SKP",
        items=[],
        channel="api",
    )
    db.session.commit()
    assert created is False and again.id == first.id
    assert member.points_balance == 800
    assert len(earn_entries(member)) == 1
    assert db.session.scalar(select(db.func.count(Purchase.id))) == 1


@pytest.mark.parametrize("change", ["member", "amount"])
def test_the_same_receipt_with_another_member_or_amount_is_a_conflict(
    create_member, create_purchase, clock, change
):
    member, other = create_member(), create_member()
    first = create_purchase(member, "800.00", receipt_no="BJ02-2026-000002")
    with pytest.raises(ReceiptConflict):
        record_purchase(
            other if change == "member" else member,
            receipt_no="BJ02-2026-000002",
            amount=80001 if change == "amount" else 80000,
            currency="CNY",
            purchased_at=first.purchased_at,
            store="",
            items=[],
            channel="api",
        )


def test_another_currency_is_refused_never_converted(create_member, clock):
    member = create_member()
    with pytest.raises(InvalidPurchase) as refused:
        record_purchase(
            member,
            receipt_no="HK01-1",
            amount=10000,
            currency="HKD",
            purchased_at=clock.now(),
            store="",
            items=[],
            channel="api",
        )
    assert "CNY" in refused.value.messages()["currency"]
    assert member.points_balance == 0


def test_a_purchase_in_the_future_is_refused_but_clock_skew_is_allowed(create_member, clock):
    member = create_member()
    common = {"amount": 10000, "currency": "CNY", "store": "", "items": [], "channel": "api"}
    with pytest.raises(InvalidPurchase) as refused:
        record_purchase(
            member, receipt_no="R-1", purchased_at=clock.now() + timedelta(hours=1), **common
        )
    assert "future" in refused.value.messages()["purchased_at"]
    _purchase, created = record_purchase(
        member, receipt_no="R-2", purchased_at=clock.now() + timedelta(minutes=2), **common
    )
    assert created


@pytest.mark.parametrize(
    ("raw", "minor"),
    [
        ("123.45", 12345),
        ("123.4", 12340),
        (" 7 ", 700),
        ("12.500", 1250),
        (Decimal("0.01"), 1),
        (12, 1200),
        (12.5, 1250),
        (19.99, 1999),
    ],
)
def test_amounts_are_read_exactly_into_minor_units(app, raw, minor):
    assert parse_amount(raw, "CNY") == minor


def test_yen_amounts_have_no_minor_units(app):
    assert parse_amount("1500", "JPY") == 1500
    with pytest.raises(ValueError, match="no decimals"):
        parse_amount("1500.5", "JPY")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1.234", "at most 2 decimals"),
        ("-5", "cannot be negative"),
        ("0", "more than zero"),
        ("0.00", "more than zero"),
        ("abc", "as a number"),
        ("1,234.00", "as a number"),
        ("NaN", "as a number"),
        ("Infinity", "as a number"),
        ("1e12", "as a number"),  # digits and a dot only, no exponent
        ("\u0661\u0662\u0663", "as a number"),  # Arabic-Indic digits, which Decimal reads
        ("\uff11\uff12", "as a number"),  # full-width digits
        (Decimal("1E+12"), "too large"),
        ("100000000.01", "too large"),
        (True, "Enter an amount"),
        (None, "Enter an amount"),
        ("", "Enter an amount"),
        ([1], "as a number"),
    ],
)
def test_bad_amounts_are_refused_with_a_reason(app, raw, message):
    with pytest.raises(ValueError) as refused:
        parse_amount(raw, "CNY")
    assert message in str(refused.value.args[0])


def test_a_time_without_offset_is_read_in_the_programme_zone(app, clock):
    assert parse_purchased_at("2026-06-01T09:30:00") == datetime(2026, 6, 1, 1, 30, tzinfo=UTC)
    assert parse_purchased_at("2026-06-01T09:30:00Z") == datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
    for bad in ("yesterday", "2026-13-01T00:00:00", "", None, 20260601):
        with pytest.raises(ValueError):
            parse_purchased_at(bad)


def test_the_database_refuses_a_second_earn_entry_for_a_purchase(
    create_member, create_purchase, clock
):
    from sqlalchemy.exc import IntegrityError

    from portal.services.points.ledger import credit_points

    member = create_member()
    purchase = create_purchase(member, "100.00")
    with pytest.raises(IntegrityError):
        credit_points(member, "earn", 100, reason="again", purchase_id=purchase.id)
    db.session.rollback()
    assert member.points_balance == 100
