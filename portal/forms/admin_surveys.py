"""Staff forms for surveys: moderating answers (one or several), replying to a member, and
the follow-up cases' notes, status and goodwill points."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.forms.fields import strip
from portal.models.surveys import CONTACT_KINDS, HIDE_REASONS, QUESTION_KINDS, TRIGGERS
from portal.services.surveys.building import QuestionDraft, SurveyDraft
from portal.services.surveys.moderation import (
    ACTIONS,
    QUEUE_STATES,
    REPLY_MAX,
    SCORE_BANDS,
    QueueFilter,
)
from portal.web.labels import (
    CONTACT_KIND_LABELS,
    HIDE_REASON_LABELS,
    QUESTION_KIND_LABELS,
    TRIGGER_LABELS,
)

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


def _kind_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("(no question)"))] + [
        SelectChoice(kind, QUESTION_KIND_LABELS[kind]) for kind in QUESTION_KINDS
    ]


class QuestionForm(Form):
    """One question row of the builder; a row without a kind is left out."""

    kind = SelectField(_l("Type"), choices=_kind_choices(), validate_choice=False)
    prompt = StringField(_l("Question (English)"), filters=[strip], validators=[Length(max=500)])
    prompt_zh = StringField(_l("Question (Chinese)"), filters=[strip], validators=[Length(max=500)])
    required = BooleanField(_l("Required"), default=True)
    max_length = IntegerField(
        _l("Length limit (free text)"), validators=[Optional(), NumberRange(min=1, max=5000)]
    )
    choices = TextAreaField(
        _l("Options, one a line: English | Chinese"),
        filters=[strip],
        validators=[Length(max=2000)],
        render_kw={"rows": 3},
    )

    def validate_kind(self, field: SelectField) -> None:
        if field.data and field.data not in QUESTION_KINDS:
            raise ValidationError(_l("Choose a type from the list."))

    def validate_prompt(self, field: StringField) -> None:
        if self.kind.data and not field.data:
            raise ValidationError(_l("Write the question."))

    def validate_choices(self, field: TextAreaField) -> None:
        if self.kind.data in ("single", "multiple") and len(self.parsed_choices()) < 2:
            raise ValidationError(_l("Give at least two options, one a line."))

    def parsed_choices(self) -> list[dict[str, str]]:
        options = []
        for line in (self.choices.data or "").splitlines():
            if not line.strip():
                continue
            english, _bar, chinese = line.partition("|")
            options.append({"en": english.strip(), "zh": chinese.strip()})
        return options


QUESTION_ROWS = 6


class SurveyForm(FlaskForm):
    title = StringField(
        _l("Title (English)"), filters=[strip], validators=[DataRequired(), Length(max=200)]
    )
    title_zh = StringField(_l("Title (Chinese)"), filters=[strip], validators=[Length(max=200)])
    intro = TextAreaField(
        _l("Introduction (English)"), filters=[strip], validators=[Length(max=2000)]
    )
    intro_zh = TextAreaField(
        _l("Introduction (Chinese)"), filters=[strip], validators=[Length(max=2000)]
    )
    trigger = SelectField(
        _l("When it is offered"),
        choices=[SelectChoice(t, TRIGGER_LABELS[t]) for t in TRIGGERS],
        validators=[InputRequired()],
    )
    active = BooleanField(_l("Active"), default=True)
    opens_on = DateField(_l("Open from"), validators=[Optional()])
    closes_on = DateField(_l("Open until"), validators=[Optional()])
    points = IntegerField(
        _l("Points for answering"),
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=10_000)],
    )
    quotable = BooleanField(_l("Comments may be quoted (with the author's consent)"))
    questions = FieldList(
        FormField(QuestionForm), min_entries=QUESTION_ROWS, max_entries=QUESTION_ROWS
    )

    def validate_closes_on(self, field: DateField) -> None:
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_l("The survey must open before it closes."))

    def validate_questions(self, field: FieldList) -> None:
        if not any(row.form.kind.data for row in field):
            raise ValidationError(_l("Add at least one question."))

    def draft(self) -> SurveyDraft:
        return SurveyDraft(
            title=self.title.data or "",
            title_zh=self.title_zh.data or "",
            intro=self.intro.data or "",
            intro_zh=self.intro_zh.data or "",
            trigger=self.trigger.data or "",
            active=bool(self.active.data),
            opens_on=self.opens_on.data,
            closes_on=self.closes_on.data,
            points=self.points.data or 0,
            quotable=bool(self.quotable.data),
            questions=[
                QuestionDraft(
                    kind=row.form.kind.data,
                    prompt=row.form.prompt.data or "",
                    prompt_zh=row.form.prompt_zh.data or "",
                    required=bool(row.form.required.data),
                    max_length=row.form.max_length.data,
                    choices=row.form.parsed_choices(),
                )
                for row in self.questions
                if row.form.kind.data
            ],
        )


class ConfirmForm(FlaskForm):
    """A button that changes something: only its CSRF token."""
