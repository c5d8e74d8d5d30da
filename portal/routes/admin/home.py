"""The staff home: the KPI dashboard for a period, its CSV exports, and (for admins) the API
tokens' unusual bursts."""

from typing import Any

from flask import Response, abort, request
from flask_login import current_user

from portal.clock import utcnow
from portal.routes.admin.blueprint import bp
from portal.services.programme.dashboard import kpi_dashboard
from portal.services.programme.local_time import local_date
from portal.services.programme.periods import PERIOD_CODES, PeriodRefused, report_period
from portal.services.purchases.api_tokens import unusual_bursts
from portal.web.kpi_export import to_csv
from portal.web.kpi_panels import PANEL_CODES, build_panels, headline_csv, period_errors
from portal.web.rendering import render


def _asked_period():
    return report_period(
        request.args.get("period"),
        request.args.get("from"),
        request.args.get("to"),
        today=local_date(),
    )


@bp.get("/")
def index():
    # Admins see the API tokens that recorded an unusual burst of purchases (DESIGN.md, "API").
    bursts = unusual_bursts() if current_user.is_admin else []
    page: dict[str, Any] = {"bursts": bursts, "period_codes": PERIOD_CODES, "asked": request.args}
    try:
        period = _asked_period()
    except PeriodRefused as refused:
        errors = period_errors(refused.errors)
        return render("admin/index.html", status=422, dashboard=None, errors=errors, **page)
    dashboard = kpi_dashboard(period, now=utcnow())
    return render(
        "admin/index.html", dashboard=dashboard, panels=build_panels(dashboard), errors={}, **page
    )


def _csv(body: str, name: str) -> Response:
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.csv"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def _refused_csv(refused: PeriodRefused) -> Response:
    message = " ".join(f"{field}: {text}" for field, text in period_errors(refused.errors).items())
    return Response(message + "\n", status=400, mimetype="text/plain")


@bp.get("/kpis.csv")
def kpis_csv():
    try:
        period = _asked_period()
    except PeriodRefused as refused:
        return _refused_csv(refused)
    dashboard = kpi_dashboard(period, now=utcnow())
    return _csv(headline_csv(dashboard), f"kpis-{period.first_day}-{period.last_day}")


@bp.get("/kpis/<panel>.csv")
def kpi_panel_csv(panel: str):
    if panel not in PANEL_CODES:
        abort(404)
    try:
        period = _asked_period()
    except PeriodRefused as refused:
        return _refused_csv(refused)
    table = build_panels(kpi_dashboard(period, now=utcnow()))[panel]
    return _csv(
        to_csv(table.csv_header, table.csv_rows),
        f"kpis-{panel}-{period.first_day}-{period.last_day}",
    )
