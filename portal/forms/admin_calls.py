"""Staff form for the outcome of a return-visit call."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from portal.models.calls import CALL_OUTCOMES


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class CallOutcomeForm(FlaskForm):
    # Set by the button pressed: reached, no_answer, call_back or do_not_call.
    outcome = StringField(validators=[InputRequired(), AnyOf(CALL_OUTCOMES)])
    note = TextAreaField(
        _l("Note"),
        filters=[strip],
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 2},
    )
    call_back_on = DateField(_l("Call back on"), validators=[Optional()])
    store = HiddenField()
