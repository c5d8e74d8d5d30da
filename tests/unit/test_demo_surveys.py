"""The demo surveys: the always-open visit survey and a post-purchase survey, comments in every
moderation state, replies, testimonials, open, overdue and resolved cases, the demo member
asked about her purchase; loading the demo again adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import FollowUpCase, Survey, SurveyAnswer
from portal.services.members.accounts import find_member_by_email
from portal.services.surveys import testimonials as quotes
from portal.services.surveys.cases import is_overdue
from portal.services.surveys.invitations import waiting_surveys


def test_the_demo_has_surveys_in_every_state(runner, clock):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    visit = db.session.scalar(select(Survey).where(Survey.title == "Tell us about your visit"))
    assert visit.trigger == "always"
    assert [q.kind for q in visit.questions] == ["nps", "text"]
    assert db.session.scalar(select(Survey).where(Survey.trigger == "purchase")) is not None
    states = set(db.session.scalars(select(SurveyAnswer.moderation)))
    assert {"pending", "approved", "hidden", "flagged"} <= states
    assert (
        db.session.scalar(
            select(func.count(SurveyAnswer.id)).where(SurveyAnswer.reply.is_not(None))
        )
        >= 2
    )
    assert len(quotes.testimonials()) == 3
    cases = db.session.scalars(select(FollowUpCase)).all()
    assert {c.status for c in cases} >= {"open", "resolved"}
    assert any(is_overdue(c) for c in cases) and any(
        c.status == "open" and not is_overdue(c) for c in cases
    )
    lin = find_member_by_email("demo@example.com")
    assert [w.occasion.split(":")[0] for w in waiting_surveys(lin)] == ["purchase"]

    before = db.session.scalar(select(func.count(SurveyAnswer.id)))
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert db.session.scalar(select(func.count(SurveyAnswer.id))) == before
