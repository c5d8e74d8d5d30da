"""A day of return-visit calls (回访) for the staff's list, and a few members' vouchers so that
"Rewards for you" has co-occurrence to work from.

Six customers with phones, each bought where and when their call comes from: a thank-you
call due today (a large purchase a week ago), two overdue (ten and twelve days ago), a care
call due today (a large purchase three months ago), courtesy calls for every member who bought
this year, one of them already reached with a note, one to call back later today. Their
vouchers pair the catalogue's rewards with the demo member's own (cleaning, gift wrapping).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from portal.clock import moved_to, utcnow
from portal.extensions import db
from portal.models import Member, Purchase, Redemption, ReturnCall, Reward, SpecialDate
from portal.services.engagement.call_rules import schedule_calls
from portal.services.engagement.calls import record_outcome
from portal.services.members.accounts import create_member, find_member_by_email
from portal.services.points.ledger import credit_points
from portal.services.programme.local_time import add_local_months, local_date
from portal.services.purchases.recording import record_purchase
from portal.services.rewards.redemption import redeem
from portal.services.rewards.suggestions import refresh_reward_pairs

# (email, name, phone, birthday, special date (month, day, label) or None,
#  purchase: (days ago, months ago, store, item, yuan), rewards redeemed)
CALLERS: list[dict[str, Any]] = [
    {
        "email": "he.ming@example.com",
        "name": "He Ming",
        "phone": "139 1234 5678",
        "birthday": date(1988, 3, 14),
        "special": (10, 8, "Wedding anniversary"),
        "bought": (7, 0, "Shanghai IFC", "Diamond solitaire ring, 0.5 ct", 12_800),
        "rewards": ["Jewellery cleaning & polishing", "Personal engraving"],
    },
    {
        "email": "xu.ran@example.com",
        "name": "Xu Ran",
        "phone": "+86 186 0021 3344",
        "birthday": date(1979, 11, 2),
        "special": None,
        "bought": (0, 3, "Beijing SKP", "18K gold dress watch, 38 mm", 16_500),
        "rewards": [
            "Jewellery cleaning & polishing",
            "Personal engraving",
            "Silk jewellery pouch",
        ],
    },
    {
        "email": "lu.qing@example.com",
        "name": "Lu Qing",
        "phone": "13512345678",
        "birthday": None,
        "special": (2, 14, "First date"),
        "bought": (10, 0, "Shanghai IFC", "Diamond tennis necklace", 26_800),
        "rewards": ["Jewellery cleaning & polishing", "Pearl necklace restringing"],
    },
    {
        "email": "qin.shu@example.com",
        "name": "Qin Shu",
        "phone": "+86 150 1122 3344",
        "birthday": date(1991, 2, 28),
        "special": None,
        "bought": (12, 0, "Beijing SKP", "Steel automatic watch, 40 mm", 11_200),
        "rewards": ["Signature gift wrapping", "Personal engraving"],
    },
    {
        "email": "deng.hui@example.com",
        "name": "Deng Hui",
        "phone": "021 6288 1234",
        "birthday": date(1995, 7, 30),
        "special": None,
        "bought": (30, 0, "Shenzhen MixC", "Pearl drop earrings", 4_200),
        "rewards": ["Signature gift wrapping", "Silk jewellery pouch"],
    },
    {
        "email": "pan.yue@example.com",
        "name": "Pan Yue",
        "phone": "+86 137 7788 9900",
        "birthday": date(1983, 5, 5),
        "special": None,
        "bought": (45, 0, "Shenzhen MixC", "Silk twill scarf", 1_200),
        "rewards": [],
    },
]
# Outcomes recorded this morning.
REACHED = ("deng.hui@example.com", "Happy with the earrings; would like the pearl salon invite.")
CALL_BACK = ("pan.yue@example.com", "In a meeting; call back this afternoon.")


def _shopped_at(now: datetime, days_ago: int, months_ago: int) -> datetime:
    moment = add_local_months(now, -months_ago) if months_ago else now
    return moment - timedelta(days=days_ago, hours=2)


def _seed_caller(values: dict[str, Any], now: datetime) -> Member:
    member = create_member(
        name=values["name"],
        email=values["email"],
        password="demo-password-4",
        phone=values["phone"],
        birthday=values["birthday"],
        verified=True,
    )
    if values["special"]:
        month, day, label = values["special"]
        db.session.add(SpecialDate(member_id=member.id, month=month, day=day, label=label))
    days_ago, months_ago, store, item, yuan = values["bought"]
    when = _shopped_at(now, days_ago, months_ago)
    member.created_at = when - timedelta(days=60)
    with moved_to(when):
        record_purchase(
            member,
            receipt_no=f"DEMO-CALL-{member.id:04d}",
            amount=yuan * 100,
            currency="CNY",
            purchased_at=when,
            store=store,
            items=[{"sku": "DEMO", "name": item, "quantity": 1, "unit_price": yuan * 100}],
            channel="staff",
        )
    for name in values["rewards"]:
        reward = db.session.scalar(select(Reward).where(Reward.name == name))
        if reward is None:
            continue
        credit_points(member, "bonus", reward.points_cost, reason="Welcome gift from the club")
        redeem(member, reward, idempotency_key=f"demo-pair-{member.id}-{reward.id}")
    return member


def _record_earlier_outcomes(now: datetime) -> int:
    staff = find_member_by_email("staff@example.com")
    if staff is None:
        return 0
    recorded = 0
    earlier = now - timedelta(hours=3)
    for (email, note), outcome in ((REACHED, "reached"), (CALL_BACK, "call_back")):
        member = find_member_by_email(email)
        if member is None:
            continue
        call = db.session.scalar(
            select(ReturnCall).where(
                ReturnCall.member_id == member.id,
                ReturnCall.status == "open",
                ReturnCall.outcome.is_(None),
            )
        )
        if call is None:
            continue
        with moved_to(earlier):
            record_outcome(
                call,
                outcome,
                staff=staff,
                note=note,
                call_back_on=local_date(now) if outcome == "call_back" else None,
            )
        recorded += 1
    return recorded


def seed_calls() -> list[str]:
    now = utcnow()
    created = 0
    for values in CALLERS:
        if find_member_by_email(values["email"]) is not None:
            continue
        _seed_caller(values, now)
        created += 1
    db.session.flush()
    pairs = refresh_reward_pairs()
    scheduled = 0
    recorded = 0
    first_time = not db.session.scalar(select(ReturnCall.id).limit(1))
    scheduled += schedule_calls(now=now)
    if first_time:
        recorded = _record_earlier_outcomes(now)
    db.session.flush()
    vouchers = db.session.scalar(select(Redemption.id).limit(1)) is not None
    purchases = db.session.scalar(select(Purchase.id).limit(1)) is not None
    return [
        f"calls: {created} customers to call, {scheduled} calls scheduled, "
        f"{recorded} outcomes recorded, {pairs} reward pairs"
        + ("" if vouchers and purchases else " (no history)")
    ]
