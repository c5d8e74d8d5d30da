from flask import render_template

from portal.routes.admin import bp
from portal.services import admin_home


@bp.get("/")
def index():
    return render_template("admin/index.html", kpis=admin_home.programme_kpis())
