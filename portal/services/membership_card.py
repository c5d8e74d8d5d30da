"""The membership card shown at the till: the card number as a QR code."""

from __future__ import annotations

import segno
from markupsafe import Markup

# 10 px per module: a card number is a version 1 code (21 modules) plus the 4-module quiet
# zone on each side, 290 px, which a till scanner reads from a phone held at arm's length.
QR_SCALE = 10
QR_QUIET_ZONE = 4


def card_qr_svg(card_number: str, *, title: str = "") -> Markup:
    """An inline SVG QR code of the card number: black on white, with its quiet zone."""
    digits = "".join(ch for ch in card_number if ch.isdigit())
    code = segno.make(digits, error="m", micro=False)
    svg = code.svg_inline(
        scale=QR_SCALE,
        border=QR_QUIET_ZONE,
        dark="#000",
        light="#fff",
        svgclass="card-qr-code",
        lineclass=None,
        omitsize=True,
        title=title or None,
    )
    # Built by segno from digits only: nothing a person typed reaches this markup unescaped
    # except the title, which segno escapes.
    return Markup(svg)  # noqa: S704
