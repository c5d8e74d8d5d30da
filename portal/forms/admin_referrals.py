"""Staff forms for referrals: the decision on a held one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from portal.forms.fields import strip


class ReviewForm(FlaskForm):
    note = TextAreaField(
        _l("Reason"),
        filters=[strip],
        validators=[
            DataRequired(_l("Say why, for the audit log.")),
            Length(max=500),
        ],
        description=_l("Kept in the audit log. The members are told the decision, not this text."),
        render_kw={"rows": 3},
    )
