"""A signed-in browser in words a member recognises ("Chrome on Android"), from its user agent."""

from __future__ import annotations

import re

from flask_babel import gettext as _

# The first that matches names it; the order matters (Edge and WeChat also say "Chrome").
BROWSERS = (
    (re.compile(r"MicroMessenger", re.I), "WeChat"),
    (re.compile(r"Edg(e|A|iOS)?/"), "Edge"),
    (re.compile(r"OPR/|Opera"), "Opera"),
    (re.compile(r"SamsungBrowser"), "Samsung Internet"),
    (re.compile(r"UCBrowser"), "UC Browser"),
    (re.compile(r"Firefox/|FxiOS/"), "Firefox"),
    (re.compile(r"Chrome/|CriOS/|Chromium/"), "Chrome"),
    (re.compile(r"Safari/"), "Safari"),
)
SYSTEMS = (
    (re.compile(r"iPhone"), "iPhone"),
    (re.compile(r"iPad"), "iPad"),
    (re.compile(r"HarmonyOS|OpenHarmony"), "HarmonyOS"),
    (re.compile(r"Android"), "Android"),
    (re.compile(r"Windows"), "Windows"),
    (re.compile(r"CrOS"), "ChromeOS"),
    (re.compile(r"Macintosh|Mac OS X"), "Mac"),
    (re.compile(r"Linux"), "Linux"),
)


def _first(patterns: tuple[tuple[re.Pattern[str], str], ...], text: str) -> str | None:
    for pattern, name in patterns:
        if pattern.search(text):
            return name
    return None


def device_label(user_agent: str | None) -> str:
    text = user_agent or ""
    browser, system = _first(BROWSERS, text), _first(SYSTEMS, text)
    if browser and system:
        label: str = _("%(browser)s on %(system)s", browser=browser, system=system)
        return label
    if browser or system:
        return browser or system or ""
    unknown: str = _("An unknown browser")
    return unknown
