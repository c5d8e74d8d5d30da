"""Staff: keep the events, see and export the guest list, and check people in at the door."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.clock import utcnow
from portal.forms.events import (
    ButtonForm,
    CardCheckInForm,
    DoorSearchForm,
    EventForm,
    WalkInForm,
)
from portal.models import Event, EventRsvp, Member
from portal.routes.admin.blueprint import bp
from portal.services.events import allocation, answers, door, editing, listing
from portal.services.events.allocation import EventRefused, GuestsInvalid
from portal.services.points.tiers import all_tiers
from portal.services.programme.local_time import from_local, to_local
from portal.services.programme.refusals import Invalid
from portal.web.edge import get_or_404
from portal.web.formatting import local_datetime
from portal.web.labels import RSVP_STATUS_LABELS
from portal.web.rendering import render
from portal.web.wording import event_refusal_text

DOOR_FRAGMENTS = {"door-results": "results"}

# -- the list and the event form -------------------------------------------------------------


@bp.get("/events")
def events():
    return render("admin/events/list.html", rows=listing.events_for_staff())


def _changes(form: EventForm) -> editing.EventChanges:
    return editing.EventChanges(
        kind=form.kind.data,
        title=form.title.data,
        title_zh=form.title_zh.data or None,
        description=form.description.data or "",
        description_zh=form.description_zh.data or None,
        location=form.location.data,
        location_zh=form.location_zh.data or None,
        starts_at=from_local(form.starts_at.data),
        ends_at=from_local(form.ends_at.data),
        rsvp_deadline=from_local(form.rsvp_deadline.data),
        capacity=form.capacity.data,
        min_tier=form.min_tier.data or None,
        max_guests=form.max_guests.data,
        attendance_points=form.attendance_points.data,
    )


def _refusal_on_form(form: EventForm, refused: Invalid) -> None:
    if refused.code == "capacity_below_taken":
        form.capacity.errors = [*form.capacity.errors, event_refusal_text(refused)]
        return
    if "ends_at" in refused.errors:
        form.ends_at.errors = [*form.ends_at.errors, _("The end must be after the start.")]
    if "rsvp_deadline" in refused.errors:
        form.rsvp_deadline.errors = [
            *form.rsvp_deadline.errors,
            _("Answers must close before the event starts."),
        ]


def _event_page(event: Event | None, form: EventForm, *, status: int = 200, problem=None):
    return render(
        "admin/events/form.html",
        status=status,
        event=event,
        form=form,
        problem=problem,
        counts=listing.event_counts(event) if event is not None else None,
        guests=listing.guest_list(event) if event is not None else [],
        button=ButtonForm(formdata=None),
    )


@bp.route("/events/new", methods=["GET", "POST"])
def new_event():
    form = EventForm(tiers=all_tiers())
    if request.method == "POST":
        if form.validate():
            try:
                event = editing.create_event(_changes(form), staff=current_user)
            except Invalid as refused:
                _refusal_on_form(form, refused)
            else:
                flash(_("Event “%(title)s” added.", title=event.title), "success")
                return redirect(url_for("admin.event", event_id=event.id), 303)
        return _event_page(None, form, status=422)
    return _event_page(None, form)


def _filled_form(event: Event) -> EventForm:
    form = EventForm(formdata=None, obj=event, tiers=all_tiers())
    form.min_tier.data = event.min_tier or ""
    form.starts_at.data = to_local(event.starts_at)
    form.ends_at.data = to_local(event.ends_at)
    form.rsvp_deadline.data = to_local(event.rsvp_deadline)
    return form


@bp.route("/events/<int:event_id>", methods=["GET", "POST"])
def event(event_id: int):
    found = get_or_404(Event, event_id)
    if request.method == "GET":
        return _event_page(found, _filled_form(found))
    form = EventForm(tiers=all_tiers())
    if not form.validate():
        return _event_page(found, form, status=422)
    try:
        editing.update_event(found, _changes(form), staff=current_user)
    except Invalid as refused:
        _refusal_on_form(form, refused)
        return _event_page(found, form, status=422)
    except editing.EventAlreadyCancelled as refused:
        return _event_page(found, form, status=409, problem=event_refusal_text(refused))
    flash(_("Event “%(title)s” saved.", title=found.title), "success")
    return redirect(url_for("admin.event", event_id=found.id), 303)


@bp.post("/events/<int:event_id>/cancel")
def cancel_event(event_id: int):
    found = get_or_404(Event, event_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        told = editing.cancel_event(found, staff=current_user)
    except editing.EventAlreadyCancelled as refused:
        return _event_page(
            found, _filled_form(found), status=409, problem=event_refusal_text(refused)
        )
    flash(
        _("The event is cancelled; %(num)d members were told.", num=told),
        "success",
    )
    return redirect(url_for("admin.event", event_id=found.id), 303)


@bp.post("/events/<int:event_id>/parties/<int:rsvp_id>/cancel")
def cancel_party(event_id: int, rsvp_id: int):
    found = get_or_404(Event, event_id)
    party = get_or_404(EventRsvp, rsvp_id, owner=found, owner_column="event_id")
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        answers.cancel_party(party, current_user)
    except EventRefused as refused:
        return _event_page(
            found, _filled_form(found), status=409, problem=event_refusal_text(refused)
        )
    flash(_("The party of %(name)s is cancelled.", name=party.member.name), "success")
    return redirect(url_for("admin.event", event_id=found.id), 303)


@bp.get("/events/<int:event_id>/guests.csv")
def guests_csv(event_id: int):
    found = get_or_404(Event, event_id)
    header = [
        _("Name"),
        _("Email"),
        _("Phone"),
        _("Card number"),
        _("Status"),
        _("Guests"),
        _("Walk-in"),
        _("Answered"),
        _("Checked in"),
    ]
    rows = [
        [
            party.member.name,
            party.member.email,
            party.member.phone or "",
            party.member.card_number,
            str(RSVP_STATUS_LABELS[party.status]),
            party.guests,
            _("yes") if party.walk_in else "",
            local_datetime(party.created_at, "short"),
            local_datetime(party.checked_in_at, "short") if party.checked_in_at else "",
        ]
        for party in listing.guest_list(found)
    ]
    response = Response(listing.guest_list_csv(found, header, rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="event-{found.id}-guests.csv"'
    return response


# -- the door --------------------------------------------------------------------------------


def _door_answer(found: Event) -> door.DoorAnswer | None:
    """The answer to show, carried by the redirect after a check-in (the page stays a page)."""
    code = request.args.get("answer", "")
    if code not in door.ANSWER_CODES:
        return None
    member = _member_or_none(request.args.get("member", 0, type=int))
    rsvp = allocation.member_rsvp(member, found) if member is not None else None
    other = None
    other_id = request.args.get("other", 0, type=int)
    if code == "wrong_event" and other_id:
        other = get_or_404(Event, other_id)
    return door.DoorAnswer(
        code, member, rsvp, other_event=other, places_left=allocation.places_left(found)
    )


def _member_or_none(member_id: int | None) -> Member | None:
    """The member named by the answer's link (404 for an id that does not exist)."""
    return get_or_404(Member, member_id) if member_id else None


