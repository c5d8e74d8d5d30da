"""Members, staff, their signed-in sessions and their passkeys."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.clock import utcnow
from portal.models.base import Model, UTCDateTime
from portal.phones import e164

if TYPE_CHECKING:
    from portal.models.programme import Tier

ROLES = ("member", "staff", "admin")


class Member(UserMixin, Model):
    """A person with an account: a customer, or staff (who may also collect points)."""

    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint("role IN ('member', 'staff', 'admin')", name="role_known"),
        Index("ix_members_created_at", "created_at"),
        Index("ix_members_points_balance", "points_balance"),
        # Members joined in a period, and members by tier (the KPI dashboard).
        Index("ix_members_role_created", "role", "created_at"),
        Index("ix_members_role_tier", "role", "tier_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(String(100))
    # The name lower-cased, kept with it: staff search by the start of a name in any case.
    search_name: Mapped[str] = mapped_column(String(100), default="", server_default="", index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32), unique=True)
    # The phone as E.164 (+8613800138000), whatever way it was typed: what staff search by.
    phone_e164: Mapped[str | None] = mapped_column(String(20), index=True)
    birthday: Mapped[date | None] = mapped_column(Date)
    # For deliveries from the online shop; compared with a referrer's for the referral checks.
    delivery_address: Mapped[str | None] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(10), default="member", server_default="member")
    card_number: Mapped[str] = mapped_column(String(12), unique=True)
    referral_code: Mapped[str] = mapped_column(String(12), unique=True)
    referred_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    locale: Mapped[str | None] = mapped_column(String(10))
    marketing_opt_in: Mapped[bool] = mapped_column(default=False, server_default="0")
    # When the member opted in to marketing, and the sentence they agreed to (kept as shown).
    marketing_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    marketing_consent_wording: Mapped[str | None] = mapped_column(Text)
    channel_email: Mapped[bool] = mapped_column(default=True, server_default=true())
    channel_in_app: Mapped[bool] = mapped_column(default=True, server_default=true())
    personalised_suggestions: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Set when the member asked not to be phoned; no call list includes them from then on.
    do_not_call_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    terms_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pending_email: Mapped[str | None] = mapped_column(String(254))
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Staff blocked signing in (the account stays open: points, purchases at the till).
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    blocked_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Points and tier: stored here and changed in the same transaction as the ledger entry
    # that explains them (services/ledger.py), so pages read them without summing the ledger.
    points_balance: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    tier_code: Mapped[str] = mapped_column(
        ForeignKey("tiers.code", ondelete="RESTRICT"), default="member", server_default="member"
    )
    tier_reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tier_kept_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An admin's override: the tier holds, neither raised nor lowered, until this moment.
    tier_override_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tier: Mapped[Tier] = relationship(lazy="joined", innerjoin=True)
    referred_by: Mapped[Member | None] = relationship(remote_side=[id])
    special_dates: Mapped[list[SpecialDate]] = relationship(
        back_populates="member", cascade="all, delete-orphan", order_by="SpecialDate.id"
    )

    def __repr__(self) -> str:
        return f"<Member {self.id}>"

    @validates("name")
    def _keep_search_name(self, _key: str, value: str) -> str:
        self.search_name = (value or "").lower()
        return value

    @validates("phone")
    def _keep_phone_e164(self, _key: str, value: str | None) -> str | None:
        self.phone_e164 = e164(value)
        return value

    @property
    def is_staff(self) -> bool:
        return self.role in ("staff", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated account cannot sign in
        return self.deactivated_at is None

    @property
    def is_blocked(self) -> bool:
        return self.blocked_at is not None

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.name

    @property
    def card_number_display(self) -> str:
        n = self.card_number
        return " ".join(n[i : i + 4] for i in range(0, len(n), 4))


class SpecialDate(Model):
    """A date the member wants remembered each year (an anniversary), with an optional label.
    Kept as month and day: 29 February falls on 28 February in a year without it."""

    __tablename__ = "member_special_dates"
    __table_args__ = (
        CheckConstraint("month BETWEEN 1 AND 12", name="month_known"),
        CheckConstraint("day BETWEEN 1 AND 31", name="day_known"),
        Index("ix_member_special_dates_month_day", "month", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    month: Mapped[int] = mapped_column()
    day: Mapped[int] = mapped_column()
    label: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship(back_populates="special_dates")

    def __repr__(self) -> str:
        return f"<SpecialDate {self.id} of member {self.member_id}>"


class LoginSession(Model):
    """A signed-in browser. The cookie holds only a random token whose hash is stored here, so
    signing out (or changing the password) ends the session on the server: a copied old cookie
    stops working."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_agent: Mapped[str | None] = mapped_column(String(200))
    # Where it was last used from (the visitor's address, behind the trusted proxies).
    ip_address: Mapped[str | None] = mapped_column(String(45))
    sign_in_method: Mapped[str] = mapped_column(
        String(10), default="password", server_default="password"
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship(lazy="joined", innerjoin=True)


class Passkey(Model):
    """A WebAuthn credential a member signs in with instead of a password: the phone's Face ID,
    fingerprint or screen lock, or a security key. Only its public key is stored."""

    __tablename__ = "passkeys"
    __table_args__ = (CheckConstraint("sign_count >= 0", name="sign_count_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1023), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    # The authenticator's signature counter: a counter that does not move forward is a clone.
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # The member's WebAuthn user handle (random, the same for all their passkeys).
    user_handle: Mapped[bytes] = mapped_column(LargeBinary(64))
    transports: Mapped[list | None] = mapped_column(JSON)
    name: Mapped[str] = mapped_column(String(60))
    backed_up: Mapped[bool] = mapped_column(default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship()

    def __repr__(self) -> str:
        return f"<Passkey {self.id} of member {self.member_id}>"
