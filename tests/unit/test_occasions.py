"""The birthday-month announcement and the special-date offer, as run-jobs makes them: the day
before, of and after, twice on the same day, and 29 February in a year without it."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import MarketingDelivery, Notification, SpecialDate
from portal.services.engagement.occasions import announce_birthday_months, offer_special_dates
from portal.services.programme.settings import update_setting


def at_local_morning(clock, day: date):
    """09:00 in Shanghai (01:00 UTC) on `day`."""
    return clock.set(datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC))


def deliveries(kind: str) -> list[tuple[str, str]]:
    db.session.expire_all()
    return list(
        db.session.execute(
            select(MarketingDelivery.occasion, MarketingDelivery.status)
            .where(MarketingDelivery.kind == kind)
            .order_by(MarketingDelivery.id)
        )
    )


def run(job, clock):
    count = job(now=clock.now())
    db.session.commit()
    return count


def test_birthday_month_announced_once_at_its_start(clock, create_member):
    member = create_member(birthday=date(1990, 7, 18), marketing_opt_in=True)
    at_local_morning(clock, date(2026, 6, 30))  # the day before the month
    assert run(announce_birthday_months, clock) == 0
    at_local_morning(clock, date(2026, 7, 1))
    assert run(announce_birthday_months, clock) == 1
    assert run(announce_birthday_months, clock) == 0  # twice the same day: one message
    at_local_morning(clock, date(2026, 7, 2))
    assert run(announce_birthday_months, clock) == 0
    assert deliveries("birthday") == [("birthday:2026", "sent")]
    note = db.session.scalar(
        select(Notification).where(
            Notification.member_id == member.id, Notification.category == "marketing"
        )
    )
    assert "2 times the points" in note.body


def test_the_multiplier_comes_from_the_setting(clock, create_member):
    update_setting("birthday_multiplier", 3)
    db.session.commit()
    create_member(birthday=date(1990, 7, 18), marketing_opt_in=True)
    at_local_morning(clock, date(2026, 7, 1))
    run(announce_birthday_months, clock)
    assert "3 times the points" in db.session.scalar(
        select(Notification.body).where(Notification.category == "marketing")
    )


def test_a_missed_first_day_catches_up_within_the_first_week_only(clock, create_member):
    create_member(birthday=date(1990, 7, 18), marketing_opt_in=True)
    create_member(birthday=date(1991, 8, 2), marketing_opt_in=True)
    at_local_morning(clock, date(2026, 7, 7))
    assert run(announce_birthday_months, clock) == 1
    at_local_morning(clock, date(2026, 8, 8))  # too late for August's start
    assert run(announce_birthday_months, clock) == 0


def test_the_month_starts_in_the_programme_zone(clock, create_member):
    create_member(birthday=date(1990, 7, 18), marketing_opt_in=True)
    clock.set(datetime(2026, 6, 30, 15, 59, tzinfo=UTC))  # 23:59 on 30 June in Shanghai
    assert run(announce_birthday_months, clock) == 0
    clock.set(datetime(2026, 6, 30, 16, 0, tzinfo=UTC))  # midnight, 1 July in Shanghai
    assert run(announce_birthday_months, clock) == 1


def test_a_member_who_has_not_opted_in_is_skipped_and_not_asked_again(clock, create_member):
    create_member(birthday=date(1990, 7, 18))
    at_local_morning(clock, date(2026, 7, 1))
    assert run(announce_birthday_months, clock) == 1
    at_local_morning(clock, date(2026, 7, 2))
    assert run(announce_birthday_months, clock) == 0
    assert deliveries("birthday") == [("birthday:2026", "skipped")]


def test_next_year_the_birthday_is_announced_again(clock, create_member):
    create_member(birthday=date(1990, 7, 18), marketing_opt_in=True)
    at_local_morning(clock, date(2026, 7, 1))
    run(announce_birthday_months, clock)
    at_local_morning(clock, date(2027, 7, 1))
    run(announce_birthday_months, clock)
    assert [o for o, _s in deliveries("birthday")] == ["birthday:2026", "birthday:2027"]


def keep_date(member, month, day, label="Wedding anniversary"):
    db.session.add(SpecialDate(member_id=member.id, month=month, day=day, label=label))
    db.session.commit()


def test_the_special_date_offer_goes_7_days_before_once(clock, create_member):
    member = create_member(marketing_opt_in=True)
    keep_date(member, 5, 20)
    at_local_morning(clock, date(2026, 5, 12))  # 8 days before
    assert run(offer_special_dates, clock) == 0
    at_local_morning(clock, date(2026, 5, 13))  # 7 days before
    assert run(offer_special_dates, clock) == 1
    assert run(offer_special_dates, clock) == 0
    at_local_morning(clock, date(2026, 5, 14))
    assert run(offer_special_dates, clock) == 0
    occasions = deliveries("special_date")
    assert len(occasions) == 1 and occasions[0][0].endswith(":2026")
    note = db.session.scalar(select(Notification).where(Notification.category == "marketing"))
    assert "Wedding anniversary" in note.title and "May 20" in note.body


def test_29_february_in_a_year_without_it_counts_as_28_february(clock, create_member):
    member = create_member(marketing_opt_in=True)
    keep_date(member, 2, 29, "Leap-day wedding")
    at_local_morning(clock, date(2027, 2, 20))  # 8 days before 28 February 2027
    assert run(offer_special_dates, clock) == 0
    at_local_morning(clock, date(2027, 2, 21))  # 7 days before
    assert run(offer_special_dates, clock) == 1
    at_local_morning(clock, date(2027, 2, 22))
    assert run(offer_special_dates, clock) == 0
    # In a leap year it is 29 February itself: 7 days before is 22 February.
    at_local_morning(clock, date(2028, 2, 21))
    assert run(offer_special_dates, clock) == 0
    at_local_morning(clock, date(2028, 2, 22))
    assert run(offer_special_dates, clock) == 1
    assert [o.rsplit(":", 1)[1] for o, _s in deliveries("special_date")] == ["2027", "2028"]


def test_a_date_early_in_january_is_offered_in_the_december_before(clock, create_member):
    member = create_member(marketing_opt_in=True)
    keep_date(member, 1, 3)
    at_local_morning(clock, date(2026, 12, 27))
    assert run(offer_special_dates, clock) == 1
    assert deliveries("special_date")[0][0].endswith(":2027")


def test_birthday_and_special_date_share_the_weekly_cap(clock, create_member):
    member = create_member(birthday=date(1990, 7, 18), marketing_opt_in=True)
    keep_date(member, 7, 8)
    at_local_morning(clock, date(2026, 7, 1))
    run(announce_birthday_months, clock)
    run(offer_special_dates, clock)
    assert deliveries("special_date")[0][1] == "skipped"
    assert (
        db.session.scalar(
            select(func.count(MarketingDelivery.id)).where(MarketingDelivery.status == "sent")
        )
        == 1
    )
