"""The services' reason codes in words, with the numbers and dates they carry, in the reader's
language: a changed setting or record changes the sentence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask
from flask_babel import format_time, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.services.programme.settings import programme_settings
from portal.services.referrals.notices import minimum_purchase_minor
from portal.web.formatting import local_date, money_whole, points
from portal.web.localized import localized, tier_name

if TYPE_CHECKING:
    from portal.models import EventRsvp
    from portal.services.programme.refusals import Refused
    from portal.services.referrals.overview import ReferralLine
    from portal.services.rewards.redemption import Reason
    from portal.services.rewards.suggestions import Suggestion


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


# -- referrals (services/referrals) ----------------------------------------------------------


def referral_reason_text(code: str | None) -> str:
    """Why a referral earns nothing (Referral.reason)."""
    if code == "self_referral":
        return _("an invitation cannot be used on one's own account")
    if code == "existing_account":
        return _("already a member before the invitation")
    if code == "window_passed":
        return ngettext(
            "no purchase of %(amount)s or more within %(num)d day of joining",
            "no purchase of %(amount)s or more within %(num)d days of joining",
            programme_settings().referral_window_days,
            amount=money_whole(minimum_purchase_minor()),
        )
    if code == "purchase_returned":
        return _("the qualifying purchase was returned")
    if code == "rejected":
        return _("not approved after a check by our staff")
    return _("this referral does not earn a bonus")


def hold_reason_text(code: str) -> str:
    """Why a referral waits for staff review (Referral.hold_reasons)."""
    return str(
        {
            "same_ip": _l("several friends joined from the same internet address within a day"),
            "same_device": _l("several friends joined from the same device within a day"),
            "same_phone": _l("the friend's phone number is the referrer's"),
            "same_delivery_address": _l("the friend's delivery address is the referrer's"),
            "same_email": _l("the friend's email address is the referrer's"),
        }.get(code, _l("it needs a check by our staff"))
    )


def referral_status_text(line: ReferralLine) -> str:
    """Where a referral stands, for one of its members (services/referrals/overview.py's
    ReferralLine): the dates, points and reasons it carries."""
    amount = money_whole(minimum_purchase_minor())
    status = line.status
    if line.role == "friend":
        if status == "joined":
            return _(
                "Make a first purchase of %(amount)s or more by %(date)s and you receive "
                "%(points)s welcome points.",
                amount=amount,
                date=local_date(line.deadline, "long"),
                points=points(programme_settings().referral_friend_points),
            )
        if status == "pending":
            return _(
                "Your %(points)s welcome points are pending until %(date)s, when your purchase "
                "can no longer be returned.",
                points=points(line.points),
                date=local_date(line.release_on, "long"),
            )
        if status == "rewarded":
            return _(
                "Your %(points)s welcome points were added on %(date)s.",
                points=points(line.points),
                date=local_date(line.paid_on, "long"),
            )
        if status == "held":
            return _("Your welcome bonus is being checked by our staff.")
        return _("No welcome bonus: %(reason)s.", reason=referral_reason_text(line.reason))
    if status == "joined":
        text = _(
            "Joined on %(joined)s. Waiting for a first purchase of %(amount)s or more by %(date)s.",
            joined=local_date(line.joined_on),
            amount=amount,
            date=local_date(line.deadline, "long"),
        )
        if line.reason == "purchase_returned":
            text = _("Their first purchase was returned.") + " " + text
        return text
    if status == "pending":
        return _(
            "Bonus of %(points)s points pending until %(date)s.",
            points=points(line.points),
            date=local_date(line.release_on, "long"),
        )
    if status == "capped":
        return _(
            "Waiting for next month (this month's limit is reached): %(points)s points from "
            "%(date)s.",
            points=points(line.points),
            date=local_date(line.next_month, "long"),
        )
    if status == "rewarded":
        return _(
            "Rewarded: +%(points)s points on %(date)s.",
            points=points(line.points),
            date=local_date(line.paid_on, "long"),
        )
    if status == "held":
        reasons = "; ".join(hold_reason_text(code) for code in line.hold_reasons)
        return _("Held for review: %(reasons)s.", reasons=reasons or hold_reason_text(""))
    return _("Not eligible: %(reason)s.", reason=referral_reason_text(line.reason))


def event_refusal_text(refusal: Refused) -> str:
    """Why a member (or staff) cannot do this at an event now (services/events)."""
    values, code = refusal.values, refusal.code
    if code in ("cancelled", "event_cancelled"):
        return _("This event has been cancelled.")
    if code == "started":
        return _("This event has already started, so answers can no longer change.")
    if code == "deadline_passed":
        return _(
            "Answers closed on %(date)s at %(time)s.",
            date=local_date(values["date"]),
            time=format_time(values["date"], "short"),
        )
    if code == "below_tier":
        return _("This event is for %(tier)s members and above.", tier=tier_name(values["tier"]))
    if code == "already_answered":
        if values.get("status") == "waitlisted":
            return _("You are already on the waitlist with this number of guests.")
        return _("You already have a place with this number of guests.")
    if code == "checked_in":
        return _("You have been checked in at this event.")
    if code in ("ended", "no_show"):
        return _("This event is over.")
    if code == "not_answered":
        return _("You have not answered this event.")
    if code == "already_cancelled":
        return _("You already cancelled your answer.")
    if code == "party_not_open":
        return _("This party is not confirmed or waiting, so it cannot be cancelled.")
    if code == "no_places_left":
        return (
            ngettext(
                "Only %(num)d place is left: not enough for this party.",
                "Only %(num)d places are left: not enough for this party.",
                values.get("left", 0),
            )
            if values.get("left")
            else _("No places are left.")
        )
    if code == "door_not_open":
        return _(
            "Check-in opens on %(date)s at %(time)s.",
            date=local_date(values["date"]),
            time=format_time(values["date"], "short"),
        )
    if code == "not_checked_in":
        return _("This member is not checked in, so there is nothing to undo.")
    if code == "guests_out_of_range":
        return _("You may bring from 0 to %(max)d guests.", max=values["max"])
    if code == "capacity_below_taken":
        return _(
            "%(taken)s places are already taken, so the capacity cannot be lowered to "
            "%(capacity)s. Cancel parties first, or keep at least %(taken)s.",
            taken=points(values["taken"]),
            capacity=points(values["capacity"]),
        )
    return _("This cannot be done at this event now.")


def party_status_text(rsvp: EventRsvp | None, position: int | None = None) -> str:
    """The member's answer in words: Confirmed with N guests, Waitlist position K, ..."""
    if rsvp is None:
        return _("Not answered")
    if rsvp.status == "confirmed":
        if rsvp.guests:
            return ngettext(
                "Confirmed with %(num)d guest", "Confirmed with %(num)d guests", rsvp.guests
            )
        return _("Confirmed")
    if rsvp.status == "waitlisted":
        if position:
            return _("Waitlist position %(position)d", position=position)
        return _("On the waitlist")
    if rsvp.status == "checked_in":
        if rsvp.guests_admitted:
            return ngettext(
                "Checked in with %(num)d guest",
                "Checked in with %(num)d guests",
                rsvp.guests_admitted,
            )
        return _("Checked in")
    if rsvp.status == "no_show":
        return _("No-show")
    return _("Cancelled")


