"""The KPI dashboard as one object: every panel's figures for a period and the one before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from portal.services.programme.engagement_kpis import (
    EventFigures,
    ReferralFigures,
    SatisfactionFigures,
    event_figures,
    referral_figures,
    satisfaction_figures,
)
from portal.services.programme.kpis import (
    MemberFigures,
    PointFigures,
    RewardLine,
    TierFigures,
    member_figures,
    point_figures,
    tier_figures,
    top_rewards,
)
from portal.services.programme.periods import ReportPeriod


@dataclass(frozen=True)
class KpiDashboard:
    period: ReportPeriod
    members: MemberFigures
    points: PointFigures
    rewards: list[RewardLine]
    tiers: TierFigures
    referrals: ReferralFigures
    events: EventFigures
    satisfaction: SatisfactionFigures

    def headline(self) -> list[tuple[str, Any, Any]]:
        """(metric code, value, previous) for every single figure, in the CSV's order. Points
        are ints, rates Fractions from 0 (None when there is nothing to divide), NPS a Fraction
        from -100 to 100, money in minor units."""
        figures = [
            ("members_joined", self.members.joined),
            ("active_members", self.members.active),
            ("repeat_purchase_rate", self.members.repeat_rate),
            ("points_issued", self.points.issued),
            ("points_redeemed", self.points.redeemed),
            ("points_expired", self.points.expired),
            ("redemption_rate", self.points.redemption_rate),
            ("breakage_rate", self.points.breakage),
            ("outstanding_points", self.points.outstanding),
            ("points_liability_minor_units", self.points.liability),
            ("tier_moves_up", self.tiers.moves_up),
            ("tier_moves_down", self.tiers.moves_down),
            ("referral_links_opened", self.referrals.links_opened),
            ("referrals_joined", self.referrals.joined),
            ("referrals_rewarded", self.referrals.rewarded),
            ("referral_link_conversion", self.referrals.link_conversion),
            ("referral_reward_conversion", self.referrals.reward_conversion),
            ("events", self.events.events),
            ("event_fill_rate", self.events.fill_rate),
            ("event_no_show_rate", self.events.no_show_rate),
            ("nps", self.satisfaction.nps),
            ("csat", self.satisfaction.csat),
        ]
        return [(code, figure.value, figure.previous) for code, figure in figures]


def kpi_dashboard(period: ReportPeriod, *, now: datetime) -> KpiDashboard:
    """All the dashboard's figures for `period` (see the definitions in kpis.py and
    engagement_kpis.py): a fixed number of aggregate queries, whatever the data's size."""
    return KpiDashboard(
        period=period,
        members=member_figures(period),
        points=point_figures(period),
        rewards=top_rewards(period),
        tiers=tier_figures(period),
        referrals=referral_figures(period),
        events=event_figures(period, now=now),
        satisfaction=satisfaction_figures(period),
    )
