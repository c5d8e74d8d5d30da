"""What the two members of a referral are told at each step, in each one's own language.

The texts are lazy: notify_member renders them in the reader's language, and the numbers and
dates in them are formatted then too.
"""

from __future__ import annotations

from datetime import date

from babel.numbers import get_currency_precision
from flask_babel import LazyString, format_currency, format_date, format_decimal
from flask_babel import lazy_gettext as _l

from portal.models import Member, Referral
from portal.services.messaging.notifications import notify_member
from portal.services.programme.local_time import local_date
from portal.services.programme.money import minor_to_decimal
from portal.services.programme.settings import programme_settings
from portal.services.referrals.identity import short_name

LINK: tuple[str, dict] = ("referrals.overview", {})


def _day(day: date) -> LazyString:
    return LazyString(lambda: format_date(day, "long"))


def _number(value: int) -> LazyString:
    return LazyString(lambda: format_decimal(value))


def minimum_purchase_minor() -> int:
    settings = programme_settings()
    precision: int = get_currency_precision(settings.currency)
    return settings.referral_min_purchase_units * int(10**precision)


def _minimum_amount() -> LazyString:
    currency = programme_settings().currency
    value = minor_to_decimal(minimum_purchase_minor(), currency)

    def text() -> str:
        shown = format_currency(value, currency, format="¤#,##0", currency_digits=False)
        return shown.replace("CN¥", "¥")

    return LazyString(text)


def _tell(
    member: Member,
    referral: Referral,
    event: str,
    title: str | LazyString,
    body: str | LazyString,
    *,
    email: bool = True,
) -> None:
    notify_member(
        member,
        f"referral_{event.split(':')[0]}",
        title=title,
        body=body,
        link=LINK,
        dedupe_key=f"referral:{referral.id}:{event}:{member.id}",
        email=email,
    )


def tell_joined(referral: Referral, deadline: date) -> None:
    settings = programme_settings()
    friend, referrer = referral.friend, referral.referrer
    _tell(
        referrer,
        referral,
        "joined",
        _l("%(name)s joined with your invitation", name=short_name(friend)),
        _l(
            "When %(name)s makes a first purchase of %(amount)s or more by %(date)s, you "
            "receive %(points)s points.",
            name=short_name(friend),
            amount=_minimum_amount(),
            date=_day(deadline),
            points=_number(settings.referral_referrer_points),
        ),
    )
    _tell(
        friend,
        referral,
        "welcome",
        _l("Welcome! %(name)s invited you", name=referrer.first_name),
        _l(
            "Make a first purchase of %(amount)s or more by %(date)s and you receive "
            "%(points)s welcome points.",
            amount=_minimum_amount(),
            date=_day(deadline),
            points=_number(settings.referral_friend_points),
        ),
        email=False,  # the friend is reading their confirmation mail already
    )


def tell_not_eligible(referral: Referral) -> None:
    """A referral that earns nothing from the start (self-referral, an existing account)."""
    reasons = {
        "self_referral": _l("An invitation cannot be used on one's own account."),
        "existing_account": _l("This account existed before the invitation."),
    }
    body = reasons.get(referral.reason or "", _l("This referral does not earn a bonus."))
    for member in (referral.referrer, referral.friend):
        _tell(
            member,
            referral,
            "not_eligible",
            _l("No referral bonus for this account"),
            body,
        )


def tell_held(referral: Referral, stage: str) -> None:
    for member in (referral.referrer, referral.friend):
        _tell(
            member,
            referral,
            f"held:{stage}",
            _l("Your referral is being checked"),
            _l(
                "Our staff check some referrals before any bonus is paid. We will tell you "
                "when it is decided."
            ),
        )


def tell_pending(referral: Referral) -> None:
    assert referral.release_at is not None  # a pending referral has its release date
    release = _day(local_date(referral.release_at))
    event = f"pending:{referral.qualifying_purchase_id}"
    _tell(
        referral.referrer,
        referral,
        event,
        _l(
            "%(name)s made a first purchase: %(points)s points on the way",
            name=short_name(referral.friend),
            points=_number(referral.referrer_points),
        ),
        _l(
            "Your bonus is added on %(date)s, once the purchase can no longer be returned.",
            date=release,
        ),
    )
    _tell(
        referral.friend,
        referral,
        event,
        _l(
            "Your welcome bonus of %(points)s points is on the way",
            points=_number(referral.friend_points),
        ),
        _l(
            "It is added on %(date)s, once your purchase can no longer be returned.",
            date=release,
        ),
    )


def tell_friend_paid(referral: Referral) -> None:
    _tell(
        referral.friend,
        referral,
        "paid",
        _l("%(points)s welcome points added", points=_number(referral.friend_points)),
        _l(
            "Thank you for joining through %(name)s's invitation.",
            name=referral.referrer.first_name,
        ),
    )


def tell_referrer_paid(referral: Referral) -> None:
    _tell(
        referral.referrer,
        referral,
        "paid",
        _l(
            "%(points)s points added: %(name)s's first purchase",
            points=_number(referral.referrer_points),
            name=short_name(referral.friend),
        ),
        _l("Thank you for bringing a friend to the club."),
    )


def tell_capped(referral: Referral, next_month: date) -> None:
    settings = programme_settings()
    _tell(
        referral.referrer,
        referral,
        f"capped:{next_month.isoformat()}",
        _l(
            "Your bonus for %(name)s waits for next month",
            name=short_name(referral.friend),
        ),
        _l(
            "Up to %(cap)s referrals are rewarded each month, and this month's are reached. "
            "The %(points)s points are added from %(date)s.",
            cap=_number(settings.referral_monthly_cap),
            points=_number(referral.referrer_points),
            date=_day(next_month),
        ),
    )


def tell_cancelled(referral: Referral, purchase_id: int, deadline: date, still_open: bool) -> None:
    if still_open:
        body = _l(
            "The purchase was returned and is now under %(amount)s, so its bonus is cancelled. "
            "A next purchase of %(amount)s or more by %(date)s can still earn it.",
            amount=_minimum_amount(),
            date=_day(deadline),
        )
    else:
        body = _l(
            "The purchase was returned and is now under %(amount)s, so its bonus is cancelled.",
            amount=_minimum_amount(),
        )
    for member in (referral.referrer, referral.friend):
        _tell(member, referral, f"cancelled:{purchase_id}", _l("Referral bonus cancelled"), body)


def tell_window_passed(referral: Referral) -> None:
    settings = programme_settings()
    body = _l(
        "No purchase of %(amount)s or more was made within %(days)s days of joining.",
        amount=_minimum_amount(),
        days=_number(settings.referral_window_days),
    )
    for member in (referral.referrer, referral.friend):
        _tell(member, referral, "lapsed", _l("The time for a referral bonus has ended"), body)


def tell_reviewed(referral: Referral, approved: bool) -> None:
    if approved:
        title = _l("Your referral is approved")
        body = _l("Our staff checked it: the bonuses follow the usual rules.")
    else:
        title = _l("No referral bonus after our check")
        body = _l("Our staff checked this referral and could not approve it.")
    for member in (referral.referrer, referral.friend):
        _tell(member, referral, "reviewed", title, body)
