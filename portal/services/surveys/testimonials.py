"""Testimonials: approved comments whose author allowed quoting, with the display name they
chose. Read from the answers each time, so a withdrawn consent (or a hidden answer) removes a
quote from every page at once."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from portal.extensions import db
from portal.models import Survey, SurveyAnswer

# Built once; the limit is bound per call.
_QUOTABLE = (
    select(SurveyAnswer)
    .join(Survey, Survey.id == SurveyAnswer.survey_id)
    .where(
        SurveyAnswer.moderation == "approved",
        SurveyAnswer.consent_quote.is_(True),
        SurveyAnswer.display_name.is_not(None),
        SurveyAnswer.free_text != "",
        Survey.quotable.is_(True),
    )
    .order_by(SurveyAnswer.moderated_at.desc(), SurveyAnswer.id.desc())
    .limit(bindparam("limit"))
)


def testimonials(limit: int = 3) -> list[SurveyAnswer]:
    return list(db.session.scalars(_QUOTABLE, {"limit": limit}))
