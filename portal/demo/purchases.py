"""Demo purchase histories at Maison Lumière's boutiques, recorded by the real rules with the
clock moved to when each happened: earning, birthday months, tier upgrades and evaluations,
returns and expiry come out as they would have.

Lin Mei (demo@example.com) has two years of purchases: Silver in her first year, Gold now, one
partial return, some points already expired and some expiring within the next month.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from portal.clock import moved_to, utcnow
from portal.extensions import db
from portal.models import Member, Purchase
from portal.services.members.accounts import find_member_by_email
from portal.services.points.expiry import expire_due_points, send_expiry_notices
from portal.services.points.tiers import evaluate_member_tier, evaluate_tiers
from portal.services.programme.local_time import local_date, programme_zone
from portal.services.purchases.recording import record_purchase, record_return

STORES = {
    "SH01": "Shanghai IFC",
    "BJ01": "Beijing SKP",
    "SZ01": "Shenzhen MixC",
    "HZ01": "Hangzhou Tower",
    "WEB": "Online shop",
}

# (days ago, store, receipt sequence, [(sku, item, quantity, unit price in yuan)])
LIN_MEI = [
    (748, "SH01", 1021, [("ER-18K-204", "18K gold stud earrings", 1, 3200)]),
    (712, "BJ01", 1187, [("NK-PRL-118", "Akoya pearl strand necklace", 1, 8800)]),
    (690, "WEB", 20433, [("AC-SLK-010", "Silk jewellery roll", 1, 680)]),
    (655, "SH01", 1302, [("SV-WCH-001", "Watch servicing", 1, 1200)]),
    (610, "SZ01", 877, [("BR-18K-330", "18K rose gold bangle", 1, 6400)]),
    (560, "SH01", 1455, [("RG-DIA-051", "Diamond solitaire ring, 0.3 ct", 1, 12800)]),
    (470, "WEB", 21980, [("PD-18K-007", "18K gold pendant", 1, 2600)]),
    (405, "HZ01", 512, [("WT-STL-036", "Steel automatic watch, 36 mm", 1, 9800)]),
    (350, "BJ01", 1690, [("ER-PRL-022", "Pearl drop earrings", 1, 4200)]),
    (300, "SH01", 1833, [("RG-18K-112", "18K gold stacking rings", 3, 1900)]),
    (262, "WEB", 23514, [("SC-SLK-201", "Silk twill scarf", 2, 1200)]),
    (230, "SH01", 1920, [("NK-DIA-077", "Diamond tennis necklace", 1, 26800)]),
    (180, "SZ01", 1034, [("SV-CLN-001", "Jewellery cleaning and polishing", 1, 300)]),
    (150, "BJ01", 1811, [("WT-GLD-038", "18K gold dress watch, 38 mm", 1, 16500)]),
    (95, "WEB", 24902, [("PD-JAD-019", "Jade and gold pendant", 1, 3600)]),
    (40, "SH01", 2107, [("BR-PRL-014", "Pearl and gold bracelet", 1, 5200)]),
    (9, "HZ01", 730, [("CF-18K-003", "18K gold cufflinks (a gift)", 1, 2800)]),
]
# (receipt sequence of the purchase, days ago, yuan, reference, why)
LIN_MEI_RETURNS = [(23514, 255, 1200, "RT-WEB-0091", "One of the two scarves, unworn")]

SOPHIE = [
    (420, "WEB", 20871, [("SC-SLK-201", "Silk twill scarf", 1, 1200)]),
    (330, "SH01", 1744, [("ER-18K-204", "18K gold stud earrings", 1, 3200)]),
    (210, "SH01", 1961, [("WT-STL-036", "Steel automatic watch, 36 mm", 1, 9800)]),
    (60, "WEB", 25110, [("AC-SLK-010", "Silk jewellery roll", 1, 680)]),
]
WANG_FANG = [
    (200, "BJ01", 1777, [("PD-18K-007", "18K gold pendant", 1, 2600)]),
    (75, "BJ01", 1902, [("SV-WCH-001", "Watch servicing", 1, 1200)]),
    (12, "WEB", 25377, [("SC-SLK-201", "Silk twill scarf", 1, 1200)]),
]

HISTORIES = {
    "demo@example.com": (LIN_MEI, LIN_MEI_RETURNS),
    "sophie.laurent@example.com": (SOPHIE, []),
    "wang.fang@example.com": (WANG_FANG, []),
}


def _receipt_no(store: str, when: datetime, sequence: int) -> str:
    return f"{store}-{local_date(when).year}-{sequence:06d}"


def _shop_time(now: datetime, days_ago: int, sequence: int) -> datetime:
    """An afternoon in the boutique, `days_ago` days before `now` (programme zone)."""
    day = local_date(now) - timedelta(days=days_ago)
    local = datetime.combine(day, time(11 + sequence % 8, (sequence * 7) % 60), programme_zone())
    return min(local.astimezone(now.tzinfo), now - timedelta(hours=1))


DemoPurchase = tuple[int, str, int, list[tuple[str, str, int, int]]]  # as LIN_MEI
DemoReturn = tuple[int, int, int, str, str]  # as LIN_MEI_RETURNS


def _seed_history(
    member: Member, purchases: list[DemoPurchase], returns: list[DemoReturn], now: datetime
) -> int:
    recorded_by_sequence: dict[int, Purchase] = {}
    recorded = 0
    for days_ago, store, sequence, lines in sorted(purchases, key=lambda p: -p[0]):
        when = _shop_time(now, days_ago, sequence)
        receipt_no = _receipt_no(store, when, sequence)
        items: list[dict[str, Any]] = [
            {"sku": sku, "name": name, "quantity": quantity, "unit_price": price * 100}
            for sku, name, quantity, price in lines
        ]
        with moved_to(when + timedelta(minutes=3)):
            evaluate_member_tier(member)  # the evaluation run-jobs would have made by then
            purchase, created = record_purchase(
                member,
                receipt_no=receipt_no,
                amount=sum(item["quantity"] * item["unit_price"] for item in items),
                currency="CNY",
                purchased_at=when,
                store=STORES[store],
                items=items,
                channel="staff" if store != "WEB" else "api",
            )
        recorded_by_sequence[sequence] = purchase
        recorded += created
    for sequence, days_ago, yuan, reference, why in returns:
        purchase = recorded_by_sequence[sequence]
        with moved_to(_shop_time(now, days_ago, sequence)):
            record_return(purchase, amount=yuan * 100, return_ref=reference, reason=why)
    first = min(_shop_time(now, p[0], p[2]) for p in purchases)
    if member.created_at > first:
        member.created_at = first - timedelta(days=30)
    return recorded


def seed_purchases() -> list[str]:
    now = utcnow()
    recorded = 0
    for email, (purchases, returns) in HISTORIES.items():
        member = find_member_by_email(email)
        if member is None:
            continue
        has_history = db.session.scalar(
            select(Purchase.id).where(Purchase.member_id == member.id).limit(1)
        )
        if has_history:
            continue  # seeded before (maybe on another day): leave the history as it is
        recorded += _seed_history(member, purchases, returns, now)
    db.session.flush()
    # Bring the programme up to today, as run-jobs does.
    expired = expire_due_points(now=now)
    evaluate_tiers(now=now)
    send_expiry_notices(now=now)
    return [f"purchases: {recorded} recorded, {expired} expired credits"]
