"""Who is asking, as the referral checks need it: the client address and a device cookie.

The device cookie is a random id the browser keeps (nothing personal is in it); several friends
registering from one device within a day are held for staff review.
"""

from __future__ import annotations

import re
import secrets

from flask import Response, current_app, g, request

from portal.extensions import client_address
from portal.services.referrals.attribution import Visitor

DEVICE_COOKIE = "portal_device"
DEVICE_MAX_AGE = 60 * 60 * 24 * 400
_DEVICE_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def device_id() -> str:
    """This browser's device id; a new one is set with the response when it has none."""
    value = request.cookies.get(DEVICE_COOKIE, "")
    if _DEVICE_SHAPE.match(value):
        return value
    new: str | None = g.get("new_device")
    if new is None:
        new = g.new_device = secrets.token_urlsafe(18)
    return new


def current_visitor() -> Visitor:
    return Visitor(ip=client_address(), device=device_id())


def remember_device(response: Response) -> Response:
    """after_request: hand the browser the device id made for it during this request."""
    new = g.get("new_device")
    if new:
        response.set_cookie(
            DEVICE_COOKIE,
            new,
            max_age=DEVICE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
    return response
