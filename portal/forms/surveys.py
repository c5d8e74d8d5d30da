"""The member's answer form, built from a survey's questions: NPS and CSAT as real radio
inputs, choices as radios or checkboxes, free text with its limit, and the consent to quote."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.forms.fields import strip
from portal.models import Survey, SurveyQuestion
from portal.services.surveys.answering import DISPLAY_NAME_MAX, QuestionAnswer, text_limit
from portal.web.localized import localized, localized_choice

SCALES = {"nps": range(0, 11), "csat": range(1, 6)}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AnswerFormBase(FlaskForm):
    invitation = HiddenField()
    consent_quote = BooleanField(_l("You may quote my words"))
    display_name = StringField(
        _l("Name to show with the quote"),
        filters=[strip],
        validators=[Length(max=DISPLAY_NAME_MAX)],
        description=_l("For example “Mei, Shanghai”. Leave the box unticked to stay unquoted."),
    )

    questions: list[SurveyQuestion]
    quotable: bool

    def validate_display_name(self, field: StringField) -> None:
        if self.quotable and self.consent_quote.data and not field.data:
            raise ValidationError(_l("Say which name we may show with your words."))

    def question_field(self, question: SurveyQuestion) -> Any:
        return self[f"q{question.id}"]

    def answers(self) -> dict[int, QuestionAnswer]:
        given = {}
        for question in self.questions:
            value = self.question_field(question).data
            if question.kind in SCALES:
                given[question.id] = QuestionAnswer(number=value)
            elif question.kind == "single":
                given[question.id] = QuestionAnswer(choices=(value,) if value is not None else ())
            elif question.kind == "multiple":
                given[question.id] = QuestionAnswer(choices=tuple(value or ()))
            else:
                given[question.id] = QuestionAnswer(text=value or "")
        return given


def _coerce_int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(value)


def _presence(question: SurveyQuestion) -> Any:
    if question.required:
        return InputRequired(message=_l("Please answer this question."))
    return Optional()


def answer_form(survey: Survey, **kwargs: Any) -> AnswerFormBase:
    """The form for this survey's questions (fields `q<question id>`)."""

    class AnswerForm(AnswerFormBase):
        pass

    for question in survey.questions:
        label = _prompt(question)
        field: Any
        if question.kind in SCALES:
            field = RadioField(
                label,
                choices=[SelectChoice(n, str(n)) for n in SCALES[question.kind]],
                coerce=_coerce_int,
                validators=[_presence(question)],
                validate_choice=True,
            )
        elif question.kind == "single":
            field = RadioField(
                label,
                choices=[
                    SelectChoice(n, localized_choice(c))
                    for n, c in enumerate(question.choices or [])
                ],
                coerce=_coerce_int,
                validators=[_presence(question)],
            )
        elif question.kind == "multiple":
            field = MultiCheckboxField(
                label,
                choices=[
                    SelectChoice(n, localized_choice(c))
                    for n, c in enumerate(question.choices or [])
                ],
                coerce=int,
                validators=[_presence(question)] if question.required else [],
            )
        else:
            limit = text_limit(question)
            field = TextAreaField(
                label,
                filters=[strip],
                validators=[
                    _presence(question),
                    Length(
                        max=limit,
                        message=_l("Please keep it under %(max)d characters.", max=limit),
                    ),
                ],
                render_kw={"maxlength": limit, "rows": 4},
            )
        setattr(AnswerForm, f"q{question.id}", field)
    form = AnswerForm(**kwargs)
    form.questions = list(survey.questions)
    form.quotable = survey.quotable
    return form


def _prompt(question: SurveyQuestion) -> str:
    prompt: str = localized(question, "prompt")
    return prompt


class ConsentForm(FlaskForm):
    """Withdrawing the consent to quote (the button is the whole form)."""
