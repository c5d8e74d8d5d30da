"""What members read about their purchases: the history (newest first, a page at a time, by
date range), one receipt with its items, returns and the ledger lines it caused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import LedgerEntry, Member, Purchase, PurchaseReturn
from portal.services.programme.local_time import local_day_start

PAGE_SIZE = 20


@dataclass
class PurchasePage:
    purchases: list[Purchase]
    next_cursor: int | None  # the id to pass as `before` for the next (older) page
    first: bool  # the newest page (no cursor given)


def purchase_page(
    member: Member,
    *,
    before: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    size: int = PAGE_SIZE,
) -> PurchasePage:
    """A page of the member's purchases, newest first, older than the purchase `before` (a
    keyset cursor: a purchase recorded meanwhile neither repeats nor hides a row), between two
    local dates inclusive. Reads the index (member_id, purchased_at)."""
    query = select(Purchase).where(Purchase.member_id == member.id)
    if date_from is not None:
        query = query.where(Purchase.purchased_at >= local_day_start(date_from))
    if date_to is not None:
        query = query.where(Purchase.purchased_at < local_day_start(date_to + timedelta(days=1)))
    cursor_at = None
    if before is not None:
        cursor_at = db.session.scalar(
            select(Purchase.purchased_at).where(
                Purchase.id == before, Purchase.member_id == member.id
            )
        )
    if cursor_at is not None:
        query = query.where(
            or_(
                Purchase.purchased_at < cursor_at,
                and_(Purchase.purchased_at == cursor_at, Purchase.id < before),
            )
        )
    rows = list(
        db.session.scalars(
            query.order_by(Purchase.purchased_at.desc(), Purchase.id.desc()).limit(size + 1)
        )
    )
    more = len(rows) > size
    rows = rows[:size]
    return PurchasePage(
        purchases=rows,
        next_cursor=rows[-1].id if more and rows else None,
        first=cursor_at is None,
    )


def purchase_for_member(member: Member, purchase_id: int) -> Purchase | None:
    """The member's own purchase with its items and returns; None for anyone else's."""
    return db.session.scalar(
        select(Purchase)
        .where(Purchase.id == purchase_id, Purchase.member_id == member.id)
        .options(selectinload(Purchase.items), selectinload(Purchase.returns))
    )


def ledger_lines_for(purchase: Purchase) -> list[LedgerEntry]:
    """The ledger entries a purchase caused: its earning, and the reversals of its returns."""
    return list(
        db.session.scalars(
            select(LedgerEntry)
            .where(
                LedgerEntry.member_id == purchase.member_id,
                or_(
                    LedgerEntry.purchase_id == purchase.id,
                    LedgerEntry.purchase_return_id.in_(
                        select(PurchaseReturn.id).where(PurchaseReturn.purchase_id == purchase.id)
                    ),
                ),
            )
            .order_by(LedgerEntry.id)
        )
    )
