"""Staff: campaigns. Compose (English and Chinese), preview who gets it and whom the marketing
gate skips, send (once), follow the progress and the results.

Every staff member may run campaigns, as DESIGN.md has it: the marketing gate, not the sender,
protects members (consent and the weekly cap), and each creation and send is in the audit log.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.forms.admin_campaigns import CampaignForm, SendCampaignForm
from portal.models import Campaign
from portal.routes.admin.blueprint import bp
from portal.services.engagement import campaigns as service
from portal.services.programme.refusals import Invalid
from portal.web.edge import get_or_404
from portal.web.localized import localized, tier_name
from portal.web.rendering import render
from portal.web.segment_text import SEGMENT_LABELS

FIELD_REFUSALS = {
    "required": lambda: _("Please fill this in."),
    "too_long": lambda: _("Too long: please shorten it."),
    "unknown_segment": lambda: _("Choose one of the segments."),
}


def segment_choices() -> list[SelectChoice]:
    from portal.services.points.tiers import all_tiers

    tiers = {tier.code: tier for tier in all_tiers()}
    choices = []
    for code in service.segment_codes():
        if code in tiers:
            label = _("Tier: %(tier)s", tier=tier_name(tiers[code]))
        else:
            label = str(SEGMENT_LABELS[code])
        choices.append(SelectChoice(code, label))
    return choices


def _form(formdata=None) -> CampaignForm:
    form = CampaignForm(formdata=formdata) if formdata is not None else CampaignForm()
    form.segment.choices = segment_choices()
    none = [SelectChoice("", _("None"))]
    form.reward_id.choices = none + [
        SelectChoice(reward.id, localized(reward, "name")) for reward in service.linkable_rewards()
    ]
    form.event_id.choices = none + [
        SelectChoice(event.id, localized(event, "title")) for event in service.linkable_events()
    ]
    return form


@bp.get("/campaigns")
def campaigns():
    listed = service.campaign_list()
    return render(
        "admin/campaigns/list.html",
        campaigns=listed,
        results={c.id: service.campaign_results(c) for c in listed if c.status != "draft"},
        segment_names={choice.value: choice.label for choice in segment_choices()},
    )


@bp.route("/campaigns/new", methods=["GET", "POST"])
def new_campaign():
    form = _form()
    if form.validate_on_submit():
        try:
            campaign = service.create_campaign(
                subject=form.subject.data or "",
                body=form.body.data or "",
                subject_zh=form.subject_zh.data,
                body_zh=form.body_zh.data,
                segment=form.segment.data,
                reward_id=form.reward_id.data,
                event_id=form.event_id.data,
                staff=current_user,
            )
        except Invalid as refusal:
            for name, code in refusal.errors.items():
                getattr(form, name).errors = [FIELD_REFUSALS[code]()]
        else:
            return redirect(url_for("admin.campaign", campaign_id=campaign.id), 303)
    status = 422 if form.is_submitted() else 200
    limits = {"subject": service.SUBJECT_MAX, "body": service.BODY_MAX}
    return render("admin/campaigns/new.html", form=form, status=status, limits=limits)


def _campaign_page(campaign: Campaign, *, status: int = 200, problem: str | None = None):
    return render(
        "admin/campaigns/detail.html",
        status=status,
        campaign=campaign,
        preview=service.preview_campaign(campaign) if campaign.status == "draft" else None,
        results=service.campaign_results(campaign) if campaign.status != "draft" else None,
        segment_name={c.value: c.label for c in segment_choices()}.get(campaign.segment),
        send_form=SendCampaignForm(formdata=None),
        problem=problem,
    )


@bp.get("/campaigns/<int:campaign_id>")
def campaign(campaign_id: int):
    return _campaign_page(get_or_404(Campaign, campaign_id))


@bp.post("/campaigns/<int:campaign_id>/send")
def send_campaign(campaign_id: int):
    campaign = get_or_404(Campaign, campaign_id)
    form = SendCampaignForm()
    if not form.validate_on_submit():
        return _campaign_page(campaign, status=422)
    try:
        decided = service.start_sending(campaign, staff=current_user)
    except service.NothingToSend:
        return _campaign_page(campaign, status=409, problem="empty_segment")
    except service.SentAlready:
        return _campaign_page(campaign, status=409, problem="sent_already")
    if campaign.status == "sent":
        flash(_("The campaign is sent."), "success")
    else:
        flash(
            _(
                "Sending has begun: %(num)d members decided so far. The rest follow within "
                "minutes, with the periodic jobs.",
                num=decided,
            ),
            "success",
        )
    return redirect(url_for("admin.campaign", campaign_id=campaign.id), 303)
