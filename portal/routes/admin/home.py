from flask import render_template

from portal.routes.admin.blueprint import bp
from portal.services.programme import kpis


@bp.get("/")
def index():
    return render_template("admin/index.html", kpis=kpis.programme_kpis())
