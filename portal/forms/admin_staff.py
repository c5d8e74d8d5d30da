"""Admins' forms for staff accounts and API tokens (/admin/settings/staff, /tokens)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.forms.fields import email_field, strip
from portal.models.purchases import API_SCOPES
from portal.web.labels import API_SCOPE_LABELS, ROLE_LABELS

REQUIRED = _l("This field is required.")


def _role_choices() -> list[SelectChoice]:
    return [SelectChoice(role, ROLE_LABELS[role]) for role in ("staff", "admin")]


class InviteStaffForm(FlaskForm):
    name = StringField(
        _l("Name"), filters=[strip], validators=[DataRequired(REQUIRED), Length(max=100)]
    )
    email = email_field(_l("Email"))
    role = RadioField(
        _l("Role"),
        choices=_role_choices(),
        default="staff",
        validators=[InputRequired(_l("Choose staff or admin."))],
        description=_l("Admins also change the settings, staff accounts and API tokens."),
    )


class RoleForm(FlaskForm):
    role = SelectField(
        _l("Role"),
        choices=_role_choices(),
        validators=[InputRequired(_l("Choose staff or admin."))],
    )


class ConfirmForm(FlaskForm):
    """A button that changes something: only its CSRF token is sent."""


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=100)],
        description=_l("Say which till or system uses it, e.g. Shanghai IFC till 2."),
    )
    store = StringField(
        _l("Store (optional)"),
        filters=[strip],
        validators=[Optional(), Length(max=100)],
        description=_l("The store whose tills send with it, when it belongs to one."),
    )
    scopes = MultiCheckboxField(
        _l("What it may do"),
        choices=[SelectChoice(scope, API_SCOPE_LABELS[scope]) for scope in API_SCOPES],
        default=["purchases"],
        validators=[DataRequired(_l("Choose at least one thing the token may do."))],
    )
