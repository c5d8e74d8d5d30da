"""Follow-up cases: every detractor answer gets a call back.

A detractor answer (NPS 0-6 or CSAT 1-2) opens a case linked to the answer and its purchase,
store or event, due `case_due_hours` (48) after the answer, assigned to the staff member with
the fewest open cases. Staff move it open → contacted → resolved with notes and a contact log;
resolving may give goodwill points (a ledger credit linked to the case, at most
`goodwill_staff_limit` for staff and `goodwill_admin_limit` for admins) and sends the member one
re-survey.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from portal.clock import utcnow
from portal.database import changed_rows
from portal.extensions import db
from portal.models import CaseNote, FollowUpCase, Member, ReturnCall, SurveyAnswer
from portal.models.surveys import CONTACT_KINDS
from portal.services.messaging.audit import record_audit
from portal.services.messaging.notifications import notify_member
from portal.services.points.ledger import credit_points
from portal.services.programme.refusals import Conflict, Invalid
from portal.services.programme.settings import programme_settings
from portal.services.surveys.invitations import invite_again_after_case
from portal.services.surveys.scores import is_detractor

logger = logging.getLogger(__name__)


def _least_busy_staff() -> Member | None:
    open_count = (
        select(func.count(FollowUpCase.id))
        .where(FollowUpCase.assigned_to_id == Member.id, FollowUpCase.status != "resolved")
        .scalar_subquery()
    )
    return db.session.scalar(
        select(Member)
        .where(Member.role.in_(("staff", "admin")), Member.deactivated_at.is_(None))
        .order_by(open_count, Member.role.desc(), Member.id)
        .limit(1)
    )


def open_case_if_detractor(answer: SurveyAnswer, *, now: datetime) -> FollowUpCase | None:
    if not is_detractor(nps=answer.nps_score, csat=answer.csat_score):
        return None
    staff = _least_busy_staff()
    case = FollowUpCase(
        answer_id=answer.id,
        member_id=answer.member_id,
        purchase_id=answer.purchase_id,
        event_id=answer.event_id,
        store=answer.store,
        status="open",
        due_at=now + timedelta(hours=programme_settings().case_due_hours),
        assigned_to_id=staff.id if staff is not None else None,
        created_at=now,
    )
    db.session.add(case)
    db.session.flush()
    logger.info("%r opened for %r", case, answer)
    return case


def open_case_from_call(call: ReturnCall, *, staff: Member, now: datetime) -> FollowUpCase:
    """A return-visit call that needs more (a complaint, a repair) opens a follow-up case, due
    `case_due_hours` later and assigned to the staff member who made the call; once per call
    (a second request finds the first case)."""
    existing = db.session.scalar(select(FollowUpCase).where(FollowUpCase.call_id == call.id))
    if existing is not None:
        return existing
    case = FollowUpCase(
        answer_id=None,
        call_id=call.id,
        member_id=call.member_id,
        purchase_id=call.purchase_id,
        store=call.store,
        status="open",
        due_at=now + timedelta(hours=programme_settings().case_due_hours),
        assigned_to_id=staff.id,
        created_at=now,
    )
    db.session.add(case)
    db.session.flush()
    if call.note:
        db.session.add(
            CaseNote(
                case_id=case.id, author_id=staff.id, kind="call", body=call.note, created_at=now
            )
        )
        db.session.flush()
    record_audit("case.open_from_call", actor=staff, target=case, summary=f"from call {call.id}")
    logger.info("%r opened from %r by %r", case, call, staff)
    return case


def is_overdue(case: FollowUpCase, *, now: datetime | None = None) -> bool:
    return case.status != "resolved" and case.due_at <= (now or utcnow())


def overdue_count(*, now: datetime | None = None) -> int:
    now = now or utcnow()
    return (
        db.session.scalar(
            select(func.count(FollowUpCase.id)).where(
                FollowUpCase.status != "resolved", FollowUpCase.due_at <= now
            )
        )
        or 0
    )


def case_for(answer: SurveyAnswer) -> FollowUpCase | None:
    return db.session.scalar(select(FollowUpCase).where(FollowUpCase.answer_id == answer.id))


class CaseResolved(Conflict):
    code = "case_resolved"


class GoodwillOverLimit(Invalid):
    code = "goodwill_over_limit"


CASE_VIEWS = ("open", "overdue", "mine", "resolved", "all")


def case_list(view: str, *, staff: Member, now: datetime | None = None) -> list[FollowUpCase]:
    """Cases for the staff list: open ones soonest due first (overdue among them), the
    signed-in staff member's own, resolved ones newest first."""
    now = now or utcnow()
    query = select(FollowUpCase)
    if view == "resolved":
        query = query.where(FollowUpCase.status == "resolved").order_by(
            FollowUpCase.resolved_at.desc()
        )
    else:
        if view != "all":
            query = query.where(FollowUpCase.status != "resolved")
        if view == "overdue":
            query = query.where(FollowUpCase.due_at <= now)
        if view == "mine":
            query = query.where(FollowUpCase.assigned_to_id == staff.id)
        query = query.order_by(FollowUpCase.due_at, FollowUpCase.id)
    return list(db.session.scalars(query.limit(200)))


