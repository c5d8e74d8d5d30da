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
from portal.services.programme.local_time import local_date


class MemberSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(
        _l("Name, email, card number or phone"),
        filters=[strip],
        validators=[Optional(), Length(max=100)],
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
    reason = _reason(_l("Reason"), _l("Say why the tier changes (for the audit log)."))
