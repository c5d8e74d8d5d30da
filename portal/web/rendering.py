"""One way to answer a page request: the whole page, or, when htmx asks for one element of it,
just that element's block (Contact.app's pattern, with jinja2-fragments).

Every URL stays a real page: a boosted navigation, a reload or the back button get the full
page; only a request whose HX-Target (or HX-Trigger) names a container gets its block.
"""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template, request
from jinja2_fragments.flask import render_block


def wanted_fragment(fragments: dict[str, str]) -> str | None:
    """The block to render for this request, or None for the full page."""
    htmx = getattr(request, "htmx", None)
    if not htmx or htmx.boosted or htmx.history_restore_request:
        return None
    for element_id in (htmx.target, htmx.trigger):
        if element_id and element_id in fragments:
            return fragments[element_id]
    return None


def render(
    template: str, *, fragments: dict[str, str] | None = None, status: int = 200, **context: Any
) -> Response:
    """Render `template`; `fragments` maps element ids to the block that fills each of them."""
    block = wanted_fragment(fragments or {})
    if block is not None:
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response
