"""Records in the reader's language: a record's Chinese text (`<attribute>_zh`) for a reader in
Chinese, when it has one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from portal.web.navigation import current_locale_code

if TYPE_CHECKING:
    from portal.models import Tier


def localized(obj: object, attribute: str) -> Any:
    """The Chinese text of a record (`<attribute>_zh`) for a reader in Chinese, when it has one."""
    if current_locale_code() == "zh_Hans":
        translated = getattr(obj, f"{attribute}_zh", None)
        if translated:
            return translated
    return getattr(obj, attribute)


def tier_name(tier: Tier) -> str:
    name: str = localized(tier, "name")
    return name


def tier_benefits(tier: Tier) -> list[str]:
    return [line for line in (localized(tier, "benefits") or "").splitlines() if line.strip()]


def localized_choice(choice: dict[str, str]) -> str:
    """An option of a survey question ({"en": …, "zh": …}) in the reader's language."""
    if current_locale_code() == "zh_Hans" and choice.get("zh"):
        return choice["zh"]
    return choice.get("en", "")
