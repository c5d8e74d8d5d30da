"""The programme's local time: its time zone is a setting (default Asia/Shanghai), and the
birthday months, expiry dates, 12-month windows and calendar months are counted in it.
Timestamps stay in UTC; these turn them into the programme's dates and back."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from portal.clock import add_months, utcnow
from portal.services.programme.settings import programme_settings


def programme_zone() -> ZoneInfo:
    return ZoneInfo(programme_settings().timezone)


def local_now() -> datetime:
    return utcnow().astimezone(programme_zone())


def local_date(moment: datetime | None = None) -> date:
    """The programme's date at `moment` (now by default)."""
    return (moment or utcnow()).astimezone(programme_zone()).date()


def add_local_months(moment: datetime, months: int) -> datetime:
    """`moment` moved `months` later (or earlier) on the programme's calendar: the same local
    day and time, clamped to the end of a short month, as an aware UTC datetime. Expiry dates
    and the tier windows are counted so, whatever the offset of the zone to UTC that day."""
    return add_months(moment.astimezone(programme_zone()), months).astimezone(UTC)


def local_day_start(day: date) -> datetime:
    """Midnight at the start of `day` in the programme's zone, as an aware UTC datetime."""
    return datetime.combine(day, time.min, tzinfo=programme_zone()).astimezone(UTC)


def from_local(moment: datetime) -> datetime:
    """A wall-clock time typed in the programme's zone (naive) as an aware UTC datetime."""
    return moment.replace(tzinfo=programme_zone()).astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    """An aware datetime as the programme's wall-clock time (naive), for a datetime-local input."""
    return moment.astimezone(programme_zone()).replace(tzinfo=None)
