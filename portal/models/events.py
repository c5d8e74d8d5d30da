"""Members-only events and the parties (a member and their guests) who answered them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.models.base import BigId, Model, UTCDateTime

if TYPE_CHECKING:
    from portal.models.members import Member
    from portal.models.programme import Tier

EVENT_KINDS = ("salon", "launch", "trend_show", "private_sale", "workshop")
EVENT_STATUSES = ("scheduled", "cancelled")
# confirmed: has a place; waitlisted: waits in arrival order; checked_in: came (with guests);
# no_show: confirmed but not checked in by the end; cancelled: gave the place up.
RSVP_STATUSES = ("confirmed", "waitlisted", "checked_in", "no_show", "cancelled")
# The parties that hold places: counted against the capacity.
HOLDING_PLACES = ("confirmed", "checked_in")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Event(Model):
    """A salon, launch, trend show, private sale or workshop. `capacity` counts people (members
    and their guests); `sequence` rises on every change, for the calendar file."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("max_guests >= 0", name="max_guests_not_negative"),
        CheckConstraint("attendance_points >= 0", name="points_not_negative"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("rsvp_deadline <= starts_at", name="deadline_before_start"),
        CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        CheckConstraint(_one_of("kind", EVENT_KINDS), name="kind_known"),
        CheckConstraint(_one_of("status", EVENT_STATUSES), name="status_known"),
        Index("ix_events_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="salon")
    title: Mapped[str] = mapped_column(String(120))
    title_zh: Mapped[str | None] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    description_zh: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(200))
    location_zh: Mapped[str | None] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rsvp_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    max_guests: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    min_tier: Mapped[str | None] = mapped_column(ForeignKey("tiers.code", ondelete="RESTRICT"))
    attendance_points: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(10), default="scheduled", server_default="scheduled")
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    tier: Mapped[Tier | None] = relationship(lazy="joined")

    @property
    def is_cancelled(self) -> bool:
        return self.status == "cancelled"

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.title!r}>"


class EventRsvp(Model):
    """A member's answer to an event: their party is `1 + guests` people. One row per member
    and event; answering again after a cancellation reuses it. `queued_at` is the party's
    arrival on the waitlist, which orders it."""

    __tablename__ = "event_rsvps"
    __table_args__ = (
        CheckConstraint("guests >= 0", name="guests_not_negative"),
        CheckConstraint("guests_admitted IS NULL OR guests_admitted >= 0", name="admitted_ok"),
        CheckConstraint(_one_of("status", RSVP_STATUSES), name="status_known"),
        CheckConstraint(
            "(status = 'checked_in') = (checked_in_at IS NOT NULL)", name="checked_in_has_time"
        ),
        UniqueConstraint("event_id", "member_id"),
        Index("ix_event_rsvps_queue", "event_id", "status", "queued_at", "id"),
        Index("ix_event_rsvps_member", "member_id", "event_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="RESTRICT"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    guests: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12))
    walk_in: Mapped[bool] = mapped_column(default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    guests_admitted: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship(lazy="joined", innerjoin=True)
    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    checked_in_by: Mapped[Member | None] = relationship(foreign_keys=[checked_in_by_id])
    cancelled_by: Mapped[Member | None] = relationship(foreign_keys=[cancelled_by_id])

    @property
    def party_size(self) -> int:
        return 1 + self.guests

    @property
    def is_active(self) -> bool:
        return self.status in ("confirmed", "waitlisted", "checked_in")

    def __repr__(self) -> str:
        return f"<EventRsvp {self.id} {self.status} +{self.guests}>"
