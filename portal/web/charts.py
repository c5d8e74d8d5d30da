"""A small bar chart drawn on the server as SVG (no script, prints and reads without
JavaScript), for the survey results: one bar per period, values from -100 to 100 or 0 to 100.
The numbers are also in a table beside it; the chart is decoration for sighted readers."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 600, 220, 28


def bar_chart_svg(
    bars: list[tuple[str, float | None]], *, low: float, high: float, title: str
) -> Markup:
    """Bars (label, value or None for no answers) on a scale from `low` to `high`."""
    count = max(len(bars), 1)
    slot = (WIDTH - 2 * PAD) / count
    span = high - low

    def y(value: float) -> float:
        return PAD + (high - value) / span * (HEIGHT - 2 * PAD)

    zero = y(max(low, 0))
    parts = [
        f'<svg class="results-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f'<line class="axis" x1="{PAD}" y1="{zero:.1f}" x2="{WIDTH - PAD}" y2="{zero:.1f}"/>',
    ]
    for n, (label, value) in enumerate(bars):
        x = PAD + n * slot + slot * 0.15
        width = slot * 0.7
        if value is not None:
            top = min(y(value), zero)
            height = max(abs(zero - y(value)), 1)
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{top:.1f}" width="{width:.1f}" '
                f'height="{height:.1f}"/>'
                f'<text class="value" x="{x + width / 2:.1f}" y="{top - 4:.1f}">'
                f"{escape(f'{value:g}')}</text>"
            )
        parts.append(
            f'<text class="label" x="{x + width / 2:.1f}" y="{HEIGHT - 8}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()
