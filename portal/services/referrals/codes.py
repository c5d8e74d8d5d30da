"""Referral codes as people type them: eight characters of an alphabet without look-alikes,
read without spaces or dashes and in any case."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import Member
from portal.services.members.cards import REFERRAL_ALPHABET

CODE_LENGTH = 8
_SEPARATORS = re.compile(r"[\s\-_.·]+")


def normalise_code(text: str | None) -> str:
    """ "  abcd efgh " and "ABCD-EFGH" are both "ABCDEFGH"."""
    return _SEPARATORS.sub("", text or "").upper()


def is_well_formed(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(char in REFERRAL_ALPHABET for char in code)


def member_with_code(code: str | None) -> Member | None:
    """The member whose code this is (open or closed account), or None."""
    code = normalise_code(code)
    if not is_well_formed(code):
        return None
    return db.session.scalar(select(Member).where(Member.referral_code == code))


def find_referrer(code: str | None) -> Member | None:
    """The member who can refer with this code: it is well formed, known, and the account is
    open. None otherwise (the pages say the same for unknown and closed)."""
    member = member_with_code(code)
    if member is None or member.deactivated_at is not None:
        return None
    return member
