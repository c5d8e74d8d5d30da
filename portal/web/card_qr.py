"""The membership card shown at the till: the card number as a QR code."""

from __future__ import annotations

from markupsafe import Markup

from portal.web.qr import qr_svg

# 10 px per module: a card number is a version 1 code (21 modules) plus the quiet zone on each
# side, 290 px.
QR_SCALE = 10


def card_qr_svg(card_number: str, *, title: str = "") -> Markup:
    """An inline SVG QR code of the card number's digits: black on white, with its quiet zone."""
    digits = "".join(ch for ch in card_number if ch.isdigit())
    return qr_svg(digits, css_class="card-qr-code", scale=QR_SCALE, title=title)