def staff_members() -> list[Member]:
    return list(
        db.session.scalars(
            select(Member)
            .where(Member.role.in_(("staff", "admin")), Member.deactivated_at.is_(None))
            .order_by(Member.name)
        )
    )


def _refuse_if_resolved(case: FollowUpCase) -> None:
    if case.status == "resolved":
        raise CaseResolved


def assign_case(case: FollowUpCase, assignee: Member, *, staff: Member) -> FollowUpCase:
    _refuse_if_resolved(case)
    if not assignee.is_staff:
        raise Invalid(errors={"assigned_to": "not_staff"})
    case.assigned_to_id = assignee.id
    db.session.flush()
    record_audit("case.assign", actor=staff, target=case, summary=f"assigned to {assignee.id}")
    return case


def log_contact(case: FollowUpCase, kind: str, body: str, *, staff: Member) -> CaseNote:
    """A note or a contact with the member in the case's log; a call, a message or an email
    moves an open case to contacted."""
    _refuse_if_resolved(case)
    if kind not in CONTACT_KINDS:
        raise Invalid(errors={"kind": "unknown"})
    if not body.strip():
        raise Invalid(errors={"body": "required"})
    now = utcnow()
    note = CaseNote(
        case_id=case.id, author_id=staff.id, kind=kind, body=body.strip(), created_at=now
    )
    db.session.add(note)
    if kind != "note" and case.status == "open":
        case.status = "contacted"
        case.contacted_at = now
    db.session.flush()
    record_audit(f"case.{kind}", actor=staff, target=case, summary=case.status)
    return note


def goodwill_limit(staff: Member) -> int:
    settings = programme_settings()
    return settings.goodwill_admin_limit if staff.is_admin else settings.goodwill_staff_limit


def resolve_case(
    case: FollowUpCase, *, staff: Member, resolution: str, goodwill_points: int = 0
) -> FollowUpCase:
    """Close the case with how it was resolved; goodwill points (at most `goodwill_staff_limit`
    (500) for staff, `goodwill_admin_limit` (2000) for admins) become a ledger credit linked to
    the case; the member gets one re-survey of the same survey."""
    _refuse_if_resolved(case)
    if not resolution.strip():
        raise Invalid(errors={"resolution": "required"})
    if goodwill_points < 0:
        raise Invalid(errors={"goodwill_points": "negative"})
    limit = goodwill_limit(staff)
    if goodwill_points > limit:
        raise GoodwillOverLimit(errors={"goodwill_points": "over_limit"}, limit=limit)
    # A second resolve racing this one finds the case resolved (the conditional UPDATE).
    now = utcnow()
    moved = changed_rows(
        db.session.execute(
            update(FollowUpCase)
            .where(FollowUpCase.id == case.id, FollowUpCase.status != "resolved")
            .values(
                status="resolved",
                resolved_at=now,
                resolved_by_id=staff.id,
                resolution=resolution.strip(),
                goodwill_points=goodwill_points,
            ),
            execution_options={"synchronize_session": False},
        )
    )
    if moved != 1:
        raise CaseResolved
    db.session.refresh(case)
    member = db.session.get_one(Member, case.member_id)
    if goodwill_points:
        credit_points(
            member,
            "bonus",
            goodwill_points,
            reason="Goodwill from our team",
            details={"case_id": case.id},
            actor=staff,
            followup_case_id=case.id,
        )
    answer = db.session.get(SurveyAnswer, case.answer_id) if case.answer_id else None
    # A case opened from a call has no survey to ask again.
    if answer is None:
        record_audit(
            "case.resolve",
            actor=staff,
            target=case,
            summary=f"resolved with {goodwill_points} goodwill points",
        )
        logger.info("%r resolved by %r (%d goodwill points)", case, staff, goodwill_points)
        return case
    invitation = invite_again_after_case(member, answer.survey, case_id=case.id, now=now)
    notify_member(
        member,
        "case_resolved",
        title=_l("Thank you for your patience"),
        body=_l(
            "We have followed up on your survey answer. Would you tell us how we did this time?"
        ),
        link=(
            "surveys.survey",
            {"survey_id": answer.survey_id, "invitation": invitation.id if invitation else None},
        ),
        dedupe_key=f"case-resolved:{case.id}",
    )
    record_audit(
        "case.resolve",
        actor=staff,
        target=case,
        summary=f"resolved with {goodwill_points} goodwill points",
    )
    logger.info("%r resolved by %r (%d goodwill points)", case, staff, goodwill_points)
    return case
