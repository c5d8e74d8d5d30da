"""Forms of the events: the member's RSVP and cancellation, the staff's event form and the door's
check-in forms. Field names are those of DESIGN.md (`guests`; the event's model columns)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.forms.fields import strip, whole_number_field
from portal.web.labels import EVENT_KIND_LABELS
from portal.web.localized import tier_name

LOCAL_MINUTES = "%Y-%m-%dT%H:%M"
MAX_CAPACITY = 10_000
MAX_GUESTS = 10
MAX_ATTENDANCE_POINTS = 100_000


class GuestsField(IntegerField):
    """A number of guests; anything but a whole number gets a sentence a member understands."""

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0].strip() == "":
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a whole number of guests, like 0, 1 or 2.")) from None


class RsvpForm(FlaskForm):
    """`guests`: how many people the member brings, 0 to the event's maximum."""

    guests = GuestsField(
        _l("Guests"),
        validators=[InputRequired(_l("Say how many guests you bring (0 if none)."))],
        render_kw={"inputmode": "numeric"},
    )

    def __init__(self, *args: Any, max_guests: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_guests = max_guests
        self.guests.render_kw = {"inputmode": "numeric", "min": 0, "max": max_guests}

    def validate_guests(self, field):
        if field.data is None:
            return
        if field.data < 0 or field.data > self.max_guests:
            raise ValidationError(
                _l("You may bring from 0 to %(max)d guests.", max=self.max_guests)
                if self.max_guests
                else _l("This event is for members only, without guests: enter 0.")
            )


class CancelRsvpForm(FlaskForm):
    # Sent by the no-JavaScript confirmation page; an htmx request has asked with hx-confirm.
    confirmed = HiddenField()


class ButtonForm(FlaskForm):
    """A button that changes something: its CSRF token is all it sends."""


class LocalDateTimeField(DateTimeLocalField):
    """A `datetime-local` input: a wall-clock time in the programme's zone (the route turns it
    into UTC); anything else gets a sentence staff understand."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=LOCAL_MINUTES, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a date and time, like 2026-09-18 19:00.")) from None


def _choices(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class EventForm(FlaskForm):
    """The staff's event form: times are typed in the programme's zone."""

    title = StringField(
        _l("Title"),
        filters=[strip],
        validators=[DataRequired(_l("Give the event a title.")), Length(max=120)],
    )
    title_zh = StringField(_l("Title in Chinese"), filters=[strip], validators=[Length(max=120)])
    kind = SelectField(_l("Kind of event"), choices=_choices(EVENT_KIND_LABELS.items()))
    description = TextAreaField(_l("Description"), filters=[strip], validators=[Length(max=4000)])
    description_zh = TextAreaField(
        _l("Description in Chinese"), filters=[strip], validators=[Length(max=4000)]
    )
    location = StringField(
        _l("Place"),
        filters=[strip],
        validators=[DataRequired(_l("Say where the event takes place.")), Length(max=200)],
        description=_l("The boutique or venue and its address: the map link searches for it."),
    )
    location_zh = StringField(_l("Place in Chinese"), filters=[strip], validators=[Length(max=200)])
    starts_at = LocalDateTimeField(
        _l("Starts"),
        validators=[InputRequired(_l("Enter the date and time it starts."))],
    )
    ends_at = LocalDateTimeField(
        _l("Ends"),
        validators=[InputRequired(_l("Enter the date and time it ends."))],
    )
    rsvp_deadline = LocalDateTimeField(
        _l("Answers close"),
        validators=[InputRequired(_l("Enter when answers close."))],
        description=_l("Members can answer and change their guests until then."),
    )
    capacity = whole_number_field(
        _l("Capacity (people, guests included)"),
        low=1,
        high=MAX_CAPACITY,
        message=_l("The capacity is a whole number from 1 to 10,000."),
        required=_l("Enter how many people the event can take."),
    )
    min_tier = SelectField(_l("Lowest tier invited"))
    max_guests = whole_number_field(
        _l("Guests per member, at most"),
        low=0,
        high=MAX_GUESTS,
        message=_l("From 0 to 10 guests per member."),
        required=_l("Enter how many guests a member may bring (0 for none)."),
        default=1,
    )
    attendance_points = whole_number_field(
        _l("Points for attending"),
        low=0,
        high=MAX_ATTENDANCE_POINTS,
        message=_l("From 0 to 100,000 points."),
        required=_l("Enter the points for attending (0 for none)."),
        default=0,
    )

    def __init__(self, *args, tiers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.min_tier.choices = _choices(
            [("", _l("Every member")), *[(t.code, tier_name(t)) for t in tiers]]
        )

    def validate_ends_at(self, field):
        if field.data and self.starts_at.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must be after the start."))

    def validate_rsvp_deadline(self, field):
        if field.data and self.starts_at.data and field.data > self.starts_at.data:
            raise ValidationError(_l("Answers must close before the event starts."))


class DoorSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(
        _l("Name, phone or card number"),
        filters=[strip],
        validators=[Optional(), Length(max=100)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class CardCheckInForm(FlaskForm):
    code = StringField(
        _l("Card number"),
        filters=[strip],
        validators=[DataRequired(_l("Type or scan the card number.")), Length(max=40)],
        render_kw={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"},
    )


class WalkInForm(FlaskForm):
    member_id = HiddenField(validators=[DataRequired()])
    guests = GuestsField(
        _l("Guests with them"),
        default=0,
        validators=[InputRequired(_l("Say how many guests come in (0 if none)."))],
        render_kw={"inputmode": "numeric", "min": 0},
    )
