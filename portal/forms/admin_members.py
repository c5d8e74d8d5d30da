"""Staff forms on a member's page: search, birthday correction, points, tier."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from portal.forms.fields import strip, whole_number_field
from portal.services.members.desk import MAX_ADJUSTMENT
from portal.services.members.search import ACTIVE_DAYS, DEFAULT_ACTIVE_DAYS, MemberFilters
from portal.services.programme.local_time import local_date


class MemberSearchForm(FlaskForm):
    """The members list: what was typed and the filters, all in the URL (GET)."""

    class Meta:
        csrf = False

    q = SearchField(
        _l("Name, email, card number or phone"),
        filters=[strip],
        validators=[Optional(), Length(max=100)],
    )
    tier = SelectField(_l("Tier"), validate_choice=True, default="")
    store = SelectField(_l("Bought in"), validate_choice=True, default="")
    joined_from = DateField(_l("Joined from"), validators=[Optional()])
    joined_to = DateField(_l("Joined until"), validators=[Optional()])
    active = SelectField(
        _l("Activity"),
        choices=[
            SelectChoice("", _l("Any")),
            SelectChoice("yes", _l("Bought recently")),
            SelectChoice("no", _l("Not bought recently")),
        ],
        default="",
    )
    active_days = SelectField(
        _l("Recently means the last"),
        choices=[SelectChoice(str(days), _l("%(days)d days", days=days)) for days in ACTIVE_DAYS],
        default=str(DEFAULT_ACTIVE_DAYS),
    )
    # The groups of the last segment refresh (choices set by the route, with their names).
    segment = SelectField(_l("Segment"), validate_choice=True, default="")
    sort = SelectField(
        _l("Sort by"),
        choices=[
            SelectChoice("joined", _l("Joined")),
            SelectChoice("name", _l("Name")),
            SelectChoice("points", _l("Points")),
            SelectChoice("last_purchase", _l("Last purchase")),
        ],
        default="joined",
    )
    order = SelectField(
        _l("Order"),
        choices=[
            SelectChoice("desc", _l("Descending")),
            SelectChoice("asc", _l("Ascending")),
        ],
        default="desc",
    )

    def validate_joined_to(self, field):
        if field.data and self.joined_from.data and field.data < self.joined_from.data:
            raise ValidationError(_l("The end of the joining dates is before their start."))

    def filters(self) -> MemberFilters:
        """The filters this form asks for; a field that is not valid is left out."""

        def kept(name):
            field = self[name]
            return None if field.errors or not field.data else field.data

        try:
            days = int(self.active_days.data or DEFAULT_ACTIVE_DAYS)
        except ValueError:
            days = DEFAULT_ACTIVE_DAYS
        return MemberFilters(
            text=kept("q") or "",
            tier=kept("tier"),
            store=kept("store"),
            joined_from=kept("joined_from"),
            joined_to=kept("joined_to"),
            active=kept("active"),
            active_days=days,
            segment=kept("segment"),
            sort=kept("sort") or "joined",
            descending=self.order.data != "asc",
        )


def _reason(label, message):
    return StringField(
        label,
        filters=[strip],
        validators=[DataRequired(message), Length(max=200)],
    )


class BirthdayForm(FlaskForm):
    birthday = DateField(
        _l("Birthday"),
        validators=[InputRequired(_l("Enter the birthday as a date."))],
    )
    reason = _reason(
        _l("Why it changes"), _l("Say why the birthday is corrected (for the audit log).")
    )

    def validate_birthday(self, field):
        if field.data is None:  # not a date: say it as the empty field does
            field.errors[:] = []
            raise ValidationError(_l("Enter the birthday as a date."))
        if field.data > local_date():
            raise ValidationError(_l("A birthday cannot be in the future."))
        if field.data < date(1900, 1, 1):
            raise ValidationError(_l("Check the year."))


class PointsAdjustmentForm(FlaskForm):
    direction = RadioField(
        _l("Adjustment"),
        choices=[
            SelectChoice("credit", _l("Add points")),
            SelectChoice("debit", _l("Take points away")),
        ],
        default="credit",
        validators=[InputRequired(_l("Choose whether to add or take away points."))],
    )
    points = whole_number_field(
        _l("Points"),
        low=1,
        high=MAX_ADJUSTMENT,
        message=_l("Enter a whole number of points from 1 to 1,000,000."),
        required=_l("Enter a whole number of points."),
    )
    reason = _reason(
        _l("Reason"), _l("Say why the points change; the member reads it in their activity.")
    )
    # The balance the staff member saw: a second submit of the same form (a double click, a
    # second tab) finds it changed and is refused instead of adjusting twice.
    balance_seen = HiddenField()

    @property
    def seen_balance(self) -> int | None:
        try:
            return int(self.balance_seen.data)
        except (TypeError, ValueError):
            return None

    @property
    def signed_points(self) -> int:
        points: int = self.points.data
        return points if self.direction.data == "credit" else -points


class TierForm(FlaskForm):
    tier = SelectField(_l("New tier"), validate_choice=True)
    until = DateField(
        _l("Hold it until (optional)"),
        validators=[Optional()],
        description=_l("Through this day the tier is neither raised nor lowered."),
    )
    reason = _reason(_l("Reason"), _l("Say why the tier changes (for the audit log)."))

    def validate_until(self, field):
        if field.data is not None and field.data <= local_date():
            raise ValidationError(_l("Choose a day after today."))


class BlockForm(FlaskForm):
    reason = _reason(_l("Reason"), _l("Say why (for the audit log)."))


class NoteForm(FlaskForm):
    text = TextAreaField(
        _l("Note"),
        filters=[strip],
        validators=[
            DataRequired(_l("Write the note first.")),
            Length(max=1000, message=_l("Keep the note under 1,000 characters.")),
        ],
    )


class ResendVerificationForm(FlaskForm):
    """Only the CSRF token: the action needs no other input."""


class DecisionForm(FlaskForm):
    note = StringField(_l("Note for the requester"), filters=[strip], validators=[Length(max=200)])
