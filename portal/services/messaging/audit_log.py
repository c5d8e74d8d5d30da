"""Reading the audit log: newest first, narrowed by actor, member, action and local dates, in
pages of PAGE_SIZE by keyset on (created_at, id).

A page is one indexed range scan whatever its depth (no OFFSET): the cursor is the last row
shown, and the next page starts below it. Each narrowing has its composite index
(portal/models/audit.py), so a page answers in the same time at a thousand rows or a million.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, tuple_
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import AuditEntry, Member
from portal.services.programme.local_time import local_day_start

PAGE_SIZE = 50


@dataclass(frozen=True)
class Cursor:
    """The last row of a page: the next page holds the rows before it."""

    created_at: datetime
    id: int

    def token(self) -> str:
        micros = round(self.created_at.timestamp() * 1_000_000)
        return f"{micros}.{self.id}"

    @classmethod
    def parse(cls, token: str | None) -> Cursor | None:
        """The cursor in a page link, or None for a malformed one (the first page)."""
        if not token or len(token) > 40:
            return None
        micros, _, row_id = token.partition(".")
        if not (micros.isdigit() and row_id.isdigit()):
            return None
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(micros))
        return cls(created_at=moment, id=int(row_id))


@dataclass(frozen=True)
class AuditQuery:
    actor: Member | None = None
    member: Member | None = None
    action: str | None = None
    # Local dates in the programme's zone, both days included.
    start: date | None = None
    end: date | None = None


@dataclass
class AuditPage:
    entries: list[AuditEntry]
    members: dict[int, Member]  # the members concerned, by id
    next_cursor: Cursor | None


def find_person(typed: str) -> Member | None:
    """The account a search names: its number (id), its email or its card number, closed
    accounts included (the log tells about them too)."""
    typed = typed.strip()
    if not typed:
        return None
    if "@" in typed:
        return db.session.scalar(select(Member).where(Member.email == typed.lower()))
    compact = typed.replace(" ", "").replace("-", "")
    if compact.isdigit() and len(compact) <= 9:
        return db.session.get(Member, int(compact))
    number = compact  # card numbers are read without spaces or dashes
    return db.session.scalar(select(Member).where(Member.card_number == number))


def audit_page(
    query: AuditQuery, *, after: Cursor | None = None, limit: int = PAGE_SIZE
) -> AuditPage:
    """One page of the log for `query`, newest first, below `after` when given."""
    statement = select(AuditEntry).options(selectinload(AuditEntry.actor))
    if query.actor is not None:
        statement = statement.where(AuditEntry.actor_id == query.actor.id)
    if query.member is not None:
        statement = statement.where(AuditEntry.member_id == query.member.id)
    if query.action:
        statement = statement.where(AuditEntry.action == query.action)
    if query.start is not None:
        statement = statement.where(AuditEntry.created_at >= local_day_start(query.start))
    if query.end is not None:
        statement = statement.where(
            AuditEntry.created_at < local_day_start(query.end + timedelta(days=1))
        )
    if after is not None:
        statement = statement.where(
            tuple_(AuditEntry.created_at, AuditEntry.id) < tuple_(after.created_at, after.id)
        )
    statement = statement.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(
        limit + 1
    )
    rows = list(db.session.scalars(statement))
    entries = rows[:limit]
    member_ids = {entry.member_id for entry in entries if entry.member_id is not None}
    members = (
        {m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_(member_ids)))}
        if member_ids
        else {}
    )
    last = entries[-1] if len(rows) > limit else None
    return AuditPage(
        entries=entries,
        members=members,
        next_cursor=Cursor(last.created_at, last.id) if last is not None else None,
    )
