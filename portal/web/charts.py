"""Small charts drawn on the server as inline SVG: no script, no inline style, no library.

They print and read without JavaScript and pass the site's Content-Security-Policy
(`script-src 'self'; style-src 'self'`): every colour and size comes from classes in
portal.css, so the SVG carries no `style` attribute or `<style>` element (which pygal's output
does, and which the policy would block, leaving its charts black). Texts arrive already
formatted in the reader's locale by portal/web/formatting.py. Each chart is decoration for
sighted readers: its numbers are always in a table beside it.

- `bar_chart_svg`: vertical bars per period (survey results, the KPI trends), -100 to 100 or
  0 to 100;
- `compare_bars_svg`: horizontal bars, a figure for this period over the same figure for the
  period before; horizontal so that the labels fit a 390 px wide phone.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 600, 220, 28


def bar_chart_svg(
    bars: list[tuple[str, float | None]],
    *,
    low: float,
    high: float,
    title: str,
    width: int = WIDTH,
    value_texts: list[str] | None = None,
    values_up_to: int | None = None,
) -> Markup:
    """Bars (label, value or None for no answers) on a scale from `low` to `high`;
    `value_texts` (one per bar) replace the plain numbers written on the bars; with more than
    `values_up_to` bars no number is written (they would overlap; the table has them)."""
    count = max(len(bars), 1)
    slot = (width - 2 * PAD) / count
    span = high - low

    def y(value: float) -> float:
        return PAD + (high - value) / span * (HEIGHT - 2 * PAD)

    zero = y(max(low, 0))
    parts = [
        f'<svg class="results-chart" viewBox="0 0 {width} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f'<line class="axis" x1="{PAD}" y1="{zero:.1f}" x2="{width - PAD}" y2="{zero:.1f}"/>',
    ]
    for n, (label, value) in enumerate(bars):
        x = PAD + n * slot + slot * 0.15
        bar_width = slot * 0.7
        if value is not None:
            top = min(y(value), zero)
            height = max(abs(zero - y(value)), 1)
            text = value_texts[n] if value_texts else f"{value:g}"
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{top:.1f}" width="{bar_width:.1f}" '
                f'height="{height:.1f}"/>'
            )
            if values_up_to is None or len(bars) <= values_up_to:
                parts.append(
                    f'<text class="value" x="{x + bar_width / 2:.1f}" y="{top - 4:.1f}">'
                    f"{escape(text)}</text>"
                )
        parts.append(
            f'<text class="label" x="{x + bar_width / 2:.1f}" y="{HEIGHT - 8}">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


@dataclass(frozen=True)
class ComparedBar:
    label: str
    value: float | None
    previous: float | None
    value_text: str
    previous_text: str


COMPARE_WIDTH, ROW_HEIGHT, LEGEND_HEIGHT = 360, 50, 26


def compare_bars_svg(
    bars: list[ComparedBar],
    *,
    title: str,
    current_label: str,
    previous_label: str,
    scale_to: float | None = None,
) -> Markup:
    """One row per figure: its label, a bar for this period and a thinner one for the period
    before, on one scale from 0 to `scale_to` (100 for percentages) or else the largest value
    of the chart (negative values draw none)."""
    largest = scale_to or max([b.value or 0 for b in bars] + [b.previous or 0 for b in bars] + [0])
    room = COMPARE_WIDTH - 90  # the longest bar leaves space for its number

    def length(value: float | None) -> float:
        if not value or value <= 0 or not largest:
            return 0.0
        return max(value / largest * room, 1.0)

    height = LEGEND_HEIGHT + ROW_HEIGHT * len(bars) + 4
    parts = [
        f'<svg class="kpi-chart" viewBox="0 0 {COMPARE_WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        '<rect class="bar-now" x="0" y="6" width="12" height="12"/>',
        f'<text class="legend" x="18" y="16">{escape(current_label)}</text>',
        '<rect class="bar-previous" x="180" y="8" width="12" height="8"/>',
        f'<text class="legend" x="198" y="16">{escape(previous_label)}</text>',
    ]
    for n, bar in enumerate(bars):
        top = LEGEND_HEIGHT + n * ROW_HEIGHT
        now, before = length(bar.value), length(bar.previous)
        parts.append(
            f'<text class="label" x="0" y="{top + 13}">{escape(bar.label)}</text>'
            f'<rect class="bar-now" x="0" y="{top + 19}" width="{now:.1f}" height="14"/>'
            f'<text class="value" x="{now + 6:.1f}" y="{top + 31}">{escape(bar.value_text)}</text>'
            f'<rect class="bar-previous" x="0" y="{top + 36}" width="{before:.1f}" height="8"/>'
            f'<text class="value-previous" x="{before + 6:.1f}" y="{top + 44}">'
            f"{escape(bar.previous_text)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()
