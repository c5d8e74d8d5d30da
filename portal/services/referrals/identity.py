"""People compared the way the self-referral rules need: one email written several ways, one
phone number with or without +86 and spaces, one delivery address with other spacing."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

from portal.models import Member

# Addresses whose provider ignores dots in the local part (Gmail-style).
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
DEFAULT_PHONE_REGION = "CN"  # a number without a country code is a mainland one (+86)


def email_identity(email: str | None) -> str:
    """The mailbox behind an address: lower-cased, without a `+tag`, without the dots of a
    Gmail-style local part ("Lin.Mei+club@gmail.com" is "linmei@gmail.com")."""
    address = (email or "").strip().lower()
    local, at, domain = address.rpartition("@")
    if not at:
        return address
    local = local.split("+", 1)[0]
    domain = DOTLESS_DOMAINS.get(domain, domain)
    if domain == "gmail.com":
        local = local.replace(".", "")
    return f"{local}@{domain}"


def phone_identity(phone: str | None) -> str | None:
    """The number in E.164 (+8613800138000), read by the phonenumbers library with mainland
    China as the default region; digits only when it cannot read it."""
    if not phone or not phone.strip():
        return None
    try:
        number = phonenumbers.parse(phone, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        digits = re.sub(r"\D", "", phone)
        return digits or None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def address_identity(address: str | None) -> str | None:
    """An address without case, spacing or punctuation, so "8 Huaihai Rd., Apt 5" and
    "8 huaihai rd apt 5" compare equal."""
    if not address:
        return None
    text = unicodedata.normalize("NFKC", address).casefold()
    kept = "".join(char for char in text if char.isalnum())
    return kept or None


def self_referral_match(referrer: Member, friend: Member) -> str | None:
    """Why the friend is the referrer themselves: "card", "email" or "phone"; None when not."""
    if friend.id == referrer.id or friend.card_number == referrer.card_number:
        return "card"
    if email_identity(friend.email) == email_identity(referrer.email):
        return "email"
    friend_phone = phone_identity(friend.phone)
    if friend_phone and friend_phone == phone_identity(referrer.phone):
        return "phone"
    return None


def short_name(member: Member) -> str:
    """How a friend is shown to the member who referred them: first name and initial
    ("Wang F."); a name written without spaces keeps its first character ("王*")."""
    words = (member.name or "").split()
    if not words:
        return ""
    if len(words) == 1:
        word = words[0]
        if len(word) > 1 and not word.isascii():
            return word[0] + "*" * (len(word) - 1)
        return word
    return f"{words[0]} {words[-1][0]}."
