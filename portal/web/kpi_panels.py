"""The KPI dashboard's panels in words: each panel's chart, its table (the chart's numbers, in
the reader's locale) and the same table for its CSV (portal/web/kpi_export.py writes the
numbers). The figures come from portal/services/programme/dashboard.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from portal.services.programme.dashboard import KpiDashboard
from portal.web.charts import ComparedBar, bar_chart_svg, compare_bars_svg
from portal.web.formatting import money, number, percent, points
from portal.web.kpi_export import exported, to_csv
from portal.web.localized import localized, tier_name

# How each single figure is written: a count, points, a rate, money or a score.
METRICS: dict[str, tuple[Any, str]] = {
    "members_joined": (_l("Members joined"), "count"),
    "active_members": (_l("Active members (bought in the period)"), "count"),
    "repeat_purchase_rate": (_l("Repeat-purchase rate"), "rate"),
    "points_issued": (_l("Points issued"), "points"),
    "points_redeemed": (_l("Points redeemed"), "points"),
    "points_expired": (_l("Points expired"), "points"),
    "redemption_rate": (_l("Redemption rate"), "rate"),
    "breakage_rate": (_l("Breakage"), "rate"),
    "outstanding_points": (_l("Outstanding points (at the end)"), "points"),
    "points_liability_minor_units": (_l("Points liability"), "money"),
    "tier_moves_up": (_l("Moves up a tier"), "count"),
    "tier_moves_down": (_l("Moves down a tier"), "count"),
    "referral_links_opened": (_l("Referral links opened"), "count"),
    "referrals_joined": (_l("Friends who joined"), "count"),
    "referrals_rewarded": (_l("Referrals rewarded"), "count"),
    "referral_link_conversion": (_l("Joined through a link ÷ links opened"), "rate"),
    "referral_reward_conversion": (_l("Rewarded ÷ joined"), "rate"),
    "events": (_l("Events held"), "count"),
    "event_fill_rate": (_l("Fill rate"), "rate"),
    "event_no_show_rate": (_l("No-show rate"), "rate"),
    "nps": (_l("NPS"), "score"),
    "csat": (_l("CSAT (share of 4-5 answers)"), "rate"),
}

PANEL_CODES = ("members", "points", "rewards", "tiers", "referrals", "events", "satisfaction")


def shown(value: Any, kind: str) -> str:
    """A figure for the page, in the reader's locale; "–" when there is nothing to divide."""
    if value is None:
        return "–"
    if kind == "rate":
        return percent(float(value))
    if kind == "score":
        return format_decimal(round(float(value), 1), "+#,##0.#;−#,##0.#") if value else "0"
    if kind == "money":
        return money(int(value))
    if kind == "points":
        return points(int(value))
    return number(int(value))


@dataclass
class Panel:
    code: str
    title: str
    chart: Markup
    headers: list[str]
    rows: list[list[str]]
    csv_header: list[str]
    csv_rows: list[list[str]]
    # A second table under the first (the tiers' moves), with the same CSV.
    second_headers: list[str] = field(default_factory=list)
    second_rows: list[list[str]] = field(default_factory=list)


def _compared_panel(
    code: str, title: str, headline: dict[str, tuple[Any, Any]], metrics: list[str], charted: int
) -> Panel:
    """A panel of single figures: the first `charted` of them in the chart."""
    bars: list[ComparedBar] = []
    rows, csv_rows = [], []
    for metric in metrics:
        label, kind = METRICS[metric]
        value, previous = headline[metric]
        rows.append([str(label), shown(value, kind), shown(previous, kind)])
        csv_rows.append([metric, exported(value, kind), exported(previous, kind)])
        if len(bars) < charted:
            scale = 100 if kind == "rate" else 1
            bars.append(
                ComparedBar(
                    str(label),
                    None if value is None else float(value) * scale,
                    None if previous is None else float(previous) * scale,
                    shown(value, kind),
                    shown(previous, kind),
                )
            )
    rates_only = all(METRICS[metric][1] == "rate" for metric in metrics[:charted])
    chart = compare_bars_svg(
        bars,
        title=title,
        current_label=_("This period"),
        previous_label=_("Period before"),
        scale_to=100 if rates_only else None,
    )
    return Panel(
        code,
        title,
        chart,
        [_("Figure"), _("This period"), _("Period before")],
        rows,
        ["metric", "value", "previous"],
        csv_rows,
    )


def _short_day(first: Any, pattern: str) -> str:
    text: str = format_date(first, pattern)
    return text


def build_panels(dashboard: KpiDashboard) -> dict[str, Panel]:
    """Every panel of the page, by code (PANEL_CODES), in the reader's language."""
    headline = {code: (value, previous) for code, value, previous in dashboard.headline()}
    panels = {
        "members": _compared_panel(
            "members",
            _("Members"),
            headline,
            ["members_joined", "active_members", "repeat_purchase_rate"],
            charted=2,
        ),
        "points": _compared_panel(
            "points",
            _("Points"),
            headline,
            [
                "points_issued",
                "points_redeemed",
                "points_expired",
                "redemption_rate",
                "breakage_rate",
                "outstanding_points",
                "points_liability_minor_units",
            ],
            charted=3,
        ),
        "referrals": _compared_panel(
            "referrals",
            _("Referrals"),
            headline,
            [
                "referral_links_opened",
                "referrals_joined",
                "referrals_rewarded",
                "referral_link_conversion",
                "referral_reward_conversion",
            ],
            charted=3,
        ),
        "events": _compared_panel(
            "events",
            _("Events"),
            headline,
            ["event_fill_rate", "event_no_show_rate", "events"],
            charted=2,
        ),
    }
    panels["rewards"] = _rewards_panel(dashboard)
    panels["tiers"] = _tiers_panel(dashboard, headline)
    panels["satisfaction"] = _satisfaction_panel(dashboard)
    return {code: panels[code] for code in PANEL_CODES}


