from flask import render_template
from flask_login import current_user

from portal.routes.admin.blueprint import bp
from portal.services.programme import kpis
from portal.services.purchases.api_tokens import unusual_bursts


@bp.get("/")
def index():
    # Admins see the API tokens that recorded an unusual burst of purchases (DESIGN.md, "API").
    bursts = unusual_bursts() if current_user.is_admin else []
    return render_template("admin/index.html", kpis=kpis.programme_kpis(), bursts=bursts)
