"""The member's events: the list, an event's page with the RSVP (guests), a change of guests and
the cancellation, and the event's calendar file."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.forms.events import CancelRsvpForm, RsvpForm
from portal.models import Event
from portal.services.events import allocation, answers
from portal.services.events import listing as event_listing
from portal.services.events.allocation import EventRefused, GuestsInvalid
from portal.services.events.calendar import calendar_file
from portal.web.edge import get_or_404
from portal.web.links import external_url
from portal.web.localized import localized
from portal.web.rendering import render
from portal.web.wording import event_refusal_text, party_status_text

bp = Blueprint("events", __name__)


@bp.get("/events")
@login_required
def listing():
    return render(
        "events/list.html",
        cards=event_listing.upcoming_for_member(current_user),
        attended=event_listing.attended_by_member(current_user),
    )


def _event_page(event: Event, *, status: int = 200, form: RsvpForm | None = None, problem=None):
    card = event_listing.event_card(current_user, event)
    preview = answers.guests_preview(event, card.rsvp)
    if form is None:
        form = RsvpForm(formdata=None, max_guests=event.max_guests)
        form.guests.data = card.rsvp.guests if card.rsvp and card.rsvp.is_active else 0
    return render(
        "events/detail.html",
        status=status,
        event=event,
        card=card,
        preview=preview,
        form=form,
        problem=problem,
        status_text=party_status_text(card.rsvp, card.waitlist_position),
        cancel_form=CancelRsvpForm(formdata=None),
    )


@bp.get("/events/<int:event_id>")
@login_required
def detail(event_id: int):
    return _event_page(get_or_404(Event, event_id))


@bp.post("/events/<int:event_id>/rsvp")
@login_required
def rsvp(event_id: int):
    event = get_or_404(Event, event_id)
    form = RsvpForm(max_guests=event.max_guests)
    if not form.validate_on_submit():
        return _event_page(event, status=422, form=form)
    try:
        answer = answers.answer_event(current_user, event, form.guests.data or 0)
    except GuestsInvalid as refused:
        form.guests.errors = [event_refusal_text(refused)]
        return _event_page(event, status=422, form=form)
    except EventRefused as refused:
        return _event_page(event, status=409, form=form, problem=event_refusal_text(refused))
    if answer.status == "confirmed":
        flash(_("Your place is confirmed. We look forward to seeing you."), "success")
    else:
        flash(
            _(
                "The event is full for a party of your size: you are on the waitlist, and we "
                "will tell you as soon as a place is yours."
            ),
            "success",
        )
    return redirect(url_for("events.detail", event_id=event.id), 303)


@bp.route("/events/<int:event_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(event_id: int):
    """Without JavaScript the cancel button leads to this confirmation page; with it, htmx asked
    with hx-confirm before sending, so the request is the confirmation."""
    event = get_or_404(Event, event_id)
    form = CancelRsvpForm()
    htmx = getattr(request, "htmx", None)
    confirmed = bool(htmx) or form.confirmed.data == "yes"
    if request.method == "GET" or not confirmed:
        card = event_listing.event_card(current_user, event)
        if card.rsvp is None or not card.rsvp.is_active:
            return redirect(url_for("events.detail", event_id=event.id), 303)
        return render(
            "events/cancel.html",
            event=event,
            card=card,
            status_text=party_status_text(card.rsvp, card.waitlist_position),
            form=CancelRsvpForm(formdata=None, confirmed="yes"),
        )
    if not form.validate_on_submit():
        return _event_page(event, status=422, problem=_("This form expired. Please try again."))
    try:
        answers.cancel_answer(current_user, event)
    except EventRefused as refused:
        return _event_page(event, status=409, problem=event_refusal_text(refused))
    flash(_("Your answer is cancelled. Thank you for letting us know."), "success")
    return redirect(url_for("events.detail", event_id=event.id), 303)


@bp.get("/events/<int:event_id>/calendar.ics")
@login_required
def calendar(event_id: int):
    event = get_or_404(Event, event_id)
    body = calendar_file(
        event,
        title=localized(event, "title"),
        location=localized(event, "location"),
        description=localized(event, "description") or "",
        url=external_url("events.detail", event_id=event.id),
        rsvp=allocation.member_rsvp(current_user, event),
    )
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="event-{event.id}.ics"'
    return response
