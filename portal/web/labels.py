"""What people read for the codes the rules store: reward categories and types, voucher states,
catalogue orders, purchase channels, tier-change reasons, referral states and roles. The rules
know the codes (portal/models); the words are the web's, in the reader's language.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

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
MODERATION_LABELS = {
    "none": _l("No comment"),
    "pending": _l("Waiting for review"),
    "approved": _l("Approved"),
    "hidden": _l("Hidden"),
    "flagged": _l("Flagged"),
}
HIDE_REASON_LABELS = {
    "personal_data": _l("Personal data"),
    "offensive": _l("Offensive"),
    "off_topic": _l("Off topic"),
    "spam": _l("Spam or advertising"),
    "other": _l("Other"),
}
CASE_STATUS_LABELS = {
    "open": _l("Open"),
    "contacted": _l("Contacted"),
    "resolved": _l("Resolved"),
}
CONTACT_KIND_LABELS = {
    "note": _l("Note"),
    "call": _l("Phone call"),
    "message": _l("Message"),
    "email": _l("Email"),
}
TRIGGER_LABELS = {
    "purchase": _l("After a purchase"),
    "event": _l("After an attended event"),
    "always": _l("Always open"),
}
QUESTION_KIND_LABELS = {
    "csat": _l("Satisfaction (1-5)"),
    "nps": _l("Recommendation (0-10)"),
    "single": _l("Single choice"),
    "multiple": _l("Multiple choice"),
    "text": _l("Free text"),
}
# What is wrong with an answer, when the answering rule refuses it.
ANSWER_PROBLEM_LABELS = {
    "required": _l("Please answer this question."),
    "out_of_range": _l("Please choose one of the numbers shown."),
    "unknown_choice": _l("Please choose one of the options shown."),
    "one_choice": _l("Please choose only one option."),
    "too_long": _l("Please make your answer shorter."),
}


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
            "moderation_labels": MODERATION_LABELS,
            "hide_reason_labels": HIDE_REASON_LABELS,
            "case_status_labels": CASE_STATUS_LABELS,
            "contact_kind_labels": CONTACT_KIND_LABELS,
            "trigger_labels": TRIGGER_LABELS,
            "question_kind_labels": QUESTION_KIND_LABELS,
        }


# The programme settings on /admin/settings: in groups, each with its label and what it means.
SETTING_GROUPS: list[tuple[LazyString, tuple[str, ...]]] = [
    (_l("The programme"), ("programme_name", "currency", "timezone")),
    (
        _l("Earning and expiry"),
        ("points_per_unit", "birthday_multiplier", "points_expiry_months", "expiry_notice_days"),
    ),
    (_l("Tiers"), ("tier_window_months", "tier_keep_months")),
    (_l("Purchases and returns"), ("return_window_days", "max_purchase_amount")),
    (
        _l("Referrals"),
        (
            "referral_referrer_points",
            "referral_friend_points",
            "referral_min_purchase_units",
            "referral_window_days",
            "referral_monthly_cap",
        ),
    ),
    (_l("Communication"), ("marketing_weekly_cap",)),
    (
        _l("Surveys and follow-up"),
        (
            "survey_quiet_days",
            "survey_open_days",
            "case_due_hours",
            "goodwill_staff_limit",
            "goodwill_admin_limit",
        ),
    ),
    (_l("Reporting"), ("point_value_minor_units", "expected_redemption_percent")),
    (
        _l("Signed-in sessions"),
        (
            "member_session_idle_days",
            "member_session_max_days",
            "staff_session_idle_minutes",
            "staff_session_max_hours",
        ),
    ),
]
SETTING_LABELS: dict[str, tuple[LazyString, LazyString | None]] = {
    "programme_name": (_l("Programme name"), _l("Shown in mails and page titles.")),
    "currency": (_l("Currency"), _l("Fixed: amounts are never converted.")),
    "timezone": (_l("Time zone"), _l("Local dates and days are counted here, e.g. Asia/Shanghai.")),
    "points_per_unit": (_l("Points per currency unit"), _l("Before the tier's multiplier.")),
    "birthday_multiplier": (_l("Birthday multiplier"), _l("Purchases in the birthday month.")),
    "points_expiry_months": (_l("Points expire after (months)"), None),
    "expiry_notice_days": (_l("Expiry notice (days before)"), None),
    "tier_window_months": (_l("Qualifying spend window (months)"), None),
    "tier_keep_months": (_l("A reached tier is kept (months)"), None),
    "return_window_days": (
        _l("Return window (days)"),
        _l("Referral bonuses are released once it has passed."),
    ),
    "max_purchase_amount": (
        _l("Largest purchase a till may send"),
        _l("In whole currency units; staff record larger ones at the desk."),
    ),
    "referral_referrer_points": (_l("Points for the member who invites"), None),
    "referral_friend_points": (_l("Points for the friend"), None),
    "referral_min_purchase_units": (_l("Friend's first purchase at least"), None),
    "referral_window_days": (_l("Days for the friend's first purchase"), None),
    "referral_monthly_cap": (_l("Rewarded referrals per member per month"), None),
    "marketing_weekly_cap": (_l("Marketing messages per member per 7 days"), None),
    "survey_quiet_days": (
        _l("A member is asked at most once in (days)"),
        _l("The re-survey after a resolved case is not counted."),
    ),
    "survey_open_days": (_l("A purchase's or event's survey stays open (days)"), None),
    "case_due_hours": (_l("A detractor is called back within (hours)"), None),
    "goodwill_staff_limit": (_l("Goodwill points staff may give per case"), None),
    "goodwill_admin_limit": (_l("Goodwill points admins may give per case"), None),
    "point_value_minor_units": (
        _l("Value of one point (in cents or fen)"),
        _l("What a redeemed point costs the programme; the points liability is counted with it."),
    ),
    "expected_redemption_percent": (
        _l("Share of outstanding points expected to be redeemed (%)"),
        _l("The rest is expected to expire unused (breakage)."),
    ),
    "member_session_idle_days": (_l("Members: signed out after unused (days)"), None),
    "member_session_max_days": (_l("Members: signed out at the latest after (days)"), None),
    "staff_session_idle_minutes": (_l("Staff: signed out after unused (minutes)"), None),
    "staff_session_max_hours": (_l("Staff: signed out at the latest after (hours)"), None),
}
