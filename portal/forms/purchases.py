"""The purchase history's date filter (a GET form: no CSRF, it changes nothing)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, StringField
from wtforms.validators import ValidationError
from wtforms.widgets import DateInput

from portal.forms.fields import strip

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


def parse_day(field: Field) -> date | None:
    raw = (field.data or "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError(_l("Enter a date like 2026-03-01.")) from exc
    if not EARLIEST <= day <= LATEST:
        raise ValidationError(_l("Choose a date between 2000 and 2100."))
    return day


class PurchaseFilterForm(FlaskForm):
    class Meta:
        csrf = False

    date_from = StringField(_l("From"), name="from", widget=DateInput(), filters=[strip])
    date_to = StringField(_l("To"), name="to", widget=DateInput(), filters=[strip])

    day_from: date | None = None
    day_to: date | None = None

    def validate_date_from(self, field):
        self.day_from = parse_day(field)

    def validate_date_to(self, field):
        self.day_to = parse_day(field)
        if self.day_to and self.day_from and self.day_to < self.day_from:
            raise ValidationError(_l("The end date is before the start date."))

    @property
    def filtering(self) -> bool:
        return bool(self.day_from or self.day_to)
