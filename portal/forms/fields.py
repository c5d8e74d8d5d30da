"""Validators shared by the portal's forms."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from portal.services.members.passwords import password_problem
from portal.services.programme.local_time import local_date

if TYPE_CHECKING:
    from flask_babel.speaklater import LazyString
    from wtforms import IntegerField

PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 \-]{5,24}$")


def strip(value):
    return value.strip() if isinstance(value, str) else value


class AcceptablePassword:
    """At least MIN_LENGTH (12) characters, not a common password, not the name or email."""

    def __init__(self, email_field: str | None = "email", name_field: str | None = "name"):
        self.email_field, self.name_field = email_field, name_field

    def __call__(self, form, field):
        email = form[self.email_field].data if self.email_field in form else ""
        name = form[self.name_field].data if self.name_field in form else ""
        problem = password_problem(field.data or "", email=email or "", name=name or "")
        if problem:
            raise ValidationError(problem)


def valid_phone(form, field):
    if field.data and not PHONE_PATTERN.match(field.data):
        raise ValidationError(_l("Enter a phone number, like +86 138 0013 8000."))


def plausible_birthday(form, field):
    if field.data is None:
        return
    today = local_date()
    if field.data > today:
        raise ValidationError(_l("Your birthday cannot be in the future."))
    if field.data < date(1900, 1, 1):
        raise ValidationError(_l("Please check the year."))


def whole_number_field(
    label: str | LazyString,
    *,
    low: int,
    high: int,
    message: str | LazyString,
    required: str | LazyString | None = None,
    **kwargs: Any,
) -> IntegerField:
    """A whole number from `low` to `high` (`message` says so), typed with the phone's number
    pad. With `required` (the message for an empty field) it must be given, else it is optional."""
    from wtforms import IntegerField
    from wtforms.validators import InputRequired, NumberRange, Optional

    presence = InputRequired(required) if required is not None else Optional()
    return IntegerField(
        label,
        validators=[presence, NumberRange(min=low, max=high, message=message)],
        render_kw={"inputmode": "numeric", "min": low, "max": high},
        **kwargs,
    )


def email_field(label):
    """An email address: required, at most 254 characters, shaped like name@example.com."""
    from wtforms import EmailField
    from wtforms.validators import DataRequired, Email, Length

    return EmailField(
        label,
        filters=[strip],
        validators=[
            DataRequired(_l("This field is required.")),
            Length(max=254),
            Email(message=_l("Enter an email address like name@example.com.")),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )
