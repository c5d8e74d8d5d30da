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
API_SCOPE_LABELS = {
    "purchases": _l("Record purchases (tills, the online shop)"),
    "members:read": _l("Look up members"),
    "vouchers": _l("Check and redeem vouchers"),
}
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

# The audit log's actions in words (an action missing here shows its code).
AUDIT_ACTION_LABELS = {
    "auth.sign_in": _l("Signed in"),
    "auth.sign_in_failed": _l("Failed sign-in"),
    "account.password_change": _l("Changed their password"),
    "account.password_reset": _l("Reset their password by mail"),
    "account.export": _l("Downloaded their data"),
    "account.close": _l("Closed their account"),
    "account.passkey_add": _l("Added a passkey"),
    "account.passkey_remove": _l("Removed a passkey"),
    "member.points_adjust": _l("Adjusted points"),
    "member.tier_change": _l("Changed the tier"),
    "member.birthday": _l("Corrected the birthday"),
    "purchase.record": _l("Recorded a purchase"),
    "purchase.return": _l("Recorded a return"),
    "purchase.import": _l("Imported purchases"),
    "redemption.fulfil": _l("Handed over a voucher"),
    "redemption.cancel": _l("Cancelled a voucher"),
    "reward.create": _l("Added a reward"),
    "reward.update": _l("Changed a reward"),
    "reward.deactivate": _l("Withdrew a reward"),
    "reward.delete": _l("Deleted a reward"),
    "referral.attach": _l("Attached a referral code"),
    "referral.approve": _l("Approved a referral"),
    "referral.reject": _l("Rejected a referral"),
    "event.create": _l("Added an event"),
    "event.update": _l("Changed an event"),
    "event.cancel": _l("Cancelled an event"),
    "event.check_in": _l("Checked a member in"),
    "event.check_in_undo": _l("Undid a check-in"),
    "event.walk_in": _l("Let a member in without a place"),
    "event.party_cancel": _l("Cancelled a member's place"),
    "survey.create": _l("Added a survey"),
    "survey.update": _l("Changed a survey"),
    "survey_answer.approve": _l("Approved an answer"),
    "survey_answer.hide": _l("Hid an answer"),
    "survey_answer.flag": _l("Flagged an answer"),
    "survey_answer.reply": _l("Replied to an answer"),
    "survey_answer.reveal": _l("Revealed masked personal data"),
    "case.assign": _l("Assigned a case"),
    "case.note": _l("Added a note to a case"),
    "case.call": _l("Logged a call on a case"),
    "case.message": _l("Logged a message on a case"),
    "case.email": _l("Logged an email on a case"),
    "case.resolve": _l("Resolved a case"),
    "settings.change": _l("Changed a setting"),
    "staff.invite": _l("Invited a staff member"),
    "staff.accept": _l("Accepted a staff invitation"),
    "staff.role_change": _l("Changed a staff role"),
    "staff.deactivate": _l("Deactivated a staff account"),
    "staff.reactivate": _l("Reactivated a staff account"),
    "api_token.create": _l("Created an API token"),
    "api_token.revoke": _l("Revoked an API token"),
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
            "audit_action_labels": AUDIT_ACTION_LABELS,
            "api_scope_labels": API_SCOPE_LABELS,
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
        _l("Points adjusted by hand"),
        ("points_adjust_staff_limit", "points_adjust_admin_limit"),
    ),
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
    (
        _l("Communication"),
        (
            "marketing_weekly_cap",
            "special_date_notice_days",
            "campaign_result_days",
            "win_back_days",
        ),
    ),
    (
        _l("Segments"),
        (
            "rfm_recency_5_months",
            "rfm_recency_4_months",
            "rfm_recency_3_months",
            "rfm_recency_2_months",
            "rfm_frequency_5",
            "rfm_frequency_4",
            "rfm_frequency_3",
            "rfm_frequency_2",
            "rfm_monetary_5_units",
            "rfm_monetary_4_units",
            "rfm_monetary_3_units",
            "rfm_monetary_2_units",
            "segment_promising_days",
            "segment_at_risk_months",
            "segment_lapsed_months",
        ),
    ),
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
        _l("Return visits"),
        (
            "call_thank_you_min_amount",
            "call_thank_you_days",
            "call_care_months",
            "call_courtesy_per_year",
            "call_courtesy_gap_days",
        ),
    ),
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
    "points_adjust_staff_limit": (
        _l("Points staff may adjust at once"),
        _l("A larger adjustment waits for an admin's approval."),
    ),
    "points_adjust_admin_limit": (
        _l("Points admins may adjust at once"),
        _l("No adjustment may be larger."),
    ),
    "referral_referrer_points": (_l("Points for the member who invites"), None),
    "referral_friend_points": (_l("Points for the friend"), None),
    "referral_min_purchase_units": (_l("Friend's first purchase at least"), None),
    "referral_window_days": (_l("Days for the friend's first purchase"), None),
    "referral_monthly_cap": (_l("Rewarded referrals per member per month"), None),
    "marketing_weekly_cap": (_l("Marketing messages per member per 7 days"), None),
    "special_date_notice_days": (_l("Special-date offer (days before the date)"), None),
    "campaign_result_days": (_l("A campaign counts purchases within (days)"), None),
    "win_back_days": (
        _l("A win-back counts purchases within (days)"),
        _l("Campaigns to lapsed or at-risk members."),
    ),
    "rfm_recency_5_months": (_l("Recency 5: last purchase within (months)"), None),
    "rfm_recency_4_months": (_l("Recency 4: last purchase within (months)"), None),
    "rfm_recency_3_months": (_l("Recency 3: last purchase within (months)"), None),
    "rfm_recency_2_months": (
        _l("Recency 2: last purchase within (months)"),
        _l("Longer ago scores 1."),
    ),
    "rfm_frequency_5": (_l("Frequency 5: purchases in 24 months, at least"), None),
    "rfm_frequency_4": (_l("Frequency 4: purchases in 24 months, at least"), None),
    "rfm_frequency_3": (_l("Frequency 3: purchases in 24 months, at least"), None),
    "rfm_frequency_2": (_l("Frequency 2: purchases in 24 months, at least"), _l("Fewer score 1.")),
    "rfm_monetary_5_units": (_l("Monetary 5: net spend in 24 months, at least"), None),
    "rfm_monetary_4_units": (_l("Monetary 4: net spend in 24 months, at least"), None),
    "rfm_monetary_3_units": (_l("Monetary 3: net spend in 24 months, at least"), None),
    "rfm_monetary_2_units": (
        _l("Monetary 2: net spend in 24 months, at least"),
        _l("In whole currency units; less scores 1."),
    ),
    "segment_promising_days": (_l("Promising: joined within (days)"), None),
    "segment_at_risk_months": (_l("At risk: no purchase for (months)"), None),
    "segment_lapsed_months": (_l("Lapsed: no purchase for (months)"), None),
    "survey_quiet_days": (
        _l("A member is asked at most once in (days)"),
        _l("The re-survey after a resolved case is not counted."),
    ),
    "survey_open_days": (_l("A purchase's or event's survey stays open (days)"), None),
    "case_due_hours": (_l("A detractor is called back within (hours)"), None),
    "goodwill_staff_limit": (_l("Goodwill points staff may give per case"), None),
    "goodwill_admin_limit": (_l("Goodwill points admins may give per case"), None),
    "call_thank_you_min_amount": (
        _l("A thank-you call after a purchase of at least"),
        _l("In whole currency units, net of returns."),
    ),
    "call_thank_you_days": (_l("Thank-you call (days after the purchase)"), None),
    "call_care_months": (_l("Care call (months after the purchase)"), None),
    "call_courtesy_per_year": (
        _l("Calls a year to every member who bought in the last 12 months"),
        _l("Courtesy calls make up the number; a call reached or unanswered counts."),
    ),
    "call_courtesy_gap_days": (_l("Courtesy calls at least (days apart)"), None),
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
