"""Staff: find a member and see their whole story (the member 360°, in tabs that are pages of
their own). What staff do on it is in member_actions.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.clock import utcnow
from portal.forms.admin_members import (
    BirthdayForm,
    BlockForm,
    MemberSearchForm,
    NoteForm,
    PointsAdjustmentForm,
    ResendVerificationForm,
    TierForm,
)
from portal.models import Member
from portal.models.segments import SEGMENT_GROUPS
from portal.routes.admin.blueprint import bp
from portal.services.engagement.calls import calls_for_member
from portal.services.engagement.segments import segment_of
from portal.services.members import adjustments, desk, history, search
from portal.services.points.tiers import all_tiers
from portal.services.programme.settings import programme_settings
from portal.web.edge import get_or_404
from portal.web.localized import tier_name
from portal.web.rendering import render
from portal.web.segment_text import SEGMENT_LABELS

SEARCH_FRAGMENTS = {"member-results": "results", "q": "results"}
TAB_FRAGMENTS = {"member-tab": "tab"}


# -- the list --------------------------------------------------------------------------------


def _search_form(tiers) -> MemberSearchForm:
    form = MemberSearchForm(formdata=request.args)
    form.tier.choices = [SelectChoice("", _("All tiers"))] + [
        SelectChoice(tier.code, tier_name(tier)) for tier in tiers
    ]
    form.store.choices = [SelectChoice("", _("Any store"))] + [
        SelectChoice(store, store) for store in search.purchase_stores()
    ]
    form.segment.choices = [SelectChoice("", _("Any segment"))] + [
        SelectChoice(code, SEGMENT_LABELS[code]) for code in SEGMENT_GROUPS
    ]
    return form


def _list_args(filters: search.MemberFilters) -> dict[str, Any]:
    """The list's query string for `filters` (for paging and sorting links)."""
    args = {
        "q": filters.text or None,
        "tier": filters.tier,
        "store": filters.store,
        "joined_from": filters.joined_from.isoformat() if filters.joined_from else None,
        "joined_to": filters.joined_to.isoformat() if filters.joined_to else None,
        "active": filters.active,
        "active_days": filters.active_days if filters.active else None,
        "segment": filters.segment,
        "sort": filters.sort if filters.sort != "joined" else None,
        "order": "asc" if not filters.descending else None,
    }
    return {key: value for key, value in args.items() if value}


@bp.get("/members")
def members():
    tiers = all_tiers()
    form = _search_form(tiers)
    form.validate()
    filters = form.filters()
    found = search.search_members(filters, page=request.args.get("page", 1, type=int))
    return render(
        "admin/members/list.html",
        fragments=SEARCH_FRAGMENTS,
        form=form,
        search=filters.text,
        found=found,
        list_args=_list_args(found.filters),
        filtered=any(
            (
                filters.tier,
                filters.store,
                filters.joined_from,
                filters.joined_to,
                filters.active,
                filters.segment,
            )
        ),
    )


# -- the member 360° -------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberTab:
    """A tab of the member's page: its URL's last part, its label, and what it lists (given
    the member and the page number). Adding a tab is a line here and a template in
    admin/members/tabs/<slug>.html."""

    slug: str
    label: object
    load: Callable[..., Any]


def _profile(member: Member, page: int) -> Any:
    return desk.member_profile(member)


MEMBER_TABS = [
    MemberTab("profile", _l("Profile"), _profile),
    MemberTab("tiers", _l("Tier history"), history.tier_changes_of),
    MemberTab("ledger", _l("Points"), history.ledger_of),
    MemberTab("purchases", _l("Purchases"), history.purchases_of),
    MemberTab("vouchers", _l("Vouchers"), history.vouchers_of),
    MemberTab("referrals", _l("Referrals"), history.referrals_of),
    MemberTab("events", _l("Events"), history.rsvps_of),
    MemberTab("surveys", _l("Surveys and cases"), history.surveys_of),
    MemberTab("calls", _l("Calls"), lambda member, page: calls_for_member(member)),
    MemberTab("notes", _l("Notes"), history.notes_of),
]
TABS_BY_SLUG = {tab.slug: tab for tab in MEMBER_TABS}


def tab_url(member: Member, slug: str, **args: Any) -> str:
    if slug == "profile":
        return url_for("admin.member", member_id=member.id, **args)
    return url_for("admin.member_tab", member_id=member.id, tab=slug, **args)


def tier_form(tiers, member: Member, formdata=None) -> TierForm:
    form = TierForm(formdata=formdata) if formdata is not None else TierForm(formdata=None)
    form.tier.choices = [SelectChoice(tier.code, tier_name(tier)) for tier in tiers]
    if formdata is None:
        form.tier.data = member.tier_code
    return form


def member_page(member: Member, slug: str = "profile", *, status: int = 200, **forms: Any):
    tab = TABS_BY_SLUG[slug]
    page = max(1, request.args.get("page", 1, type=int) or 1)
    listing = tab.load(member, page=page)
    tiers = listing.tiers if slug == "profile" else all_tiers()
    context: dict[str, Any] = {}
    if slug == "profile":
        birthday_form = forms.get("birthday_form")
        if birthday_form is None:
            birthday_form = BirthdayForm(formdata=None)
            birthday_form.birthday.data = member.birthday
        context = {
            "birthday_form": birthday_form,
            "points_form": forms.get("points_form")
            or PointsAdjustmentForm(formdata=None, balance_seen=member.points_balance),
            "tier_form": forms.get("tier_form") or tier_form(tiers, member),
            "block_form": forms.get("block_form") or BlockForm(formdata=None),
            "resend_form": ResendVerificationForm(formdata=None),
            "pending_requests": history.adjustment_requests_of(member),
            "adjust_limit": adjustments.adjustment_limit(current_user),
            "adjust_maximum": programme_settings().points_adjust_admin_limit,
            "segment": segment_of(member),
        }
    if slug == "notes":
        context["note_form"] = forms.get("note_form") or NoteForm(formdata=None)
    override_last_day = None
    if member.tier_override_until is not None and member.tier_override_until > utcnow():
        # Held through the day before the moment it ends (the start of the next local day).
        override_last_day = member.tier_override_until - timedelta(seconds=1)
    return render(
        "admin/members/detail.html",
        fragments=TAB_FRAGMENTS,
        override_last_day=override_last_day,
        status=status,
        member=member,
        tabs=MEMBER_TABS,
        tab=tab,
        listing=listing,
        tab_url=tab_url,
        tier_names={tier.code: tier_name(tier) for tier in tiers},
        **context,
    )


@bp.get("/members/<int:member_id>")
def member(member_id: int):
    return member_page(get_or_404(Member, member_id))


@bp.get("/members/<int:member_id>/<tab>")
def member_tab(member_id: int, tab: str):
    member = get_or_404(Member, member_id)
    if tab not in TABS_BY_SLUG or tab == "profile":
        abort(404)
    return member_page(member, tab)
