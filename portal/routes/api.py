"""The JSON API for tills and the online shop (DESIGN.md, "API")."""

from flask import Blueprint

from portal.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # authenticated by Bearer token, not by cookie
