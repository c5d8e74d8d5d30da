"""Reporting periods of the KPI dashboard: whole days in the programme's time zone.

A period runs from its first to its last day, both included; it is compared with the period
of the same number of days just before it. "This month" runs from the 1st to today, so it is
compared with the same number of days before the 1st (not with the whole previous month).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from portal.services.programme.local_time import local_day_start
from portal.services.programme.refusals import Invalid

# The periods offered on the page: this month, or the last N days up to today.
PERIOD_CODES = ("month", "30", "90", "365", "custom")
DEFAULT_PERIOD = "30"
# A custom period of more than this many days is refused (ten years is plenty for a report).
LONGEST_PERIOD_DAYS = 3660


class PeriodRefused(Invalid):
    """The dates asked for make no period; `errors` maps "from"/"to" to a reason code:
    `malformed` (not a YYYY-MM-DD date), `missing`, `end_before_start` or `too_long`."""

    code = "invalid_period"


@dataclass(frozen=True)
class ReportPeriod:
    code: str
    first_day: date
    last_day: date

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def starts_at(self) -> datetime:
        """The first moment of the period (UTC), included."""
        return local_day_start(self.first_day)

    @property
    def ends_at(self) -> datetime:
        """The first moment after the period (UTC), excluded."""
        return local_day_start(self.last_day + timedelta(days=1))

    @property
    def previous(self) -> ReportPeriod:
        """The period of the same length that ends the day before this one starts."""
        last = self.first_day - timedelta(days=1)
        return ReportPeriod("previous", last - timedelta(days=self.days - 1), last)

    def buckets(self) -> list[tuple[date, date]]:
        """The period cut for a trend chart: by calendar month when it is longer than 92 days,
        by 7-day weeks from its first day otherwise (the last one may be shorter)."""
        cuts: list[tuple[date, date]] = []
        start = self.first_day
        while start <= self.last_day:
            if self.days > 92:
                following = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
            else:
                following = start + timedelta(days=7)
            end = min(following - timedelta(days=1), self.last_day)
            cuts.append((start, end))
            start = end + timedelta(days=1)
        return cuts


def _parse_day(text: str | None, field: str, errors: dict[str, str]) -> date | None:
    if not text or not text.strip():
        errors[field] = "missing"
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        errors[field] = "malformed"
        return None


def report_period(
    code: str | None, first: str | None, last: str | None, *, today: date
) -> ReportPeriod:
    """The period asked for: `code` one of PERIOD_CODES (the last 30 days by default), or the
    days `first` to `last` (YYYY-MM-DD, both included), which win when given. `today` is the
    programme's date. Raises PeriodRefused for a malformed date or an end before the start."""
    if first or last or code == "custom":
        errors: dict[str, str] = {}
        start = _parse_day(first, "from", errors)
        end = _parse_day(last, "to", errors)
        if start is not None and end is not None:
            if end < start:
                errors["to"] = "end_before_start"
            elif (end - start).days + 1 > LONGEST_PERIOD_DAYS:
                errors["to"] = "too_long"
        if errors or start is None or end is None:
            raise PeriodRefused(errors=errors)
        return ReportPeriod("custom", start, end)
    if code == "month":
        return ReportPeriod("month", today.replace(day=1), today)
    if code not in PERIOD_CODES:
        code = DEFAULT_PERIOD
    return ReportPeriod(code, today - timedelta(days=int(code) - 1), today)
