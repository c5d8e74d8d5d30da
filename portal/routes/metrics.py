"""/metrics for Prometheus: only from PORTAL_METRICS_ALLOW (loopback unless configured); to
anyone else the page does not exist."""

from __future__ import annotations

from flask import Blueprint, abort, current_app
from prometheus_client import CONTENT_TYPE_LATEST

from portal.extensions import client_address, csrf, limiter
from portal.web.metrics_page import may_read_metrics, metrics_text

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
@limiter.exempt
@csrf.exempt
def metrics():
    if not may_read_metrics(client_address(), current_app.config.get("PORTAL_METRICS_ALLOW")):
        abort(404)
    return current_app.response_class(metrics_text(), mimetype=CONTENT_TYPE_LATEST)
