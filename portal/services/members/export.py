"""A member's own data, as a document they can download and keep (the right of access).

Everything the programme holds about the member and nothing about anyone else: every query
here is filtered by the member's id. Money is a string in major units beside its currency
("1234.50", "CNY"); times are ISO 8601 in UTC; dates (a birthday) are ISO 8601 dates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.clock import utcnow
from portal.extensions import db
from portal.models import (
    EventRsvp,
    LedgerEntry,
    LoginSession,
    Member,
    Notification,
    Passkey,
    Purchase,
    Redemption,
    TierChange,
)
from portal.services.messaging.audit import record_audit
from portal.services.programme.money import minor_to_decimal
from portal.services.programme.settings import programme_settings

FORMAT_VERSION = 1


def iso_utc(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def iso_date(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def money_text(amount_minor: int, currency: str) -> str:
    """12345 fen -> "123.45": exact, without a currency sign or grouping."""
    return str(minor_to_decimal(amount_minor, currency))


def _profile(member: Member) -> dict:
    return {
        "name": member.name,
        "email": member.email,
        "email_verified_at": iso_utc(member.email_verified_at),
        "pending_email": member.pending_email,
        "phone": member.phone,
        "delivery_address": member.delivery_address,
        "birthday": iso_date(member.birthday),
        "card_number": member.card_number,
        "referral_code": member.referral_code,
        "language": member.locale,
        "marketing_opt_in": member.marketing_opt_in,
        "terms_accepted_at": iso_utc(member.terms_accepted_at),
        "password_changed_at": iso_utc(member.password_changed_at),
        "joined_at": iso_utc(member.created_at),
    }


def _communication(member: Member) -> dict:
    return {
        "channel_email": member.channel_email,
        "channel_in_app": member.channel_in_app,
        "language": member.locale,
        "marketing_opt_in": member.marketing_opt_in,
        "marketing_consent_at": iso_utc(member.marketing_consent_at),
        "marketing_consent_wording": member.marketing_consent_wording,
        "personalised_suggestions": member.personalised_suggestions,
        "do_not_call_since": iso_utc(member.do_not_call_at),
        "special_dates": [
            {"month": d.month, "day": d.day, "label": d.label} for d in member.special_dates
        ],
    }


def _tier(member: Member) -> dict:
    changes = db.session.scalars(
        select(TierChange).where(TierChange.member_id == member.id).order_by(TierChange.id)
    )
    return {
        "code": member.tier_code,
        "name": member.tier.name,
        "reached_at": iso_utc(member.tier_reached_at),
        "kept_until": iso_utc(member.tier_kept_until),
        "history": [
            {
                "date": iso_utc(change.created_at),
                "from": change.from_tier,
                "to": change.to_tier,
                "reason": change.reason,
                "kept_until": iso_utc(change.kept_until),
                "note": change.note,
            }
            for change in changes
        ],
    }


def _ledger(member: Member) -> list[dict]:
    entries = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.member_id == member.id).order_by(LedgerEntry.id)
    )
    return [
        {
            "date": iso_utc(entry.created_at),
            "kind": entry.kind,
            "points": entry.points,
            "balance_after": entry.balance_after,
            "reason": entry.reason,
            "expires_at": iso_utc(entry.expires_at),
            "unspent": entry.remaining,
            "purchase_id": entry.purchase_id,
            "redemption_id": entry.redemption_id,
        }
        for entry in entries
    ]


def _purchases(member: Member) -> list[dict]:
    purchases = db.session.scalars(
        select(Purchase)
        .where(Purchase.member_id == member.id)
        .options(selectinload(Purchase.items), selectinload(Purchase.returns))
        .order_by(Purchase.purchased_at, Purchase.id)
    )
    return [
        {
            "id": purchase.id,
            "receipt_no": purchase.receipt_no,
            "store": purchase.store,
            "purchased_at": iso_utc(purchase.purchased_at),
            "currency": purchase.currency,
            "amount": money_text(purchase.amount, purchase.currency),
            "returned_amount": money_text(purchase.returned_amount, purchase.currency),
            "points_awarded": purchase.points_awarded,
            "points_reversed": purchase.points_reversed,
            "items": [
                {
                    "sku": item.sku,
                    "name": item.name,
                    "quantity": item.quantity,
                    "unit_price": money_text(item.unit_price, purchase.currency),
                }
                for item in purchase.items
            ],
            "returns": [
                {
                    "date": iso_utc(ret.created_at),
                    "amount": money_text(ret.amount, purchase.currency),
                    "points_reversed": ret.points_reversed,
                    "reason": ret.reason,
                }
                for ret in purchase.returns
            ],
        }
        for purchase in purchases
    ]


def _vouchers(member: Member) -> list[dict]:
    redemptions = db.session.scalars(
        select(Redemption).where(Redemption.member_id == member.id).order_by(Redemption.id)
    )
    return [
        {
            "code": redemption.voucher_code_display,
            "reward": redemption.reward.name,
            "points_spent": redemption.points_spent,
            "status": redemption.status,
            "issued_at": iso_utc(redemption.created_at),
            "valid_until": iso_utc(redemption.valid_until),
            "fulfilled_at": iso_utc(redemption.fulfilled_at),
            "cancelled_at": iso_utc(redemption.cancelled_at),
            "expired_at": iso_utc(redemption.expired_at),
        }
        for redemption in redemptions
    ]


def _event_answers(member: Member) -> list[dict]:
    answers = db.session.scalars(
        select(EventRsvp).where(EventRsvp.member_id == member.id).order_by(EventRsvp.id)
    )
    return [
        {
            "event": answer.event.title,
            "starts_at": iso_utc(answer.event.starts_at),
            "status": answer.status,
            "guests": answer.guests,
            "answered_at": iso_utc(answer.created_at),
            "cancelled_at": iso_utc(answer.cancelled_at),
            "checked_in_at": iso_utc(answer.checked_in_at),
        }
        for answer in answers
    ]


def _notifications(member: Member) -> list[dict]:
    notices = db.session.scalars(
        select(Notification).where(Notification.member_id == member.id).order_by(Notification.id)
    )
    return [
        {
            "date": iso_utc(notice.created_at),
            "kind": notice.kind,
            "title": notice.title,
            "body": notice.body,
            "read_at": iso_utc(notice.read_at),
        }
        for notice in notices
    ]


def _sign_in(member: Member) -> dict:
    """Where the member is signed in (browser, address, times) and their passkeys (names and
    dates; a passkey's public key is of no use to anyone but the portal)."""
    sessions = db.session.scalars(
        select(LoginSession)
        .where(LoginSession.member_id == member.id)
        .order_by(LoginSession.created_at)
    )
    passkeys = db.session.scalars(
        select(Passkey).where(Passkey.member_id == member.id).order_by(Passkey.created_at)
    )
    return {
        "sessions": [
            {
                "browser": s.user_agent,
                "address": s.ip_address,
                "method": s.sign_in_method,
                "signed_in_at": iso_utc(s.created_at),
                "last_used_at": iso_utc(s.last_seen_at),
                "ended_at": iso_utc(s.revoked_at),
            }
            for s in sessions
        ],
        "passkeys": [
            {
                "name": p.name,
                "added_at": iso_utc(p.created_at),
                "last_used_at": iso_utc(p.last_used_at),
            }
            for p in passkeys
        ],
    }


def export_member_data(member: Member, *, now: datetime | None = None) -> dict:
    """Everything the programme holds about `member`, ready for json.dumps (the download is
    written to the audit log)."""
    record_audit("account.export", actor=member, target=member)
    return {
        "format_version": FORMAT_VERSION,
        "exported_at": iso_utc(now or utcnow()),
        "programme": programme_settings().programme_name,
        "profile": _profile(member),
        "communication": _communication(member),
        "tier": _tier(member),
        "points": {"balance": member.points_balance, "ledger": _ledger(member)},
        "purchases": _purchases(member),
        "vouchers": _vouchers(member),
        "events": _event_answers(member),
        "notifications": _notifications(member),
        "sign_in": _sign_in(member),
    }
