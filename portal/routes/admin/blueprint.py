"""The staff blueprint: every view here needs the staff role; a member gets 403."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_staff():
    if not current_user.is_staff:
        abort(403)
