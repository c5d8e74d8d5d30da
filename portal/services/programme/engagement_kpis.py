"""The KPI dashboard's engagement figures: referrals, events and satisfaction (NPS and CSAT).

Like portal/services/programme/kpis.py, each figure is one SQL aggregate over an indexed range
for the period and the one before it.

- referral conversion: referral links opened in the period (one per browser and day), friends
  who joined in it (by link, code or at the desk; not an existing account or the referrer
  themselves, which are ineligible from the start), those of them who came through a link, and
  referrals rewarded in it (the referrer's bonus paid, the friend's having been paid before or
  with it);
- events that started in the period (cancelled ones left out): fill rate = places booked
  (members and guests, confirmed, checked in or no-show) ÷ capacity; no-show rate = confirmed
  parties that did not come ÷ parties that came or did not, over the events that have ended;
- NPS = % promoters (9-10) − % detractors (0-6); CSAT = share of 4-5 answers (DESIGN.md), over
  the answers submitted in the period, and per week or month for the trend.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, select

from portal.extensions import db
from portal.models import Event, EventRsvp, Referral, ReferralLinkOpen, SurveyAnswer
from portal.services.programme.kpis import Compared, count_in, in_range, ratio
from portal.services.programme.local_time import local_day_start
from portal.services.programme.periods import ReportPeriod
from portal.services.surveys.scores import (
    CSAT_SATISFIED_MIN,
    NPS_DETRACTOR_MAX,
    NPS_PROMOTER_MIN,
    CsatResult,
    NpsResult,
)

# Referrals refused from the start: nobody new joined.
NOT_JOINS = ("self_referral", "existing_account")


@dataclass(frozen=True)
class ReferralFigures:
    links_opened: Compared
    joined: Compared
    joined_by_link: Compared
    rewarded: Compared

    @property
    def link_conversion(self) -> Compared:
        """Friends who joined through a link ÷ links opened."""
        return Compared(
            ratio(self.joined_by_link.value, self.links_opened.value),
            ratio(self.joined_by_link.previous, self.links_opened.previous),
        )

    @property
    def reward_conversion(self) -> Compared:
        """Referrals rewarded ÷ friends who joined, in the same period."""
        return Compared(
            ratio(self.rewarded.value, self.joined.value),
            ratio(self.rewarded.previous, self.joined.previous),
        )


def referral_figures(period: ReportPeriod) -> ReferralFigures:
    before = period.previous

    def days_in(first: date, last: date) -> Any:
        inside = and_(ReferralLinkOpen.opened_on >= first, ReferralLinkOpen.opened_on <= last)
        return func.coalesce(func.sum(case((inside, 1), else_=0)), 0)

    opened = db.session.execute(
        select(
            days_in(period.first_day, period.last_day), days_in(before.first_day, before.last_day)
        ).where(
            ReferralLinkOpen.opened_on >= before.first_day,
            ReferralLinkOpen.opened_on <= period.last_day,
        )
    ).one()

    def by_link(starts_at: datetime, ends_at: datetime) -> Any:
        inside = and_(Referral.channel == "link", in_range(Referral.created_at, starts_at, ends_at))
        return func.coalesce(func.sum(case((inside, 1), else_=0)), 0)

    joined = db.session.execute(
        select(
            count_in(Referral.created_at, period.starts_at, period.ends_at),
            count_in(Referral.created_at, before.starts_at, before.ends_at),
            by_link(period.starts_at, period.ends_at),
            by_link(before.starts_at, before.ends_at),
        ).where(
            Referral.created_at >= before.starts_at,
            Referral.created_at < period.ends_at,
            ~and_(Referral.status == "ineligible", Referral.reason.in_(NOT_JOINS)),
        )
    ).one()
    # Rewarded when the referrer's bonus was paid: it comes with the friend's or after it (capped).
    paid = Referral.referrer_credited_at
    rewarded = db.session.execute(
        select(
            count_in(paid, period.starts_at, period.ends_at),
            count_in(paid, before.starts_at, before.ends_at),
        ).where(
            Referral.status == "rewarded",
            Referral.referrer_credited_at >= before.starts_at,
            Referral.referrer_credited_at < period.ends_at,
        )
    ).one()
    return ReferralFigures(
        links_opened=Compared(int(opened[0]), int(opened[1])),
        joined=Compared(int(joined[0]), int(joined[1])),
        joined_by_link=Compared(int(joined[2]), int(joined[3])),
        rewarded=Compared(int(rewarded[0]), int(rewarded[1])),
    )


@dataclass(frozen=True)
class EventFigures:
    events: Compared
    capacity: Compared
    places_booked: Compared
    parties_came: Compared  # at the events that have ended
    parties_missing: Compared

    @property
    def fill_rate(self) -> Compared:
        return Compared(
            ratio(self.places_booked.value, self.capacity.value),
            ratio(self.places_booked.previous, self.capacity.previous),
        )

    @property
    def no_show_rate(self) -> Compared:
        return Compared(
            ratio(self.parties_missing.value, self.parties_came.value + self.parties_missing.value),
            ratio(
                self.parties_missing.previous,
                self.parties_came.previous + self.parties_missing.previous,
            ),
        )


def event_figures(period: ReportPeriod, *, now: datetime) -> EventFigures:
    """Fill and no-show of the events that started in each period: one statement, a row per
    event inside (its capacity and its parties summed), summed per period outside."""
    before = period.previous
    party = 1 + EventRsvp.guests
    ended = Event.ends_at <= now
    came = EventRsvp.status == "checked_in"
    # A confirmed party not checked in by the end is a no-show, whether or not a job marked it.
    missing = EventRsvp.status.in_(("no_show", "confirmed"))
    per_event = (
        select(
            Event.id,
            Event.starts_at,
            Event.capacity,
            func.coalesce(
                func.sum(
                    case((EventRsvp.status.in_(("confirmed", "checked_in", "no_show")), party))
                ),
                0,
            ).label("booked"),
            func.coalesce(func.sum(case((and_(ended, came), 1), else_=0)), 0).label("came"),
            func.coalesce(func.sum(case((and_(ended, missing), 1), else_=0)), 0).label("missing"),
        )
        .outerjoin(EventRsvp, EventRsvp.event_id == Event.id)
        .where(
            Event.status != "cancelled",
            Event.starts_at >= before.starts_at,
            Event.starts_at < period.ends_at,
        )
        .group_by(Event.id, Event.starts_at, Event.capacity)
        .subquery()
    )

    def summed(column: Any, starts_at: datetime, ends_at: datetime) -> Any:
        inside = in_range(per_event.c.starts_at, starts_at, ends_at)
        return func.coalesce(func.sum(case((inside, column), else_=0)), 0)

    columns = []
    for column in (1, per_event.c.capacity, per_event.c.booked, per_event.c.came):
        columns += [
            summed(column, period.starts_at, period.ends_at),
            summed(column, before.starts_at, before.ends_at),
        ]
    columns += [
        summed(per_event.c.missing, period.starts_at, period.ends_at),
        summed(per_event.c.missing, before.starts_at, before.ends_at),
    ]
    row = [int(value) for value in db.session.execute(select(*columns)).one()]
    return EventFigures(*(Compared(row[i], row[i + 1]) for i in range(0, 10, 2)))


@dataclass(frozen=True)
class SatisfactionLine:
    first_day: date
    last_day: date
    nps: NpsResult
    csat: CsatResult


@dataclass(frozen=True)
class SatisfactionFigures:
    overall: SatisfactionLine
    previous: SatisfactionLine
    trend: list[SatisfactionLine]

    @property
    def nps(self) -> Compared:
        return Compared(self.overall.nps.exact, self.previous.nps.exact)

    @property
    def csat(self) -> Compared:
        return Compared(self.overall.csat.share, self.previous.csat.share)


def satisfaction_figures(period: ReportPeriod) -> SatisfactionFigures:
    """NPS and CSAT of the answers submitted in the period, per week or month of it (the
    period's buckets), and in the period before: one statement grouped by bucket, where a
    CASE on `submitted_at` names each answer's bucket (-1 for the period before)."""
    before = period.previous
    cuts = period.buckets()
    bucket = case(
        (SurveyAnswer.submitted_at < period.starts_at, -1),
        *(
            (SurveyAnswer.submitted_at < local_day_start(cuts[n + 1][0]), n)
            for n in range(len(cuts) - 1)
        ),
        else_=len(cuts) - 1,
    ).label("bucket")

    def counted(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    nps, csat = SurveyAnswer.nps_score, SurveyAnswer.csat_score
    rows = db.session.execute(
        select(
            bucket,
            counted(nps >= NPS_PROMOTER_MIN),
            counted(nps <= NPS_DETRACTOR_MAX),
            func.count(nps),
            counted(csat >= CSAT_SATISFIED_MIN),
            func.count(csat),
            func.coalesce(func.sum(csat), 0),
        )
        .where(
            SurveyAnswer.submitted_at >= before.starts_at,
            SurveyAnswer.submitted_at < period.ends_at,
        )
        .group_by(bucket)
    ).all()
    found = {int(row[0]): [int(value) for value in row[1:]] for row in rows}

    def line(index: int, first: date, last: date) -> SatisfactionLine:
        promoters, detractors, nps_answers, satisfied, csat_answers, csat_total = found.get(
            index, [0] * 6
        )
        return SatisfactionLine(
            first,
            last,
            NpsResult(promoters, nps_answers - promoters - detractors, detractors),
            CsatResult(satisfied, csat_answers, csat_total),
        )

    trend = [line(n, first, last) for n, (first, last) in enumerate(cuts)]
    overall = SatisfactionLine(
        period.first_day,
        period.last_day,
        NpsResult(
            sum(t.nps.promoters for t in trend),
            sum(t.nps.passives for t in trend),
            sum(t.nps.detractors for t in trend),
        ),
        CsatResult(
            sum(t.csat.satisfied for t in trend),
            sum(t.csat.answers for t in trend),
            sum(t.csat.total for t in trend),
        ),
    )
    return SatisfactionFigures(overall, line(-1, before.first_day, before.last_day), trend)
