"""Links that leave the page: absolute URLs for mail, and redirects that stay on the site."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Flask, current_app, request


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link for mail, built from PORTAL_BASE_URL and never from the Host header;
    it works in a request and in `run-jobs` alike."""
    base = urlsplit(current_app.config["PORTAL_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def safe_next(target: str | None, default: str = "/dashboard") -> str:
    """A redirect target on this site only: a path, never another host (`//evil`, `/\\evil`,
    `https://evil`)."""
    if not target:
        return default
    target = target.strip()
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 for c in target)
    ):
        return default
    return target


def referrer_path() -> str | None:
    """The page the request came from, when it is on this site."""
    if not request.referrer:
        return None
    parts = urlsplit(request.referrer)
    if parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def map_search_url(place: str, locale_code: str = "en") -> str:
    """A map search for a place: Amap for a reader in Chinese, OpenStreetMap otherwise."""
    if locale_code == "zh_Hans":
        return "https://uri.amap.com/search?" + urlencode({"keyword": place})
    return "https://www.openstreetmap.org/search?" + urlencode({"query": place})


def install_links(app: Flask) -> None:
    app.jinja_env.globals["external_url"] = external_url
    app.jinja_env.globals["map_search_url"] = map_search_url
