"""The demo events: each kind to come, a full one with a waitlist, a Gold-only one, and a past
salon the demo member attended with its points; loading the demo again changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Event, EventRsvp, LedgerEntry
from portal.services.events.allocation import places_taken, waitlist_position
from portal.services.members.accounts import find_member_by_email
from portal.services.points.ledger import ledger_sum


def test_the_demo_has_every_kind_of_event_a_waitlist_a_gold_event_and_a_past_attendance(
    runner, clock
):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    now = clock.now()
    events = db.session.scalars(select(Event)).all()
    upcoming = [e for e in events if e.starts_at > now]
    assert {e.kind for e in upcoming} == {
        "salon",
        "launch",
        "trend_show",
        "private_sale",
        "workshop",
    }
    assert all(e.title_zh and e.description_zh and e.location_zh for e in events)

    full = [e for e in upcoming if places_taken(e) == e.capacity]
    assert len(full) == 1
    waiting = db.session.scalars(
        select(EventRsvp).where(EventRsvp.event_id == full[0].id, EventRsvp.status == "waitlisted")
    ).all()
    assert len(waiting) >= 1
    lin = find_member_by_email("demo@example.com")
    lins = [r for r in waiting if r.member_id == lin.id]
    assert lins and waitlist_position(lins[0]) == 1

    assert [e.min_tier for e in upcoming if e.min_tier] == ["gold"]

    # The past salon of the demo member's story (the other past evenings are the crowd's).
    (past,) = [e for e in events if e.ends_at <= now and e.title.endswith("Akoya pearls")]
    attended = db.session.scalar(
        select(EventRsvp).where(EventRsvp.event_id == past.id, EventRsvp.member_id == lin.id)
    )
    assert attended.status == "checked_in"
    credit = db.session.scalar(
        select(LedgerEntry).where(LedgerEntry.event_id == past.id, LedgerEntry.member_id == lin.id)
    )
    assert credit.points == past.attendance_points > 0
    assert credit.created_at == attended.checked_in_at  # recorded when it happened
    assert lin.points_balance == ledger_sum(lin)

    before = (
        db.session.scalar(select(func.count(Event.id))),
        db.session.scalar(select(func.count(EventRsvp.id))),
        db.session.scalar(select(func.count(LedgerEntry.id))),
    )
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    db.session.expire_all()
    after = (
        db.session.scalar(select(func.count(Event.id))),
        db.session.scalar(select(func.count(EventRsvp.id))),
        db.session.scalar(select(func.count(LedgerEntry.id))),
    )
    assert after == before