def _rewards_panel(dashboard: KpiDashboard) -> Panel:
    title = _("Top rewards")
    bars = [
        ComparedBar(
            str(localized(line.reward, "name")),
            line.redemptions,
            line.previous_redemptions,
            number(line.redemptions),
            number(line.previous_redemptions),
        )
        for line in dashboard.rewards
    ]
    return Panel(
        "rewards",
        title,
        compare_bars_svg(
            bars, title=title, current_label=_("This period"), previous_label=_("Period before")
        ),
        [_("Reward"), _("This period"), _("Period before")],
        [
            [
                str(localized(line.reward, "name")),
                _(
                    "%(count)s (%(points)s points)",
                    count=number(line.redemptions),
                    points=points(line.points),
                ),
                number(line.previous_redemptions),
            ]
            for line in dashboard.rewards
        ],
        ["reward", "redemptions", "points", "previous_redemptions"],
        [
            [line.reward.name, str(line.redemptions), str(line.points)]
            + [str(line.previous_redemptions)]
            for line in dashboard.rewards
        ],
    )


def _tiers_panel(dashboard: KpiDashboard, headline: dict[str, tuple[Any, Any]]) -> Panel:
    title = _("Tiers")
    tiers = dashboard.tiers.members_by_tier
    total = sum(count for _tier, count in tiers)
    chart = bar_chart_svg(
        [(tier_name(tier), count) for tier, count in tiers],
        low=0,
        high=max([count for _tier, count in tiers] + [1]),
        title=title,
        width=360,
        value_texts=[number(count) for _tier, count in tiers],
    )
    moves = _compared_panel(
        "tiers", title, headline, ["tier_moves_up", "tier_moves_down"], charted=0
    )
    return Panel(
        "tiers",
        title,
        chart,
        [_("Tier"), _("Members today"), _("Share")],
        [
            [tier_name(tier), number(count), percent(count / total if total else 0)]
            for tier, count in tiers
        ],
        ["metric", "value", "previous"],
        [[f"tier_{tier.code}_members", str(count), ""] for tier, count in tiers] + moves.csv_rows,
        second_headers=moves.headers,
        second_rows=moves.rows,
    )


def _satisfaction_panel(dashboard: KpiDashboard) -> Panel:
    figures = dashboard.satisfaction
    months = dashboard.period.days > 92
    labels = [_short_day(line.first_day, "MMM" if months else "d MMM") for line in figures.trend]
    scores = [line.nps.exact for line in figures.trend]
    chart = bar_chart_svg(
        [(label, None if s is None else float(s)) for label, s in zip(labels, scores, strict=True)],
        low=-100,
        high=100,
        title=_("NPS by week or month"),
        width=360,
        value_texts=[shown(s, "score") for s in scores],
        values_up_to=8,
    )
    lines = [figures.previous, *figures.trend, figures.overall]
    names = [
        _("Period before"),
        *(_short_day(line.first_day, "MMM y" if months else "d MMM") for line in figures.trend),
        _("Whole period"),
    ]
    rows = [
        [
            name,
            _(
                "%(score)s (%(answers)s)",
                score=shown(line.nps.exact, "score"),
                answers=number(line.nps.answers),
            ),
            _(
                "%(score)s (%(answers)s)",
                score=shown(line.csat.share, "rate"),
                answers=number(line.csat.answers),
            ),
        ]
        for name, line in zip(names, lines, strict=True)
    ]
    csv_rows = [
        [
            line.first_day.isoformat(),
            line.last_day.isoformat(),
            str(line.nps.answers),
            exported(line.nps.exact, "score"),
            str(line.csat.answers),
            exported(line.csat.share, "rate"),
            exported(line.csat.average, "score"),
        ]
        for line in lines
    ]
    return Panel(
        "satisfaction",
        _("NPS and CSAT"),
        chart,
        [_("Days"), _("NPS (answers)"), _("CSAT (answers)")],
        rows,
        ["from", "to", "nps_answers", "nps", "csat_answers", "csat", "csat_average"],
        csv_rows,
    )


def headline_csv(dashboard: KpiDashboard) -> str:
    """/admin/kpis.csv: `metric,value,previous`, one row per figure."""
    rows = [
        [code, exported(value, METRICS[code][1]), exported(previous, METRICS[code][1])]
        for code, value, previous in dashboard.headline()
    ]
    return to_csv(["metric", "value", "previous"], rows)


PERIOD_ERRORS: dict[str, Any] = {
    "missing": _l("Enter a date."),
    "malformed": _l("Enter the date as YYYY-MM-DD, for example 2026-01-31."),
    "end_before_start": _l("The last day cannot be before the first day."),
    "too_long": _l("Choose a period of at most ten years."),
}


def period_errors(errors: dict[str, str]) -> dict[str, str]:
    """The period form's messages by field ("from", "to"), in the reader's language."""
    return {field: str(PERIOD_ERRORS.get(code, code)) for field, code in errors.items()}
