"""The one place the portal reads the time, so tests can move the clock.

Timestamps are aware datetimes in UTC. Dates that the programme counts in (birthday months,
expiry dates, calendar months) are taken in the programme's time zone by
`portal.services.programme.local_time`, since the zone is a setting.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

_frozen: datetime | None = None


def utcnow() -> datetime:
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC)


def set_now(moment: datetime | None) -> None:
    """Freeze the clock at `moment` (aware), or let it run again with None. Tests only."""
    global _frozen
    if moment is not None and moment.tzinfo is None:
        raise ValueError("the clock takes aware datetimes")
    _frozen = moment.astimezone(UTC) if moment is not None else None


@contextmanager
def moved_to(moment: datetime) -> Iterator[datetime]:
    """Run a block with the clock at `moment` (demo history is recorded by the real rules at
    the time it happened), then put the clock back as it was."""
    previous = _frozen
    set_now(moment)
    try:
        yield utcnow()
    finally:
        set_now(previous)


def advance(delta: timedelta) -> datetime:
    set_now(utcnow() + delta)
    return utcnow()


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later (or earlier), clamped to the end of a short month."""
    import calendar

    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
