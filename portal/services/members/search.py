"""Finding members at the staff desk: search as you type and the list's filters.

Search matches the start of the name (any case), of the email, of the card number (typed with
or without spaces) or of the phone number (typed in any format: "138 0013 8000",
"+86 138-0013-8000", "13800138000"; read as Chinese without a country code). Every branch is a
range on an index (members.search_name, email, card_number, phone_e164) and never a
leading-wildcard LIKE, so the answer stays fast at 100,000 members on SQLite and PostgreSQL.
Filters: tier, a store the member bought in, the joining dates, and whether the member bought
in the last N days. Sorted by name, joining date, points or last purchase; a page at a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    func,
    or_,
    select,
    text,
    type_coerce,
    union,
)

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Member, MemberSegment, Purchase
from portal.models.base import UTCDateTime
from portal.models.segments import SEGMENT_GROUPS
from portal.phones import e164
from portal.services.programme.local_time import local_day_start

PAGE_SIZE = 25
MAX_PAGE = 1000
SORTS = ("joined", "name", "points", "last_purchase")
ACTIVE_DAYS = (30, 90, 180, 365)
DEFAULT_ACTIVE_DAYS = 90
# Phone and card numbers are matched from this many digits on.
MIN_DIGITS = 3


@dataclass(frozen=True)
class MemberFilters:
    text: str = ""
    tier: str | None = None
    store: str | None = None
    joined_from: date | None = None
    joined_to: date | None = None
    # "yes": bought in the last `active_days` days; "no": did not; None: either.
    active: str | None = None
    active_days: int = DEFAULT_ACTIVE_DAYS
    segment: str | None = None
    sort: str = "joined"
    descending: bool = True

    def normalised(self) -> MemberFilters:
        return replace(
            self,
            text=(self.text or "").strip()[:100],
            sort=self.sort if self.sort in SORTS else "joined",
            active=self.active if self.active in ("yes", "no") else None,
            active_days=self.active_days
            if self.active_days in ACTIVE_DAYS
            else DEFAULT_ACTIVE_DAYS,
        )


@dataclass
class MemberSearch:
    members: list[Member]
    page: int
    has_more: bool
    filters: MemberFilters
    # The last purchase of each listed member (one grouped query over the listed ids).
    last_purchases: dict[int, datetime]


def _after(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def starts_with(column: Any, prefix: str) -> ColumnElement[bool]:
    """`column` starts with `prefix`, as a range an index answers (binary collation)."""
    return and_(column >= prefix, column < _after(prefix))


def text_branches(typed: str) -> list[ColumnElement[bool]]:
    """The conditions, one per index, of members whose name, email, card number or phone
    starts with what was typed (a member matches when any of them holds)."""
    typed = typed.strip()
    if not typed:
        return []
    lowered = typed.lower()
    conditions = [starts_with(Member.search_name, lowered), starts_with(Member.email, lowered)]
    if re.fullmatch(r"[\d\s+\-().]+", typed):
        digits = re.sub(r"\D", "", typed)
        if len(digits) >= MIN_DIGITS:
            conditions.append(starts_with(Member.card_number, digits))
            whole = e164(typed)
            if whole is not None:
                conditions.append(Member.phone_e164 == whole)
            conditions.append(starts_with(Member.phone_e164, "+" + digits))
            if not typed.startswith("+") and not digits.startswith("86"):
                conditions.append(starts_with(Member.phone_e164, "+86" + digits.lstrip("0")))
    return conditions


def text_condition(typed: str) -> ColumnElement[bool] | None:
    branches = text_branches(typed)
    return or_(*branches) if branches else None


def _bought_since(since: datetime) -> Select[Any]:
    return select(Purchase.member_id).where(Purchase.purchased_at >= since)


def _last_purchase() -> Any:
    return (
        select(func.max(Purchase.purchased_at))
        .where(Purchase.member_id == Member.id)
        .correlate(Member)
        .scalar_subquery()
    )


def _unindexed(column: Any) -> Any:
    """`column`, as an expression no index answers: when something is typed, the matches come
    from the search's indexes (a union of ranges) and are then sorted. Left bare, SQLite would
    walk the whole index of the sort column instead, checking every member."""
    return func.coalesce(column, column)


def _order(filters: MemberFilters) -> list[Any]:
    if filters.text:
        if filters.sort == "joined" and filters.descending:
            # What was typed is best read in name order, unless another order was chosen.
            return [_unindexed(Member.search_name), _unindexed(Member.id)]
        return _directed([_unindexed(column) for column in _sort_columns(filters)], filters)
    return _directed(_sort_columns(filters), filters)


def _directed(columns: list[Any], filters: MemberFilters) -> list[Any]:
    directed = [column.desc() if filters.descending else column.asc() for column in columns]
    if filters.sort == "last_purchase":
        # Members who never bought come last either way (PostgreSQL puts NULL first in a
        # descending order otherwise). The other sort columns are never NULL, and keep their
        # index order.
        directed[0] = directed[0].nulls_last()
    return directed


def _sort_columns(filters: MemberFilters) -> list[Any]:
    column: Any = {
        "name": Member.search_name,
        "joined": Member.created_at,
        "points": Member.points_balance,
        "last_purchase": _last_purchase(),
    }[filters.sort]
    return [column, Member.id]


def search_members(
    filters: MemberFilters | str = "",
    *,
    page: int = 1,
    size: int = PAGE_SIZE,
    now: datetime | None = None,
) -> MemberSearch:
    """The members matching `filters`, a page of them in the chosen order (newest members
    first by default; name order when something is typed)."""
    if isinstance(filters, str):
        filters = MemberFilters(text=filters)
    filters = filters.normalised()
    now = now or utcnow()
    page = max(1, min(page, MAX_PAGE))
    conditions: list[ColumnElement[bool]] = []
    if filters.tier:
        conditions.append(Member.tier_code == filters.tier)
    if filters.store:
        conditions.append(
            Member.id.in_(select(Purchase.member_id).where(Purchase.store == filters.store))
        )
    if filters.joined_from:
        conditions.append(Member.created_at >= local_day_start(filters.joined_from))
    if filters.joined_to:
        conditions.append(
            Member.created_at < local_day_start(filters.joined_to + timedelta(days=1))
        )
    if filters.active:
        recent = _bought_since(now - timedelta(days=filters.active_days))
        conditions.append(
            Member.id.in_(recent) if filters.active == "yes" else Member.id.not_in(recent)
        )
    if filters.segment in SEGMENT_GROUPS:
        # The group of the last segment refresh (run-jobs); an unknown code is ignored.
        conditions.append(
            Member.id.in_(
                select(MemberSegment.member_id).where(MemberSegment.group_code == filters.segment)
            )
        )
    order = _order(filters)
    wanted = page * size + 1
    query = select(Member).where(*conditions)
    branches = text_branches(filters.text)
    if branches:
        # One query per index (the name's, the email's, the card's, the phone's), each taking
        # its first `wanted` members in the page's order; the page is cut from their union.
        # A single OR over the indexes leaves the plan to estimates that, at 100,000 members,
        # choose to read every member.
        firsts = [
            select(Member.id).where(branch, *conditions).order_by(*order).limit(wanted).subquery()
            for branch in branches
        ]
        matching = union(*[select(first.c.id) for first in firsts]).subquery()
        query = select(Member).where(Member.id.in_(select(matching.c.id)))
    query = query.order_by(*order).offset((page - 1) * size).limit(size + 1)
    rows = list(db.session.scalars(query))
    members = rows[:size]
    last_purchases: dict[int, datetime] = {}
    if members:
        rows_by_member = db.session.execute(
            select(Purchase.member_id, type_coerce(func.max(Purchase.purchased_at), UTCDateTime))
            .where(Purchase.member_id.in_([m.id for m in members]))
            .group_by(Purchase.member_id)
        )
        last_purchases = {member_id: moment for member_id, moment in rows_by_member}
    return MemberSearch(members, page, len(rows) > size, filters, last_purchases)


# A loose index scan over purchases' (store, member_id) index: one index seek per store,
# however many purchases there are.
_STORES = text(
    """
    WITH RECURSIVE stores(store) AS (
        SELECT MIN(store) FROM purchases WHERE store > ''
        UNION ALL
        SELECT (SELECT MIN(store) FROM purchases WHERE store > stores.store)
        FROM stores WHERE stores.store IS NOT NULL
    )
    SELECT store FROM stores WHERE store IS NOT NULL LIMIT 200
    """
)


def purchase_stores() -> list[str]:
    """The stores members have bought in (the filter's choices)."""
    return [row[0] for row in db.session.execute(_STORES)]
