"""The programme settings form (/admin/settings): one field per setting, named after its key,
built from the settings themselves so a new setting has its field at once."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from portal.forms.fields import strip, whole_number_field
from portal.services.programme.settings import DEFAULTS, FIXED, SETTING_NAMES, setting_range
from portal.web.labels import SETTING_LABELS


def settings_form_class() -> type[FlaskForm]:
    attributes: dict[str, Any] = {}
    for key in SETTING_NAMES:
        label, hint = SETTING_LABELS.get(key, (_l(key.replace("_", " ").capitalize()), None))
        if isinstance(getattr(DEFAULTS, key), int):
            low, high = setting_range(key)
            attributes[key] = whole_number_field(
                label,
                low=low,
                high=high,
                message=_l(
                    "Enter a whole number from %(low)s to %(high)s.",
                    low=f"{low:,}",
                    high=f"{high:,}",
                ),
                required=_l("This field is required."),
                description=hint,
            )
        else:
            render_kw = {"readonly": True} if key in FIXED else {}
            attributes[key] = StringField(
                label,
                filters=[strip],
                validators=[InputRequired(_l("This field is required.")), Length(max=100)],
                description=hint,
                render_kw=render_kw,
            )
    return type("SettingsForm", (FlaskForm,), attributes)


def changed_values(form: FlaskForm) -> dict[str, Any]:
    """The values typed, by key (the fixed ones are left out: they are shown, not changed)."""
    return {key: form[key].data for key in SETTING_NAMES if key not in FIXED}
