"""Staff: find a member and see their whole story (the member 360°, in tabs that are pages of
their own), and the actions staff take on it: points adjusted with a reason (above the
staff's limit an admin approves), the birthday corrected, the tier set or held until a date
(admins), the verification mail resent, sign-in blocked and unblocked, notes written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import abort, flash, redirect, request, url_for
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
from portal.services.members import adjustments, blocking, desk, history, search
from portal.services.points.tiers import all_tiers
from portal.services.programme.settings import programme_settings
from portal.web.edge import get_or_404
from portal.web.formatting import points as format_points
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


def _tier_form(tiers, member: Member, formdata=None) -> TierForm:
    form = TierForm(formdata=formdata) if formdata is not None else TierForm(formdata=None)
    form.tier.choices = [SelectChoice(tier.code, tier_name(tier)) for tier in tiers]
    if formdata is None:
        form.tier.data = member.tier_code
    return form


def _member_page(member: Member, slug: str = "profile", *, status: int = 200, **forms: Any):
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
            "tier_form": forms.get("tier_form") or _tier_form(tiers, member),
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
    return _member_page(get_or_404(Member, member_id))


@bp.get("/members/<int:member_id>/<tab>")
def member_tab(member_id: int, tab: str):
    member = get_or_404(Member, member_id)
    if tab not in TABS_BY_SLUG or tab == "profile":
        abort(404)
    return _member_page(member, tab)


def _back(member: Member):
    return redirect(url_for("admin.member", member_id=member.id), 303)


# -- actions ---------------------------------------------------------------------------------


@bp.post("/members/<int:member_id>/birthday")
def member_birthday(member_id: int):
    member = get_or_404(Member, member_id)
    form = BirthdayForm()
    if form.validate() and form.birthday.data == member.birthday:
        form.birthday.errors.append(_("This is already the birthday on record."))
    if form.errors:
        return _member_page(member, status=422, birthday_form=form)
    desk.correct_birthday(member, form.birthday.data, reason=form.reason.data, staff=current_user)
    flash(_("Birthday of %(name)s saved.", name=member.name), "success")
    return _back(member)


@bp.post("/members/<int:member_id>/points")
def member_points(member_id: int):
    member = get_or_404(Member, member_id)
    form = PointsAdjustmentForm()
    if not form.validate():
        return _member_page(member, status=422, points_form=form)
    try:
        outcome = adjustments.adjust_or_request_points(
            member,
            form.signed_points,
            reason=form.reason.data,
            staff=current_user,
            balance_seen=form.seen_balance,
        )
    except desk.BalanceChanged:
        member = get_or_404(Member, member_id)
        flash(
            _(
                "Nothing was changed: the balance of %(name)s changed since the page was opened "
                "(it is now %(points)s points). Check the activity before adjusting again.",
                name=member.name,
                points=format_points(member.points_balance),
            ),
            "error",
        )
        return _member_page(member, status=409)
    except desk.AdjustmentRefused:
        member = get_or_404(Member, member_id)
        form.points.errors.append(
            _(
                "%(name)s has only %(points)s points; a correction cannot take the balance "
                "below zero.",
                name=member.name,
                points=format_points(member.points_balance),
            )
        )
        return _member_page(member, status=422, points_form=form)
    except adjustments.OverMaximum as refusal:
        form.points.errors.append(
            _(
                "No adjustment may be larger than %(points)s points (the admins' limit in the "
                "settings).",
                points=format_points(refusal.values["limit"]),
            )
        )
        return _member_page(member, status=422, points_form=form)
    except adjustments.AccountClosed:
        form.points.errors.append(
            _("%(name)s closed their account: its points are not adjusted.", name=member.name)
        )
        return _member_page(member, status=422, points_form=form)
    except adjustments.ReasonMissing:
        form.reason.errors.append(
            _("Say why the points change; the member reads it in their activity.")
        )
        return _member_page(member, status=422, points_form=form)
    if outcome.request is not None:
        flash(
            _(
                "%(points)s points is more than your limit of %(limit)s: the adjustment waits "
                "for an admin's approval.",
                points=format_points(abs(outcome.request.points)),
                limit=format_points(adjustments.adjustment_limit(current_user)),
            ),
            "success",
        )
        return _back(member)
    flash(
        _(
            "Points adjusted: %(name)s now has %(points)s points, and has been told why.",
            name=member.name,
            points=format_points(member.points_balance),
        ),
        "success",
    )
    return _back(member)


@bp.post("/members/<int:member_id>/tier")
def member_tier(member_id: int):
    member = get_or_404(Member, member_id)
    if not current_user.is_admin:
        abort(403)
    tiers = all_tiers()
    form = _tier_form(tiers, member, formdata=request.form)
    if form.validate() and form.tier.data == member.tier_code and form.until.data is None:
        form.tier.errors.append(_("The member already has this tier."))
    if form.errors:
        return _member_page(member, status=422, tier_form=form)
    tier = next(tier for tier in tiers if tier.code == form.tier.data)
    try:
        desk.set_tier_by_hand(
            member, tier, reason=form.reason.data, admin=current_user, until=form.until.data
        )
    except desk.OverrideDateInvalid:
        form.until.errors.append(_("Choose a day after today and within three years."))
        return _member_page(member, status=422, tier_form=form)
    if form.until.data:
        flash(
            _(
                "%(name)s is %(tier)s until %(date)s; the tier is reviewed as usual after that.",
                name=member.name,
                tier=tier_name(tier),
                date=form.until.data.isoformat(),
            ),
            "success",
        )
    else:
        flash(
            _(
                "%(name)s is now %(tier)s; they have been told.",
                name=member.name,
                tier=tier_name(tier),
            ),
            "success",
        )
    return _back(member)


@bp.post("/members/<int:member_id>/verification")
def member_verification(member_id: int):
    member = get_or_404(Member, member_id)
    form = ResendVerificationForm()
    if not form.validate():
        abort(400)
    try:
        desk.resend_verification(member, staff=current_user)
    except desk.AlreadyVerified:
        flash(_("%(name)s has already confirmed their email.", name=member.name), "error")
        return _member_page(member, status=422)
    except desk.ResentRecently as refusal:
        flash(
            _(
                "A confirmation mail was sent a moment ago. Try again in %(minutes)d minutes.",
                minutes=refusal.values["minutes"],
            ),
            "error",
        )
        return _member_page(member, status=429)
    flash(_("A new confirmation link is on its way to %(email)s.", email=member.email), "success")
    return _back(member)


def _block_action(member_id: int, action: str):
    member = get_or_404(Member, member_id)
    form = BlockForm()
    if not form.validate():
        return _member_page(member, status=422, block_form=form)
    try:
        if action == "block":
            blocking.block_sign_in(member, reason=form.reason.data, staff=current_user)
        else:
            blocking.unblock_sign_in(member, reason=form.reason.data, staff=current_user)
    except blocking.BlockNotAllowed:
        abort(403)
    except blocking.BlockUnchanged:
        flash(
            _("Signing in is already blocked.")
            if action == "block"
            else _("Signing in is not blocked."),
            "error",
        )
        return _member_page(member, status=409)
    if action == "block":
        flash(
            _(
                "%(name)s can no longer sign in; their sessions have ended.",
                name=member.name,
            ),
            "success",
        )
    else:
        flash(_("%(name)s can sign in again.", name=member.name), "success")
    return _back(member)


@bp.post("/members/<int:member_id>/block")
def member_block(member_id: int):
    return _block_action(member_id, "block")


@bp.post("/members/<int:member_id>/unblock")
def member_unblock(member_id: int):
    return _block_action(member_id, "unblock")


@bp.post("/members/<int:member_id>/notes")
def member_note(member_id: int):
    member = get_or_404(Member, member_id)
    form = NoteForm()
    if not form.validate():
        return _member_page(member, "notes", status=422, note_form=form)
    desk.add_note(member, form.text.data, author=current_user)
    flash(_("Note saved."), "success")
    return redirect(tab_url(member, "notes"), 303)
