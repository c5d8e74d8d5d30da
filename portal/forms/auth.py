"""Forms for joining, signing in and recovering an account."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, PasswordField, StringField, TelField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.forms.fields import (
    AcceptablePassword,
    email_field,
    plausible_birthday,
    strip,
    valid_phone,
)
from portal.services.members.passwords import MIN_LENGTH

REQUIRED = _l("This field is required.")


class RegisterForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=100)],
        render_kw={"autocomplete": "name"},
    )
    email = email_field(_l("Email"))
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(REQUIRED), AcceptablePassword()],
        description=_l(
            "At least %(n)d characters. A short sentence is easy to remember.", n=MIN_LENGTH
        ),
        render_kw={"autocomplete": "new-password", "minlength": MIN_LENGTH, "maxlength": 128},
    )
    phone = TelField(
        _l("Mobile phone (optional)"),
        filters=[strip],
        validators=[Optional(), Length(max=32), valid_phone],
        render_kw={"autocomplete": "tel"},
    )
    birthday = DateField(
        _l("Birthday (optional)"),
        validators=[Optional(), plausible_birthday],
        description=_l("Purchases in your birthday month earn double points. It can be set once."),
        render_kw={"autocomplete": "bday"},
    )
    referral_code = StringField(
        _l("Referral code (optional)"),
        filters=[strip],
        validators=[Optional(), Length(max=20)],
        description=_l("8 letters and digits, from the friend who invited you."),
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    marketing_opt_in = BooleanField(_l("Send me news of launches, salons and members' offers"))
    terms = BooleanField(
        _l("I accept the programme terms and the privacy notice"),
        validators=[DataRequired(_l("Please accept the terms to join."))],
    )


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=254)],
        render_kw={"autocomplete": "username", "inputmode": "email"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(REQUIRED), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )


class ForgotPasswordForm(FlaskForm):
    email = email_field(_l("Email"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(REQUIRED), AcceptablePassword(None, None)],
        description=_l("At least %(n)d characters.", n=MIN_LENGTH),
        render_kw={"autocomplete": "new-password", "minlength": MIN_LENGTH, "maxlength": 128},
    )
