"""Forms of the rewards catalogue: the member's search and redeem forms, and the staff's
reward and voucher forms."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Length,
    Optional,
    ValidationError,
)

from portal.forms.fields import strip, whole_number_field
from portal.web.labels import CATEGORY_LABELS, SORT_LABELS, TYPE_LABELS
from portal.web.localized import tier_name

MAX_POINTS_COST = 1_000_000
MAX_STOCK = 100_000
MAX_PER_MEMBER = 100
MAX_VALID_DAYS = 730


def _choices(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class CatalogueForm(FlaskForm):
    """The search and filters of /rewards: a GET form, so a search is a link to share."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search rewards"), filters=[strip], validators=[Optional(), Length(max=100)])
    category = SelectField(_l("Category"), validate_choice=False)
    tier = SelectField(_l("Tier"), validate_choice=False)
    affordable = BooleanField(_l("Only what I can redeem now"))
    sort = SelectField(
        _l("Sort by"),
        choices=_choices(SORT_LABELS.items()),
        default="popular",
        validate_choice=False,
    )

    def __init__(self, *args, tiers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = _choices([("", _l("All categories")), *CATEGORY_LABELS.items()])
        self.tier.choices = _choices(
            [
                ("", _l("Every tier")),
                ("mine", _l("Open to my tier")),
                *[(tier.code, tier_name(tier)) for tier in tiers],
            ]
        )


class RedeemForm(FlaskForm):
    # Generated when the confirmation page renders: submitting it twice redeems once.
    idempotency_key = HiddenField(validators=[DataRequired(), Length(min=8, max=64)])


class RewardForm(FlaskForm):
    """Admin form; field names are the model's columns (DESIGN.md, "Web")."""

    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[DataRequired(_l("Give the reward a name.")), Length(max=120)],
    )
    name_zh = StringField(_l("Name in Chinese"), filters=[strip], validators=[Length(max=120)])
    description = TextAreaField(_l("Description"), filters=[strip], validators=[Length(max=4000)])
    description_zh = TextAreaField(
        _l("Description in Chinese"), filters=[strip], validators=[Length(max=4000)]
    )
    terms = TextAreaField(
        _l("Terms"),
        filters=[strip],
        validators=[Length(max=4000)],
        description=_l("Conditions the member should know: where to collect, what is excluded."),
    )
    terms_zh = TextAreaField(_l("Terms in Chinese"), filters=[strip], validators=[Length(max=4000)])
    category = SelectField(_l("Category"), choices=_choices(CATEGORY_LABELS.items()))
    reward_type = SelectField(_l("Type"), choices=_choices(TYPE_LABELS.items()))
    points_cost = whole_number_field(
        _l("Cost in points"),
        low=1,
        high=MAX_POINTS_COST,
        message=_l("The cost is a whole number of points from 1 to 1,000,000."),
        required=_l("Enter the cost in points."),
    )
    stock = whole_number_field(
        _l("Stock"),
        low=0,
        high=MAX_STOCK,
        message=_l("Stock is a whole number from 0 to 100,000, or empty for unlimited."),
        description=_l("Leave empty for unlimited."),
    )
    per_member_limit = whole_number_field(
        _l("Limit per member"),
        low=1,
        high=MAX_PER_MEMBER,
        message=_l("The limit is from 1 to 100 per member, or empty for no limit."),
        description=_l("Leave empty for no limit."),
    )
    min_tier = SelectField(_l("Lowest tier that can redeem it"))
    active = BooleanField(_l("Offered in the catalogue"), default=True)
    active_from = DateField(_l("Available from"), validators=[Optional()])
    active_to = DateField(_l("Available until (last day)"), validators=[Optional()])
    voucher_valid_days = whole_number_field(
        _l("Voucher valid for (days)"),
        low=1,
        high=MAX_VALID_DAYS,
        message=_l("A voucher is valid from 1 to 730 days."),
        required=_l("Enter how many days a voucher stays valid."),
        default=60,
    )
    image = FileField(
        _l("Image"),
        description=_l("PNG, JPEG or WebP, at most 2 MB. Square pictures look best."),
        render_kw={"accept": "image/png,image/jpeg,image/webp"},
    )

    def __init__(self, *args, tiers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.min_tier.choices = _choices(
            [("", _l("Every member")), *[(t.code, tier_name(t)) for t in tiers]]
        )

    def validate_active_to(self, field):
        if field.data and self.active_from.data and field.data < self.active_from.data:
            raise ValidationError(_l("The last day cannot be before the first day."))


class VoucherLookupForm(FlaskForm):
    class Meta:
        csrf = False

    code = StringField(
        _l("Voucher code"),
        filters=[strip],
        validators=[Optional(), Length(max=40)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


class FulfilForm(FlaskForm):
    pass


class CancelVoucherForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for cancelling"),
        filters=[strip],
        validators=[
            DataRequired(_l("Say why the voucher is cancelled; the member will read it.")),
            Length(max=300),
        ],
    )
