"""The audit log's filters (/admin/audit): a GET form, so a filtered page is a link."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SearchField, SelectField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from portal.forms.fields import strip
from portal.models import Member
from portal.services.messaging.audit_log import AuditQuery, find_person
from portal.web.labels import AUDIT_ACTION_LABELS


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    actor = SearchField(
        _l("Done by"),
        filters=[strip],
        validators=[Optional(), Length(max=254)],
        description=_l("Account number, email or card number."),
    )
    member = SearchField(
        _l("Member concerned"),
        filters=[strip],
        validators=[Optional(), Length(max=254)],
        description=_l("Account number, email or card number."),
    )
    action = SelectField(_l("Action"), validators=[Optional()], validate_choice=False)
    start = DateField(
        _l("From"), validators=[Optional()], name="from", render_kw={"autocomplete": "off"}
    )
    end = DateField(_l("To"), validators=[Optional()], name="to", render_kw={"autocomplete": "off"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = [
            SelectChoice("", _l("All actions")),
            *(SelectChoice(code, label) for code, label in AUDIT_ACTION_LABELS.items()),
        ]
        self.actor_found: Member | None = None
        self.member_found: Member | None = None

    def validate_actor(self, field):
        if field.data:
            self.actor_found = find_person(field.data)
            if self.actor_found is None:
                raise ValidationError(_l("No account has this number, email or card."))

    def validate_member(self, field):
        if field.data:
            self.member_found = find_person(field.data)
            if self.member_found is None:
                raise ValidationError(_l("No account has this number, email or card."))

    def validate_action(self, field):
        if field.data and field.data not in AUDIT_ACTION_LABELS:
            raise ValidationError(_l("Choose an action from the list."))

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("The end date is before the start date."))

    def query(self) -> AuditQuery:
        return AuditQuery(
            actor=self.actor_found,
            member=self.member_found,
            action=self.action.data or None,
            start=self.start.data,
            end=self.end.data,
        )

    @property
    def is_filtered(self) -> bool:
        return any(
            (self.actor.data, self.member.data, self.action.data, self.start.data, self.end.data)
        )
