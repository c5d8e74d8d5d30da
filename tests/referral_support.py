"""Helpers for the referral tests: a friend attributed through the real rules."""

from __future__ import annotations

from portal.extensions import db
from portal.models import LedgerEntry, Referral
from portal.services.referrals.attribution import Visitor, attribute_friend


def refer(friend, referrer, *, channel="link", ip=None, device=None) -> Referral:
    referral = attribute_friend(
        friend, referrer, channel=channel, visitor=Visitor(ip=ip, device=device)
    )
    db.session.commit()
    return referral


def fresh(referral: Referral) -> Referral:
    db.session.expire_all()
    return db.session.get(Referral, referral.id)


def bonus_entries(referral: Referral) -> list[LedgerEntry]:
    return list(
        db.session.scalars(
            db.select(LedgerEntry)
            .where(LedgerEntry.referral_id == referral.id)
            .order_by(LedgerEntry.id)
        )
    )
