"""Who is asked which survey, about what, until when.

A purchase survey is offered after each purchase and an event survey after each attended event,
each for `survey_open_days` (14) days; an always-open survey waits for every member until they
answer it. A member is not invited more than once in `survey_quiet_days` (30) days, except the
re-survey that follows a resolved case.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.exc import IntegrityError

from portal.clock import utcnow
from portal.extensions import db
from portal.models import (
    Event,
    EventRsvp,
    Member,
    Purchase,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
)
from portal.models.base import UTCDateTime
from portal.services.programme.local_time import local_date
from portal.services.programme.settings import programme_settings

logger = logging.getLogger(__name__)

ALWAYS = "always"


def is_open(survey: Survey, *, now: datetime) -> bool:
    """Active, and today (programme zone) inside its window."""
    today = local_date(now)
    return (
        survey.active
        and (survey.opens_on is None or survey.opens_on <= today)
        and (survey.closes_on is None or today <= survey.closes_on)
    )


def _open_surveys(trigger: str, *, now: datetime) -> list[Survey]:
    surveys = db.session.scalars(
        select(Survey).where(Survey.trigger == trigger, Survey.active.is_(True)).order_by(Survey.id)
    )
    return [s for s in surveys if is_open(s, now=now)]


def _recently_invited(member_id: int, *, now: datetime) -> bool:
    since = now - timedelta(days=programme_settings().survey_quiet_days)
    return (
        db.session.scalar(
            select(SurveyInvitation.id).where(
                SurveyInvitation.member_id == member_id,
                SurveyInvitation.case_id.is_(None),
                SurveyInvitation.invited_at > since,
            )
        )
        is not None
    )


def _invite(invitation: SurveyInvitation) -> SurveyInvitation | None:
    try:
        with db.session.begin_nested():
            db.session.add(invitation)
    except IntegrityError:
        return None  # already invited for this occasion (a retried job or purchase)
    logger.info(
        "member %s invited to survey %s (%s)",
        invitation.member_id,
        invitation.survey_id,
        invitation.occasion,
    )
    return invitation


def invite_after_purchase(
    purchase: Purchase, *, now: datetime | None = None
) -> SurveyInvitation | None:
    """Called by purchase recording in its transaction: the first open purchase survey is
    offered about this purchase for `survey_open_days`, unless the member was asked something
    in the last `survey_quiet_days`."""
    now = now or utcnow()
    surveys = _open_surveys("purchase", now=now)
    if not surveys or _recently_invited(purchase.member_id, now=now):
        return None
    return _invite(
        SurveyInvitation(
            survey_id=surveys[0].id,
            member_id=purchase.member_id,
            occasion=f"purchase:{purchase.id}",
            purchase_id=purchase.id,
            invited_at=now,
            open_until=now + timedelta(days=programme_settings().survey_open_days),
        )
    )


def invite_after_event(
    member: Member, *, event_id: int, event_title: str, now: datetime | None = None
) -> SurveyInvitation | None:
    """For the events feature: call it when a member's attendance is recorded (check-in), or
    from a `run-jobs` job over the attended events that ended; safe to call twice. The first
    open event survey is offered about the event for `survey_open_days`, within the quiet
    days rule."""
    now = now or utcnow()
    surveys = _open_surveys("event", now=now)
    if not surveys or _recently_invited(member.id, now=now):
        return None
    return _invite(
        SurveyInvitation(
            survey_id=surveys[0].id,
            member_id=member.id,
            occasion=f"event:{event_id}",
            event_id=event_id,
            event_title=event_title[:200],
            invited_at=now,
            open_until=now + timedelta(days=programme_settings().survey_open_days),
        )
    )


def invite_again_after_case(
    member: Member, survey: Survey, *, case_id: int, now: datetime | None = None
) -> SurveyInvitation | None:
    """The one re-survey after a resolved case (outside the quiet days rule)."""
    now = now or utcnow()
    return _invite(
        SurveyInvitation(
            survey_id=survey.id,
            member_id=member.id,
            occasion=f"resurvey:{case_id}",
            case_id=case_id,
            invited_at=now,
            open_until=now + timedelta(days=programme_settings().survey_open_days),
        )
    )


@dataclass(frozen=True)
class WaitingSurvey:
    """A survey a member may answer now: through an invitation, or the always-open one."""

    survey: Survey
    occasion: str
    invitation: SurveyInvitation | None

    @property
    def open_until(self) -> datetime | None:
        return self.invitation.open_until if self.invitation is not None else None


def _answered_on(occasion: Any) -> Any:
    return (
        select(SurveyAnswer.id)
        .where(
            SurveyAnswer.member_id == bindparam("member_id"),
            SurveyAnswer.survey_id == Survey.id,
            SurveyAnswer.occasion == occasion,
        )
        .exists()
    )


# Built once (the dashboard asks on every visit); the member and the moment are bound per call.
_WAITING = (
    select(
        Survey,
        SurveyInvitation,
        _answered_on(SurveyInvitation.occasion),
        _answered_on(ALWAYS),
    )
    .outerjoin(
        SurveyInvitation,
        and_(
            SurveyInvitation.survey_id == Survey.id,
            SurveyInvitation.member_id == bindparam("member_id"),
            SurveyInvitation.open_until > bindparam("now", type_=UTCDateTime),
        ),
    )
    .where(
        Survey.active.is_(True),
        or_(SurveyInvitation.id.is_not(None), Survey.trigger == "always"),
    )
    .order_by(SurveyInvitation.open_until, SurveyInvitation.id, Survey.id)
)


def waiting_surveys(member: Member, *, now: datetime | None = None) -> list[WaitingSurvey]:
    """What the member may answer now, soonest closing first, the always-open surveys last
    (one query, whatever the number of invitations: the dashboard asks on every visit)."""
    now = now or utcnow()
    rows = db.session.execute(_WAITING, {"member_id": member.id, "now": now}).all()
    invited: list[WaitingSurvey] = []
    always: list[WaitingSurvey] = []
    for survey, invitation, invitation_answered, always_answered in rows:
        if not is_open(survey, now=now):
            continue
        if invitation is not None and not invitation_answered:
            invited.append(WaitingSurvey(survey, invitation.occasion, invitation))
        if (
            survey.trigger == "always"
            and not always_answered
            and all(w.survey.id != survey.id for w in always)
        ):
            always.append(WaitingSurvey(survey, ALWAYS, None))
    invited.sort(key=lambda w: (w.open_until or now, w.invitation.id if w.invitation else 0))
    return invited + always


def find_waiting(
    member: Member, survey: Survey, invitation_id: int | None, *, now: datetime | None = None
) -> WaitingSurvey | None:
    """The occasion on which the member may answer this survey now: the given invitation (the
    member's own), else their first waiting one for it; None when there is none."""
    for waiting in waiting_surveys(member, now=now):
        if waiting.survey.id != survey.id:
            continue
        if invitation_id is None or (
            waiting.invitation is not None and waiting.invitation.id == invitation_id
        ):
            return waiting
    return None


def invite_after_attended_events(*, now: datetime | None = None) -> int:
    """`run-jobs`: members checked in at an event that ended in the last `survey_open_days`
    days are offered the event survey (once per event, by the UNIQUE invitation; within the
    quiet days rule). Returns how many were invited."""
    now = now or utcnow()
    if not _open_surveys("event", now=now):
        return 0
    since = now - timedelta(days=programme_settings().survey_open_days)
    rows = db.session.execute(
        select(Member, Event.id, Event.title)
        .join(EventRsvp, EventRsvp.member_id == Member.id)
        .join(Event, Event.id == EventRsvp.event_id)
        .where(
            EventRsvp.status == "checked_in",
            Event.status != "cancelled",
            Event.ends_at <= now,
            Event.ends_at > since,
        )
        .order_by(Event.ends_at, EventRsvp.id)
    ).all()
    invited = 0
    for member, event_id, title in rows:
        if invite_after_event(member, event_id=event_id, event_title=title, now=now) is not None:
            invited += 1
    return invited
