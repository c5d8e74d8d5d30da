"""Parts of pages that are the same for every member of a language: rendered once per process
and kept, keyed by everything they are drawn from (the language, the programme's settings, the
tiers' fields), so a changed tier or setting is drawn anew on the next page.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template
from markupsafe import Markup

from portal.services.programme.settings import programme_settings
from portal.web.navigation import current_locale_code

_KEPT: dict[tuple[Any, ...], Markup] = {}
_MOST_KEPT = 64


def _tier_fields(tier: Any) -> tuple[Any, ...]:
    return (
        tier.code, tier.rank, tier.name, tier.name_zh, tier.qualifying_spend,
        tier.multiplier_percent, repr(tier.benefits), repr(tier.benefits_zh),
    )  # fmt: skip


def tier_cards(tiers: list[Any], current_code: str | None = None) -> Markup:
    """The tier-benefits cards (member/_tier_cards.html), `current_code` marked as the member's."""
    key = (
        "tier_cards",
        current_locale_code(),
        programme_settings(),
        tuple(_tier_fields(tier) for tier in tiers),
        current_code,
    )
    html = _KEPT.get(key)
    if html is None:
        html = Markup(  # noqa: S704 - our own template, escaped as it renders
            render_template("member/_tier_cards.html", tiers=tiers, current_code=current_code)
        )
        if len(_KEPT) >= _MOST_KEPT:
            _KEPT.clear()
        _KEPT[key] = html
    return html


def install_fragments(app: Flask) -> None:
    app.jinja_env.globals["tier_cards"] = tier_cards
