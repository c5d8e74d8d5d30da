"""Staff forms for purchases: a receipt typed in, a return, a CSV file to import.

Amounts and dates stay text here: services/purchase_input.py reads them exactly as the till
API does, so a receipt is checked by one set of rules whichever way it arrives."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import FieldList, Form, FormField, HiddenField, SearchField, StringField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import DateTimeLocalInput

from portal.forms.fields import strip

ITEM_ROWS = 3


class ItemRowForm(Form):
    """One line of the receipt; a row left empty is ignored."""

    name = StringField(_l("Item"), filters=[strip], validators=[Length(max=200)])
    sku = StringField(_l("SKU"), filters=[strip], validators=[Length(max=64)])
    quantity = StringField(
        _l("Quantity"), filters=[strip], render_kw={"inputmode": "numeric", "placeholder": "1"}
    )
    unit_price = StringField(_l("Unit price"), filters=[strip], render_kw={"inputmode": "decimal"})

    @property
    def filled(self) -> bool:
        return any((self[name].data or "") for name in ("name", "sku", "quantity", "unit_price"))


class PurchaseEntryForm(FlaskForm):
    member = StringField(
        _l("Member"),
        filters=[strip],
        validators=[DataRequired(_l("Give the member's email or card number."))],
        description=_l("Email address or the 12-digit card number."),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    receipt_no = StringField(
        _l("Receipt number"),
        filters=[strip],
        validators=[DataRequired(_l("Give the receipt number."))],
        description=_l("As printed on the receipt, with the store prefix."),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    store = StringField(_l("Store"), filters=[strip], validators=[Length(max=100)])
    amount = StringField(
        _l("Amount"),
        filters=[strip],
        validators=[DataRequired(_l("Enter an amount, such as 123.45."))],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    large_purchase_reason = StringField(
        _l("Reason for a large purchase"),
        filters=[strip],
        validators=[Optional(), Length(max=300)],
        render_kw={"autocomplete": "off"},
    )
    purchased_at = StringField(
        _l("Date and time of the purchase"),
        widget=DateTimeLocalInput(),
        filters=[strip],
        validators=[DataRequired(_l("Give the date and time of the purchase."))],
    )
    referral_code = StringField(
        _l("Referral code (optional)"),
        filters=[strip],
        validators=[Optional(), Length(max=20)],
        description=_l(
            "For a new member's first purchase: the code of the member who invited them."
        ),
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    items = FieldList(FormField(ItemRowForm), min_entries=ITEM_ROWS, max_entries=ITEM_ROWS)

    def raw_purchase(self, currency: str) -> dict:
        """The form as services/purchase_input.parse_purchase reads it."""
        items = []
        for row in self.items:
            if not row.form.filled:
                continue
            item = {"name": row.form.name.data, "sku": row.form.sku.data}
            if row.form.quantity.data:
                item["quantity"] = row.form.quantity.data
            item["unit_price"] = row.form.unit_price.data or None
            items.append(item)
        return {
            "member": self.member.data,
            "receipt_no": self.receipt_no.data,
            "amount": self.amount.data,
            "currency": currency,
            "purchased_at": self.purchased_at.data,
            "store": self.store.data or "",
            "items": items,
        }

    def add_errors(self, errors: dict) -> None:
        """Put the messages of InvalidPurchase beside their fields (`items[1].unit_price`
        beside the second row's unit price)."""
        filled_rows = [row for row in self.items if row.form.filled]
        for key, message in errors.items():
            if key.startswith("items[") and "]" in key:
                index = int(key[6 : key.index("]")])
                name = key.rsplit(".", 1)[-1] if "." in key else "name"
                if index < len(filled_rows) and name in filled_rows[index].form:
                    filled_rows[index].form[name].errors.append(str(message))
                    continue
            target = self[key] if key in self and key != "items" else None
            if target is None:
                self.form_errors.append(str(message))
            else:
                target.errors = [*target.errors, str(message)]


class ReturnForm(FlaskForm):
    amount = StringField(
        _l("Amount returned"),
        filters=[strip],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    reason = StringField(
        _l("Reason"),
        filters=[strip],
        validators=[Optional(), Length(max=200)],
        description=_l("For example: size exchange, gift returned. The member sees it."),
    )
    # Made when the page renders: the same form sent twice records one return.
    return_ref = HiddenField(validators=[DataRequired(), Length(min=8, max=64)])


class PurchaseSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(
        _l("Receipt number, member email or card number"),
        filters=[strip],
        validators=[Optional(), Length(max=100)],
    )


class ImportUploadForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        description=_l("UTF-8 CSV with a header row, at most 2 MB and 5,000 purchases."),
        render_kw={"accept": ".csv,text/csv"},
    )


class ImportConfirmForm(FlaskForm):
    digest = HiddenField(validators=[DataRequired(), Length(min=64, max=64)])
    fingerprint = HiddenField(validators=[DataRequired(), Length(min=64, max=64)])
