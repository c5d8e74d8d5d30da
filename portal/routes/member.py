"""The member's home: the landing page, the dashboard and notifications."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, url_for
from flask_login import current_user, login_required

from portal.models import MarketingDelivery
from portal.services.engagement.campaigns import record_open
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


def _message_target(delivery: MarketingDelivery) -> str:
    """Where a marketing message leads: its campaign's reward or event, else the page that
    fits the occasion."""
    campaign = delivery.campaign
    if campaign and campaign.reward_id:
        return url_for("rewards.detail", reward_id=campaign.reward_id)
    if campaign and campaign.event_id:
        return url_for("events.detail", event_id=campaign.event_id)
    if delivery.kind == "special_date":
        return url_for("rewards.catalogue")
    return url_for("member.dashboard")


@bp.get("/go/<token>")
def open_message(token: str):
    """A marketing message's tracked link: the open is counted (a click row, as /r/<code>
    counts a referral link's opens), then the member goes on to the page; signing in first
    if needed."""
    delivery = record_open(token)
    if delivery is None:
        abort(404)
    return redirect(_message_target(delivery), 303)
