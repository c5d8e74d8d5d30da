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

from sqlalchemy import func, select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import CaseNote, FollowUpCase, Member, SurveyAnswer
from portal.services.programme.settings import programme_settings
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
    case.notes.append(CaseNote(kind="note", body="Opened by a detractor answer.", created_at=now))
    logger.info("%r opened for %r", case, answer)
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
