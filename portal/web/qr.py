"""QR codes shown at the till: the membership card number and voucher codes, as inline SVG."""

from __future__ import annotations

from functools import lru_cache

import segno
from markupsafe import Markup

# A till scanner reads a code from a phone held at arm's length when it has its 4-module quiet
# zone and is drawn black on white.
QR_QUIET_ZONE = 4


# Encoding a code takes milliseconds, and a card's or a voucher's never changes: the latest
# ones are kept per process.
QR_CODES_KEPT = 2048


@lru_cache(maxsize=QR_CODES_KEPT)
def qr_svg(text: str, *, css_class: str, scale: int = 1, title: str = "") -> Markup:
    """An inline SVG QR code of `text`, which the portal generates itself (a card number, a
    voucher code): segno writes the markup, and escapes the title."""
    code = segno.make(text, error="m", micro=False)
    svg = code.svg_inline(
        scale=scale,
        border=QR_QUIET_ZONE,
        dark="#000",
        light="#fff",
        svgclass=css_class,
        lineclass=None,
        omitsize=True,
        title=title or None,
    )
    return Markup(svg)  # noqa: S704 - no member-typed text reaches it unescaped