def suggestion_reasons(suggestion: Suggestion) -> list[str]:
    """Why a reward is among the member's "Rewards for you", in words."""
    reasons = []
    if suggestion.chosen_with:
        reasons.append(
            _(
                "Members who chose %(reward)s also chose this",
                reward=localized(suggestion, "chosen_with"),
            )
        )
    if suggestion.points_away > 0:
        reasons.append(
            ngettext(
                "%(points)s point away",
                "%(points)s points away",
                suggestion.points_away,
                points=points(suggestion.points_away),
            )
        )
    else:
        reasons.append(_("You have the points for this now"))
    return reasons


CALL_REASON_LABELS = {
    "thank_you": _l("Thank-you call"),
    "care": _l("Care call"),
    "courtesy": _l("Courtesy call"),
}
CALL_OUTCOME_LABELS = {
    "reached": _l("Reached"),
    "no_answer": _l("No answer"),
    "call_back": _l("Call back"),
    "do_not_call": _l("Do not call"),
}


def call_reason_text(call: object) -> str:
    """What the call is for, in a sentence staff can open the call with."""
    reason = getattr(call, "reason", "")
    purchase = getattr(call, "purchase", None)
    if reason == "thank_you" and purchase is not None:
        return _(
            "Thank them for their purchase of %(date)s at %(store)s.",
            date=local_date(purchase.purchased_at),
            store=purchase.store or "—",
        )
    if reason == "care" and purchase is not None:
        return _(
            "Offer cleaning or servicing of what they bought on %(date)s.",
            date=local_date(purchase.purchased_at),
        )
    if reason == "courtesy":
        return _("Ask how they are and tell them what is new.")
    return str(CALL_REASON_LABELS.get(reason, reason))


def install_wording(app: Flask) -> None:
    app.jinja_env.filters.update(
        reason_text=reason_text,
        referral_status_text=referral_status_text,
        referral_reason_text=referral_reason_text,
        hold_reason_text=hold_reason_text,
        event_refusal_text=event_refusal_text,
    )
    app.jinja_env.globals.update(
        party_status_text=party_status_text,
        suggestion_reasons=suggestion_reasons,
        call_reason_text=call_reason_text,
        call_reason_labels=CALL_REASON_LABELS,
        call_outcome_labels=CALL_OUTCOME_LABELS,
    )
    from portal.web import segment_text

    app.jinja_env.filters.update(segment_reason=segment_text.segment_reason)
    app.jinja_env.globals.update(
        segment_labels=segment_text.SEGMENT_LABELS,
        segment_descriptions=segment_text.SEGMENT_DESCRIPTIONS,
        skip_reason_labels=segment_text.SKIP_REASON_LABELS,
        campaign_status_labels=segment_text.CAMPAIGN_STATUS_LABELS,
    )


def sign_in_blocked_text() -> str:
    return _(
        "Signing in to this account has been blocked by our staff. Please contact us or visit "
        "one of our stores."
    )


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
    if code == "sign_in_blocked":
        return sign_in_blocked_text()
    return _("We could not check this passkey. Please try again, or sign in with your password.")
