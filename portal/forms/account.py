"""Forms of the member's own account page."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms.auth import REQUIRED
from portal.forms.fields import (
    AcceptablePassword,
    email_field,
    plausible_birthday,
    strip,
    valid_phone,
)
from portal.services.members.passwords import MIN_LENGTH


class ProfileForm(FlaskForm):
    name = StringField(
        _l("Your name"), filters=[strip], validators=[DataRequired(REQUIRED), Length(max=100)]
    )
    phone = TelField(
        _l("Mobile phone"), filters=[strip], validators=[Optional(), Length(max=32), valid_phone]
    )
    birthday = DateField(
        _l("Birthday"),
        validators=[Optional(), plausible_birthday],
        description=_l("It can be set once; after that our staff can correct it for you."),
    )
    delivery_address = TextAreaField(
        _l("Delivery address (optional)"),
        filters=[strip],
        validators=[Optional(), Length(max=300)],
        description=_l("Where the online shop sends your orders."),
        render_kw={"autocomplete": "street-address", "rows": 3},
    )


class CommunicationForm(FlaskForm):
    """The member's communication choices (DESIGN.md fixes the field names). The label of
    `marketing_opt_in` is the consent's wording, kept as shown when the member ticks it."""

    channel_email = BooleanField(_l("By email"), id="channel_email")
    channel_in_app = BooleanField(_l("In the portal (notifications)"), id="channel_in_app")
    marketing_opt_in = BooleanField(
        _l("Send me news of launches, salons and members' offers. I can stop them at any time."),
        id="marketing_opt_in",
    )
    personalised_suggestions = BooleanField(
        _l("Suggest rewards for me from what I and members like me chose"),
        id="personalised_suggestions",
    )
    locale = RadioField(
        _l("Language"),
        choices=[SelectChoice("en", "English"), SelectChoice("zh_Hans", "中文")],
        validators=[DataRequired(REQUIRED)],
        id="communication_locale",
    )


MONTHS = [
    SelectChoice("1", _l("January")),
    SelectChoice("2", _l("February")),
    SelectChoice("3", _l("March")),
    SelectChoice("4", _l("April")),
    SelectChoice("5", _l("May")),
    SelectChoice("6", _l("June")),
    SelectChoice("7", _l("July")),
    SelectChoice("8", _l("August")),
    SelectChoice("9", _l("September")),
    SelectChoice("10", _l("October")),
    SelectChoice("11", _l("November")),
    SelectChoice("12", _l("December")),
]


class SpecialDateForm(FlaskForm):
    month = SelectField(
        _l("Month"), choices=MONTHS, coerce=int, validators=[InputRequired(REQUIRED)]
    )
    day = IntegerField(
        _l("Day"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=1, max=31, message=_l("A day of the month, 1 to 31.")),
        ],
        render_kw={"inputmode": "numeric", "min": 1, "max": 31},
    )
    label = StringField(
        _l("What it is (optional)"),
        filters=[strip],
        validators=[Optional(), Length(max=60)],
        description=_l("E.g. “Wedding anniversary”."),
        render_kw={"maxlength": 60},
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(REQUIRED), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[InputRequired(REQUIRED), AcceptablePassword(None, None)],
        description=_l(
            "At least %(n)d characters. Other devices will be signed out.", n=MIN_LENGTH
        ),
        render_kw={"autocomplete": "new-password", "minlength": MIN_LENGTH, "maxlength": 128},
    )


class ChangeEmailForm(FlaskForm):
    new_email = email_field(_l("New email"))
    password = PasswordField(
        _l("Your password"),
        validators=[InputRequired(REQUIRED), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )


class LanguageForm(FlaskForm):
    locale = StringField(_l("Language"), validators=[DataRequired(), AnyOf(["en", "zh_Hans"])])


class CloseAccountForm(FlaskForm):
    # Its own element id: the email form on the same page has a `password` field too.
    password = PasswordField(
        _l("Your password"),
        id="close_password",
        validators=[InputRequired(REQUIRED), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    understood = BooleanField(
        _l("I understand my points and vouchers will be lost"),
        validators=[DataRequired(_l("Please tick the box to confirm."))],
    )


class PasskeyNameForm(FlaskForm):
    name = StringField(
        _l("Name of the passkey"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=60)],
        description=_l("So you can tell your passkeys apart, e.g. “My iPhone”."),
    )


class AddPasskeyForm(FlaskForm):
    # Their own element ids: the profile, email and closing forms on the same page have a name
    # and a password too.
    name = StringField(
        _l("Name of the passkey"),
        id="passkey_name",
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=60)],
        description=_l("So you can tell your passkeys apart, e.g. “My iPhone”."),
    )
    password = PasswordField(
        _l("Your password"),
        id="passkey_password",
        validators=[InputRequired(REQUIRED), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