def _door_page(found: Event, *, status: int = 200, problem=None, card_form=None):
    form = DoorSearchForm(formdata=request.args)
    search = (form.q.data or "") if form.validate() else ""
    counts = listing.event_counts(found)
    return render(
        "admin/events/checkin.html",
        fragments=DOOR_FRAGMENTS,
        status=status,
        event=found,
        form=form,
        search=search,
        matches=door.door_search(found, search),
        answer=_door_answer(found),
        problem=problem,
        counts=counts,
        places_left=allocation.places_left(found),
        door_opens_at=door.door_opens_at(found),
        now=utcnow(),
        card_form=card_form or CardCheckInForm(formdata=None),
        button=ButtonForm(formdata=None),
        walk_in_form=WalkInForm(formdata=None),
    )


def _after(found: Event, answer: door.DoorAnswer):
    args: dict[str, Any] = {"event_id": found.id, "answer": answer.code}
    if answer.member is not None:
        args["member"] = answer.member.id
    if answer.other_event is not None:
        args["other"] = answer.other_event.id
    return redirect(url_for("admin.checkin", **args), 303)


@bp.get("/events/<int:event_id>/checkin")
def checkin(event_id: int):
    return _door_page(get_or_404(Event, event_id))


@bp.post("/events/<int:event_id>/checkin")
def checkin_card(event_id: int):
    found = get_or_404(Event, event_id)
    form = CardCheckInForm()
    if not form.validate_on_submit():
        return _door_page(found, status=422, card_form=form)
    try:
        answer = door.check_in_card(found, form.code.data, current_user)
    except EventRefused as refused:
        return _door_page(found, status=409, problem=event_refusal_text(refused))
    return _after(found, answer)


@bp.post("/events/<int:event_id>/checkin/<int:rsvp_id>")
def checkin_party(event_id: int, rsvp_id: int):
    found = get_or_404(Event, event_id)
    party = get_or_404(EventRsvp, rsvp_id, owner=found, owner_column="event_id")
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        answer = door.check_in(found, party, current_user)
    except EventRefused as refused:
        return _door_page(found, status=409, problem=event_refusal_text(refused))
    return _after(found, answer)


@bp.post("/events/<int:event_id>/checkin/<int:rsvp_id>/undo")
def undo_checkin(event_id: int, rsvp_id: int):
    found = get_or_404(Event, event_id)
    party = get_or_404(EventRsvp, rsvp_id, owner=found, owner_column="event_id")
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        door.undo_check_in(party, current_user)
    except EventRefused as refused:
        return _door_page(found, status=409, problem=event_refusal_text(refused))
    flash(_("Check-in of %(name)s undone.", name=party.member.name), "success")
    return redirect(url_for("admin.checkin", event_id=found.id), 303)


@bp.post("/events/<int:event_id>/walk-in")
def walk_in(event_id: int):
    found = get_or_404(Event, event_id)
    form = WalkInForm()
    if not form.validate_on_submit() or not (form.member_id.data or "").isdigit():
        return _door_page(found, status=422, problem=_("Say how many guests come in (0 if none)."))
    member = get_or_404(Member, int(form.member_id.data))
    try:
        answer = door.admit_walk_in(found, member, form.guests.data or 0, current_user)
    except GuestsInvalid as refused:
        return _door_page(found, status=422, problem=event_refusal_text(refused))
    except EventRefused as refused:
        return _door_page(found, status=409, problem=event_refusal_text(refused))
    return _after(found, answer)
