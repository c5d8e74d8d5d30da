"""The services' reason codes in words, with the numbers and dates they carry, in the reader's
language: a changed setting or record changes the sentence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.web.formatting import local_date, points
from portal.web.localized import tier_name

if TYPE_CHECKING:
    from portal.services.programme.refusals import Refused
    from portal.services.rewards.redemption import Reason


def reason_text(reason: Reason) -> str:
    """Why a member cannot redeem a reward (services/rewards/redemption.py's `Reason`)."""
    values = reason.values
    code = reason.code
    if code == "inactive":
        return _("This reward is no longer offered.")
    if code == "not_started":
        return _("This reward can be redeemed from %(date)s.", date=local_date(values["date"]))
    if code == "ended":
        return _("This reward has ended.")
    if code == "below_tier":
        return _("This reward is for %(tier)s members and above.", tier=tier_name(values["tier"]))
    if code == "limit_reached":
        return ngettext(
            "You have already redeemed this reward the most times allowed (%(num)d).",
            "You have already redeemed this reward the most times allowed (%(num)d).",
            values["limit"],
        )
    if code == "out_of_stock":
        return _("This reward is out of stock.")
    if code == "negative_balance":
        return _(
            "Your balance is below zero (%(balance)s points) after a return, so rewards "
            "cannot be redeemed until it is positive again.",
            balance=points(values["balance"]),
        )
    if code == "not_enough_points":
        return _("You need %(short)s more points.", short=points(values["short"]))
    return _("This reward cannot be redeemed now.")


def voucher_refusal_text(refusal: Refused) -> str:
    """Why staff cannot fulfil or cancel a voucher (services/rewards/vouchers.py)."""
    day = local_date(refusal.values.get("date"))
    if refusal.code == "fulfilled":
        return _("This voucher was already used on %(date)s.", date=day)
    if refusal.code == "cancelled":
        return _("This voucher was cancelled on %(date)s.", date=day)
    if refusal.code == "expired":
        return _("This voucher expired on %(date)s.", date=day)
    return _("This voucher cannot be used now.")


def install_wording(app: Flask) -> None:
    app.jinja_env.filters.update(reason_text=reason_text)


def passkey_refusal_text(code: str) -> str:
    """Why a passkey was not accepted (services/members/passkeys.py's refusal codes)."""
    if code == "passkey_expired":
        return _("That took too long. Please try again.")
    if code == "passkey_unknown":
        return _(
            "We do not know this passkey. Sign in with your password, then add the passkey on "
            "your account page."
        )
    if code == "passkey_taken":
        return _("This passkey is already added to an account.")
    return _("We could not check this passkey. Please try again, or sign in with your password.")
