"""What people read for the codes the rules store: reward categories and types, voucher states,
catalogue orders, purchase channels, tier-change reasons, referral states and roles. The rules
know the codes (portal/models); the words are the web's, in the reader's language.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

CATEGORY_LABELS = {
    "jewellery_care": _l("Jewellery care"),
    "watch_service": _l("Watch service"),
    "gifts": _l("Gifts"),
    "experiences": _l("Experiences"),
    "vouchers": _l("Vouchers"),
    "events": _l("Events"),
}
TYPE_LABELS = {
    "in_store": _l("Collected in a boutique"),
    "discount_voucher": _l("Discount voucher"),
    "event_entry": _l("Event entry"),
}
STATUS_LABELS = {
    "issued": _l("Ready to use"),
    "fulfilled": _l("Used"),
    "cancelled": _l("Cancelled"),
    "expired": _l("Expired"),
}
SORT_LABELS = {
    "popular": _l("Most popular"),
    "cost": _l("Points: low to high"),
    "cost_desc": _l("Points: high to low"),
    "newest": _l("Newest"),
}
CHANNEL_LABELS = {
    "api": _l("sent by a till or the online shop"),
    "staff": _l("entered by staff"),
    "import": _l("imported from a CSV file"),
}
TIER_CHANGE_LABELS = {
    "upgrade": _l("upgraded by a purchase"),
    "evaluation": _l("yearly review"),
    "staff": _l("changed by staff"),
}
REFERRAL_STATUS_LABELS = {
    "joined": _l("Joined"),
    "pending": _l("Pending"),
    "capped": _l("Next month"),
    "rewarded": _l("Rewarded"),
    "held": _l("Held for review"),
    "ineligible": _l("Not eligible"),
}
EVENT_KIND_LABELS = {
    "salon": _l("Members' salon"),
    "launch": _l("Collection launch"),
    "trend_show": _l("Trend show"),
    "private_sale": _l("Private sale"),
    "workshop": _l("Workshop"),
}
RSVP_STATUS_LABELS = {
    "confirmed": _l("Confirmed"),
    "waitlisted": _l("Waitlist"),
    "checked_in": _l("Checked in"),
    "no_show": _l("No-show"),
    "cancelled": _l("Cancelled"),
}
ROLE_LABELS = {"member": _l("Member"), "staff": _l("Staff"), "admin": _l("Admin")}


def install_labels(app: Flask) -> None:
    @app.context_processor
    def labels():
        return {
            "category_labels": CATEGORY_LABELS,
            "reward_type_labels": TYPE_LABELS,
            "voucher_status_labels": STATUS_LABELS,
            "channel_labels": CHANNEL_LABELS,
            "tier_change_labels": TIER_CHANGE_LABELS,
            "role_labels": ROLE_LABELS,
            "referral_status_labels": REFERRAL_STATUS_LABELS,
            "event_kind_labels": EVENT_KIND_LABELS,
            "rsvp_status_labels": RSVP_STATUS_LABELS,
        }
