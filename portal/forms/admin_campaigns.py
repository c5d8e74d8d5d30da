"""Staff forms for campaigns (DESIGN.md fixes `subject`, `body` and `segment`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from portal.forms.fields import strip


def _id_or_none(value):
    return int(value) if value not in (None, "", "None") else None


class CampaignForm(FlaskForm):
    """Lengths and required fields are the campaign service's rules (its refusal is shown
    beside the fields), so the page and the rule cannot disagree."""

    subject = StringField(_l("Subject"), filters=[strip], render_kw={"maxlength": 120})
    body = TextAreaField(_l("Message"), filters=[strip], render_kw={"rows": 6})
    subject_zh = StringField(
        _l("Subject in Chinese (optional)"), filters=[strip], render_kw={"maxlength": 120}
    )
    body_zh = TextAreaField(
        _l("Message in Chinese (optional)"),
        filters=[strip],
        render_kw={"rows": 6},
        description=_l("Members who read the portal in Chinese get this one."),
    )
    segment = SelectField(_l("To"), validate_choice=False)
    reward_id = SelectField(
        _l("Link to a reward (optional)"),
        coerce=_id_or_none,
        validate_choice=False,
        validators=[Optional()],
    )
    event_id = SelectField(
        _l("Link to an event (optional)"),
        coerce=_id_or_none,
        validate_choice=False,
        validators=[Optional()],
    )


class SendCampaignForm(FlaskForm):
    pass
