"""The after-event survey: `run-jobs` offers it to the members checked in at an event that
ended, once per event, naming the event, and not to those who did not come."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Event, EventRsvp, SurveyInvitation
from portal.services.events.door import check_in
from portal.services.surveys.invitations import invite_after_attended_events, waiting_surveys


def test_attendees_are_asked_about_the_event_once(
    member, create_member, staff, clock, create_event, rsvp, create_survey
):
    create_survey(trigger="event", title="How was the event?")
    event = create_event()
    came, absent = rsvp(member, event), rsvp(create_member(), event)
    clock.set(event.starts_at - timedelta(minutes=10))
    check_in(db.session.get(Event, event.id), db.session.get(EventRsvp, came.id), staff)
    db.session.commit()
    assert invite_after_attended_events() == 0  # not over yet
    clock.set(event.ends_at + timedelta(hours=1))
    assert invite_after_attended_events() == 1
    assert invite_after_attended_events() == 0
    db.session.commit()
    invitation = db.session.scalar(select(SurveyInvitation))
    assert (invitation.member_id, invitation.event_title) == (member.id, "Coloured stones salon")
    assert [w.occasion for w in waiting_surveys(member)] == [f"event:{event.id}"]
    assert absent.member_id != invitation.member_id
    assert db.session.scalar(select(func.count(SurveyInvitation.id))) == 1
