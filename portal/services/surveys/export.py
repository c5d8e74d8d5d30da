"""The answers of a survey as CSV rows that are safe to open in a spreadsheet: a cell that
would start a formula (= + - @, a tab or a carriage return) is prefixed with an apostrophe, and
personal data in the text is masked as in the moderation queue."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from portal.extensions import db
from portal.models import Survey, SurveyAnswer
from portal.services.surveys.masking import mask_personal_data

HEADER = (
    "answer_id",
    "submitted_at",
    "occasion",
    "store",
    "nps",
    "csat",
    "moderation",
    "comment",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def answers_csv(survey: Survey) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    answers = db.session.scalars(
        select(SurveyAnswer).where(SurveyAnswer.survey_id == survey.id).order_by(SurveyAnswer.id)
    )
    for answer in answers:
        writer.writerow(
            [
                spreadsheet_safe(v)
                for v in (
                    answer.id,
                    answer.submitted_at.isoformat(),
                    answer.occasion,
                    answer.store,
                    answer.nps_score,
                    answer.csat_score,
                    answer.moderation,
                    mask_personal_data(answer.free_text).text,
                )
            ]
        )
    return out.getvalue()
