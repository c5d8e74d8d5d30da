"""Staff: the moderation queue of free-text answers, decisions one by one (htmx swaps the row)
or in bulk, revealing masked personal data (audited), and replying to the member."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.forms.admin_surveys import (
    BulkModerationForm,
    ModerationForm,
    ReplyForm,
    queue_filter_from,
)
from portal.models import SurveyAnswer
from portal.routes.admin.blueprint import bp
from portal.services.surveys.moderation import (
    moderate_answer,
    moderate_answers,
    moderation_queue,
    reply_to_answer,
    reveal_answer,
)
from portal.web.edge import get_or_404
from portal.web.rendering import render

QUEUE_FRAGMENTS = {"moderation-results": "results"}


def _wants_row() -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx and not htmx.boosted)


def _row(answer: SurveyAnswer, *, revealed: str | None = None, form=None, status: int = 200):
    body = render_template(
        "admin/moderation/_row.html",
        answer=answer,
        revealed=revealed,
        form=form or ModerationForm(formdata=None),
    )
    return body, status


@bp.get("/moderation")
def moderation():
    wanted = queue_filter_from(request.args)
    return render(
        "admin/moderation/index.html",
        fragments=QUEUE_FRAGMENTS,
        queue=moderation_queue(wanted),
        wanted=wanted,
        form=ModerationForm(formdata=None),
        bulk_form=BulkModerationForm(formdata=None),
    )


@bp.post("/moderation/<int:answer_id>/decide")
def moderate(answer_id: int):
    answer = get_or_404(SurveyAnswer, answer_id)
    form = ModerationForm()
    if not form.validate():
        if _wants_row():
            return _row(answer, form=form, status=422)
        flash(_("Choose why the answer is hidden."), "error")
        return redirect(url_for("admin.moderation"), 303)
    moderate_answer(answer, form.action.data, staff=current_user, reason=form.reason.data or None)
    if _wants_row():
        return _row(answer)
    flash(_("Decision saved."), "success")
    return redirect(url_for("admin.moderation"), 303)


@bp.post("/moderation/bulk")
def moderate_bulk():
    form = BulkModerationForm()
    if not form.validate():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return redirect(url_for("admin.moderation"), 303)
    changed = moderate_answers(
        form.answer_ids.data or [],
        form.action.data,
        staff=current_user,
        reason=form.reason.data or None,
    )
    flash(ngettext("%(num)d answer updated.", "%(num)d answers updated.", changed), "success")
    return redirect(url_for("admin.moderation"), 303)


def _answer_page(answer: SurveyAnswer, *, revealed=None, reply_form=None, status=200):
    return render(
        "admin/moderation/answer.html",
        status=status,
        answer=answer,
        revealed=revealed,
        form=ModerationForm(formdata=None),
        reply_form=reply_form or ReplyForm(formdata=None),
    )


@bp.get("/moderation/<int:answer_id>")
def moderation_answer(answer_id: int):
    return _answer_page(get_or_404(SurveyAnswer, answer_id))


@bp.post("/moderation/<int:answer_id>/reveal")
def reveal(answer_id: int):
    answer = get_or_404(SurveyAnswer, answer_id)
    text = reveal_answer(answer, staff=current_user)
    if _wants_row():
        return _row(answer, revealed=text)
    return _answer_page(answer, revealed=text)


@bp.post("/moderation/<int:answer_id>/reply")
def reply(answer_id: int):
    answer = get_or_404(SurveyAnswer, answer_id)
    form = ReplyForm()
    if not form.validate():
        return _answer_page(answer, reply_form=form, status=422)
    reply_to_answer(answer, form.reply.data, staff=current_user)
    flash(_("Reply sent to the member."), "success")
    return redirect(url_for("admin.moderation_answer", answer_id=answer.id), 303)
