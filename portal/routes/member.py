"""The member's home: the landing page, the dashboard and notifications."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user, login_required

from portal.services.members.dashboard import dashboard_for, programme_tiers, recent_notifications
from portal.services.messaging.notifications import mark_all_read
from portal.services.surveys.testimonials import testimonials
from portal.web.rendering import render

bp = Blueprint("member", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("member.dashboard"))
    return render("member/landing.html", tiers=programme_tiers(), testimonials=testimonials())


@bp.get("/dashboard")
@login_required
def dashboard():
    return render("member/dashboard.html", home=dashboard_for(current_user))


@bp.post("/notifications/read")
@login_required
def mark_notifications_read():
    mark_all_read(current_user)
    return redirect(url_for("member.notifications"), 303)


@bp.get("/notifications")
@login_required
def notifications():
    return render("member/notifications.html", notifications=recent_notifications(current_user))
