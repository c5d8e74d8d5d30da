"""The navigation: the member's (top links on a laptop, a bottom bar on a phone) and the staff
pages' (a row of tabs under the header, from admin/base.html).

An entry shows once its page exists, so areas appear in the menu as they are added: a new
area adds one line to MEMBER_NAV or ADMIN_NAV.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.services.engagement.calls import open_calls_today
from portal.services.members.adjustments import pending_request_count
from portal.services.surveys.cases import overdue_count

ICONS = {
    "home": "M12 3 2 12h3v8h5v-5h4v5h5v-8h3Z",
    "gift": "M20 7h-2.2A3 3 0 0 0 12 3.8 3 3 0 0 0 6.2 7H4a1 1 0 0 0-1 1v3h18V8a1 1 0 0 0-1-1Zm-11-.5a1 1 0 1 1 2 0V7H9.5a.5.5 0 0 1-.5-.5ZM13 7v-.5a1 1 0 1 1 1 1h-1ZM4 13v7a1 1 0 0 0 1 1h6v-8Zm9 8h6a1 1 0 0 0 1-1v-7h-7Z",
    "card": "M3 5h18a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1Zm1 4v2h16V9Zm0 5v2h6v-2Z",
    "receipt": "M6 2h12v20l-3-2-3 2-3-2-3 2Zm3 5v2h6V7Zm0 4v2h6v-2Zm0 4v2h4v-2Z",
    "calendar": "M7 2h2v2h6V2h2v2h3v18H4V4h3Zm-1 8v10h12V10Z",
}


@dataclass
class NavItem:
    endpoint: str
    label: object
    short_label: object
    icon: str


MEMBER_NAV = [
    NavItem("member.dashboard", _l("Dashboard"), _l("Home"), ICONS["home"]),
    NavItem("rewards.catalogue", _l("Rewards"), _l("Rewards"), ICONS["gift"]),
    NavItem("points.card", _l("My card"), _l("Card"), ICONS["card"]),
    NavItem("points.purchases", _l("Purchases"), _l("Activity"), ICONS["receipt"]),
    NavItem("events.listing", _l("Events"), _l("Events"), ICONS["calendar"]),
]


@dataclass
class NavLink:
    url: str
    label: object
    short_label: object
    icon: str
    active: bool


def cached_url(endpoint: str, **values: Any) -> str:
    """url_for of a page or file whose address never changes while the portal runs (the
    navigation's, the layout's scripts and styles), built once per process and script root."""
    key = (request.script_root, endpoint, *sorted(values.items()))
    kept: dict = current_app.extensions.setdefault("portal_cached_urls", {})
    url = kept.get(key)
    if url is None:
        url = kept[key] = url_for(endpoint, **values)
    return str(url)


def static_url(filename: str) -> str:
    return cached_url("static", filename=filename)


def member_nav() -> list[NavLink]:
    links = []
    current_blueprint = (request.endpoint or "").split(".")[0]
    for item in MEMBER_NAV:
        if item.endpoint not in current_app.view_functions:
            continue
        blueprint = item.endpoint.split(".")[0]
        active = request.endpoint == item.endpoint or (
            blueprint not in ("member",)
            and blueprint == current_blueprint
            and item.endpoint != "points.card"
            and request.endpoint != "points.card"
        )
        links.append(
            NavLink(cached_url(item.endpoint), item.label, item.short_label, item.icon, active)
        )
    return links


def pending_approvals_badge() -> int:
    """Requests waiting for an admin: counted for admins, who decide them."""
    return pending_request_count() if getattr(current_user, "is_admin", False) else 0


@dataclass(frozen=True)
class AdminNavItem:
    """A staff area: its page, and whether only admins see it (settings, staff, API tokens).
    The entry is current on its page and on every page below its URL (/admin/members/7)."""

    endpoint: str
    label: object
    admin_only: bool = False
    # A number shown beside the label when it is not 0 (overdue follow-up cases).
    badge: Callable[[], int] | None = None
    badge_label: object = None


ADMIN_NAV = [
    AdminNavItem("admin.index", _l("Overview")),
    AdminNavItem("admin.members", _l("Members")),
    AdminNavItem("admin.purchases", _l("Purchases")),
    AdminNavItem("admin.rewards", _l("Rewards")),
    AdminNavItem("admin.redemptions", _l("Vouchers")),
    AdminNavItem("admin.referrals", _l("Referrals")),
    AdminNavItem("admin.events", _l("Events")),
    AdminNavItem("admin.surveys", _l("Surveys")),
    AdminNavItem("admin.moderation", _l("Moderation")),
    AdminNavItem("admin.cases", _l("Cases"), badge=overdue_count, badge_label=_l("overdue")),
    AdminNavItem("admin.calls", _l("Calls"), badge=open_calls_today, badge_label=_l("to make")),
    AdminNavItem(
        "admin.approvals",
        _l("Approvals"),
        badge=pending_approvals_badge,
        badge_label=_l("waiting"),
    ),
    AdminNavItem("admin.audit", _l("Audit log")),
    AdminNavItem("admin.segments", _l("Segments")),
    AdminNavItem("admin.campaigns", _l("Campaigns")),
    AdminNavItem("admin.settings", _l("Settings"), admin_only=True),
]


@dataclass(frozen=True)
class AdminNavLink:
    url: str
    label: object
    active: bool
    badge: int = 0
    badge_label: object = None


def _is_under(path: str, url: str) -> bool:
    """Whether the page at `path` belongs to the area at `url`; the staff home (/admin/, a
    folder's URL) holds only itself."""
    return path == url or (not url.endswith("/") and path.startswith(url + "/"))


def admin_nav() -> list[AdminNavLink]:
    """The staff areas the signed-in person may open, the one they are in marked current."""
    is_admin = bool(getattr(current_user, "is_admin", False))
    items = [
        item
        for item in ADMIN_NAV
        if item.endpoint in current_app.view_functions and (is_admin or not item.admin_only)
    ]
    urls = [url_for(item.endpoint) for item in items]
    holders = [url for url in urls if _is_under(request.path, url)]
    current = max(holders, key=len, default=None)
    return [
        AdminNavLink(
            url,
            item.label,
            url == current,
            item.badge() if item.badge is not None else 0,
            item.badge_label,
        )
        for item, url in zip(items, urls, strict=True)
    ]


def current_locale_code() -> str:
    locale = get_locale()
    return "zh_Hans" if locale is not None and locale.language == "zh" else "en"
