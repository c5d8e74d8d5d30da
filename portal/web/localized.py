"""Records in the reader's language: a record's Chinese text (`<attribute>_zh`) for a reader in
Chinese, when it has one."""

from __future__ import annotations

from portal.web.navigation import current_locale_code


def localized(obj, attribute: str):
    """The Chinese text of a record (`<attribute>_zh`) for a reader in Chinese, when it has one."""
    if current_locale_code() == "zh_Hans":
        translated = getattr(obj, f"{attribute}_zh", None)
        if translated:
            return translated
    return getattr(obj, attribute)


def tier_name(tier) -> str:
    return localized(tier, "name")


def tier_benefits(tier) -> list[str]:
    return [line for line in (localized(tier, "benefits") or "").splitlines() if line.strip()]
