"""Purchases written straight into the tables, for the tests of the pages that read them.

Only the ledger's own service is used (credit_points), so these tests do not depend on how
purchases are recorded from tills: a purchase row, its items, and its earn entry.
"""

from __future__ import annotations

import itertools
from datetime import datetime

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Member, Purchase, PurchaseItem
from portal.services.points.ledger import credit_points

_receipts = itertools.count(1)


def add_purchase(
    member: Member,
    *,
    amount: int = 100_000,
    purchased_at: datetime | None = None,
    points: int | None = None,
    store: str = "Shanghai IFC",
    items: list[tuple[str, str, int, int]] | None = None,
    returned_amount: int = 0,
    receipt_no: str | None = None,
    commit: bool = True,
) -> Purchase:
    """A purchase of `amount` minor units at `purchased_at` (default now) earning `points`
    (default 1 per whole unit). `items` are (sku, name, quantity, unit_price)."""
    purchased_at = purchased_at or utcnow()
    points = amount // 100 if points is None else points
    purchase = Purchase(
        member_id=member.id,
        receipt_no=receipt_no or f"T-{next(_receipts):06d}",
        store=store,
        channel="api",
        amount=amount,
        currency="CNY",
        purchased_at=purchased_at,
        returned_amount=returned_amount,
        points_awarded=points,
    )
    for sku, name, quantity, unit_price in items or [("RG-001", "Gold ring", 1, amount)]:
        purchase.items.append(
            PurchaseItem(sku=sku, name=name, quantity=quantity, unit_price=unit_price)
        )
    db.session.add(purchase)
    db.session.flush()
    if points:
        credit_points(
            member,
            "earn",
            points,
            reason=f"Purchase at {store}: {amount // 100:,} × 1",
            earned_at=purchased_at,
            purchase_id=purchase.id,
        )
    if commit:
        db.session.commit()
    return purchase
