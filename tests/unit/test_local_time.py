"""The programme's calendar (DESIGN.md, "Time"): months are counted in the programme's time
zone, so a window or an expiry date falls on the same local day and time, whatever the
zone's offset to UTC on either date."""

from __future__ import annotations

from datetime import UTC, date, datetime

from portal.services.programme.local_time import add_local_months, local_date
from portal.services.programme.settings import update_setting


def test_24_months_after_29_february_in_shanghai_is_28_february_there(app):
    earned = datetime(2024, 2, 28, 22, 0, tzinfo=UTC)  # 29 February 2024, 06:00 in Shanghai
    expires = add_local_months(earned, 24)
    assert expires == datetime(2026, 2, 27, 22, 0, tzinfo=UTC)  # 28 February 2026, 06:00
    assert local_date(expires) == date(2026, 2, 28)


def test_a_month_counted_back_from_1_march_in_shanghai_starts_on_1_february_there(app):
    now = datetime(2025, 2, 28, 21, 0, tzinfo=UTC)  # 1 March 2025, 05:00 in Shanghai
    assert add_local_months(now, -1) == datetime(2025, 1, 31, 21, 0, tzinfo=UTC)  # 1 Feb 05:00
    assert add_local_months(now, -12) == datetime(2024, 2, 29, 21, 0, tzinfo=UTC)  # 1 Mar 05:00


def test_six_months_from_a_summer_night_in_london_is_the_same_local_time_in_winter(app):
    update_setting("timezone", "Europe/London")
    summer_night = datetime(2026, 6, 14, 23, 30, tzinfo=UTC)  # 15 June, 00:30 summer time
    later = add_local_months(summer_night, 6)
    assert later == datetime(2026, 12, 15, 0, 30, tzinfo=UTC)  # 15 December, 00:30 GMT
    assert local_date(later) == date(2026, 12, 15)


def test_the_result_is_in_utc(app):
    assert add_local_months(datetime(2026, 6, 15, 4, 0, tzinfo=UTC), 1).tzinfo is UTC
