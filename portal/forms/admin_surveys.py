"""Staff forms for surveys: moderating answers (one or several), replying to a member, and
the follow-up cases' notes, status and goodwill points."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms.fields import strip
from portal.models.surveys import CONTACT_KINDS, HIDE_REASONS
from portal.services.surveys.moderation import (
    ACTIONS,
    QUEUE_STATES,
    REPLY_MAX,
    SCORE_BANDS,
    QueueFilter,
)
from portal.web.labels import CONTACT_KIND_LABELS, HIDE_REASON_LABELS

ACTION_LABELS = {"approve": _l("Approve"), "hide": _l("Hide"), "flag": _l("Flag")}


def _reason_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("Reason for hiding…"))] + [
        SelectChoice(code, HIDE_REASON_LABELS[code]) for code in HIDE_REASONS
    ]


class ModerationForm(FlaskForm):
    action = SelectField(
        _l("Decision"),
        choices=[SelectChoice(a, ACTION_LABELS[a]) for a in ACTIONS],
        validators=[InputRequired()],
    )
    reason = SelectField(_l("Reason for hiding"), choices=_reason_choices(), validate_choice=False)

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        valid = bool(super().validate(extra_validators))
        if self.reason.data not in HIDE_REASONS:
            self.reason.data = None
        if valid and self.action.data == "hide" and not self.reason.data:
            self.reason.errors = [_l("Choose why the answer is hidden.")]
            return False
        return valid


class BulkModerationForm(ModerationForm):
    answer_ids = SelectMultipleField(
        _l("Answers"),
        coerce=int,
        validate_choice=False,
        validators=[DataRequired(_l("Tick at least one answer."))],
    )


class ReplyForm(FlaskForm):
    reply = TextAreaField(
        _l("Reply to the member"),
        filters=[strip],
        validators=[
            DataRequired(_l("Write the reply.")),
            Length(max=REPLY_MAX),
        ],
        description=_l("The member sees it on their answer's page and gets a notification."),
        render_kw={"rows": 4, "maxlength": REPLY_MAX},
    )


class CaseNoteForm(FlaskForm):
    kind = SelectField(
        _l("What happened"),
        choices=[SelectChoice(k, CONTACT_KIND_LABELS[k]) for k in CONTACT_KINDS],
        validators=[InputRequired()],
    )
    body = TextAreaField(
        _l("Notes"),
        filters=[strip],
        validators=[DataRequired(_l("Write what was said or done.")), Length(max=2000)],
        render_kw={"rows": 3},
    )


class CaseResolveForm(FlaskForm):
    resolution = TextAreaField(
        _l("How it was resolved"),
        filters=[strip],
        validators=[DataRequired(_l("Say how the case was resolved.")), Length(max=2000)],
        render_kw={"rows": 3},
    )
    goodwill_points = IntegerField(
        _l("Goodwill points"),
        validators=[Optional(), NumberRange(min=0, max=1_000_000)],
        description=_l("Optional. Added to the member's balance with this case."),
    )


def queue_filter_from(args: Mapping[str, str]) -> QueueFilter:
    """The queue's filters from the query string; an unknown value is no filter."""
    status = args.get("status", "pending")
    score = args.get("score") or None
    survey = args.get("survey", "")
    page = args.get("page", "1")
    return QueueFilter(
        status=status if status in QUEUE_STATES else None,
        survey_id=int(survey) if survey.isdigit() else None,
        score=score if score in SCORE_BANDS else None,
        store=(args.get("store") or "").strip()[:100] or None,
        search=(args.get("q") or "").strip()[:100],
        page=int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1,
    )


class AssignForm(FlaskForm):
    assigned_to = SelectField(_l("Assigned to"), coerce=int, validators=[InputRequired()])
