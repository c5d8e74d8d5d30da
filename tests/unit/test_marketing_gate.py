"""The marketing gate: consent, the weekly cap at its edges, the member's channels, one decision
per occasion, service messages never capped, and two campaigns at the same moment delivering at
most the cap (on the suite's database: SQLite by default, PostgreSQL with DATABASE_URL)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.database import writing_transactions
from portal.extensions import db
from portal.models import MarketingDelivery, Member, Notification, OutboxMessage
from portal.services.messaging.marketing import send_marketing
from portal.services.messaging.notifications import notify_member
from portal.services.programme.settings import update_setting

NOW = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)


def offer(member, occasion: str, *, now=NOW):
    decision = send_marketing(
        member,
        kind="campaign",
        occasion=occasion,
        subject="The autumn salon",
        body="Join us for the new collection.",
        now=now,
    )
    db.session.commit()
    return decision


@pytest.fixture
def opted_in(create_member):
    return create_member(name="Wang Fang", marketing_opt_in=True)


def test_a_member_who_has_not_opted_in_gets_nothing_and_the_skip_is_recorded(app, create_member):
    member = create_member()
    decision = offer(member, "campaign:1")
    assert decision.status == "skipped" and decision.reason == "not_opted_in"
    row = db.session.scalar(select(MarketingDelivery))
    assert (row.status, row.reason, row.member_id) == ("skipped", "not_opted_in", member.id)
    assert (
        db.session.scalar(
            select(func.count(Notification.id)).where(Notification.category == "marketing")
        )
        == 0
    )
    assert (
        db.session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.category == "marketing")
        )
        == 0
    )


def test_an_opted_in_member_gets_it_in_the_app_and_by_mail(app, opted_in, mailbox):
    decision = offer(opted_in, "campaign:1")
    assert decision.sent
    note = db.session.scalar(
        select(Notification).where(
            Notification.member_id == opted_in.id, Notification.category == "marketing"
        )
    )
    assert note.title == "The autumn salon"
    assert note.link_args == {"token": decision.delivery.token}
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.category == "marketing"))
    assert mail.to_address == opted_in.email and "/go/" in mail.body_text
    assert decision.delivery.channels == "email,in_app"


def test_only_the_chosen_channels(app, opted_in):
    opted_in.channel_email = False
    db.session.commit()
    assert offer(opted_in, "campaign:1").sent
    assert (
        db.session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.category == "marketing")
        )
        == 0
    )
    opted_in.channel_in_app = False
    db.session.commit()
    later = offer(opted_in, "campaign:2", now=NOW + timedelta(days=8))
    assert later.status == "skipped" and later.reason == "no_channel"


def test_the_weekly_cap_counts_a_rolling_seven_days(app, opted_in):
    assert offer(opted_in, "campaign:1").sent
    # At the cap (1): a second message within 7 days is skipped, with the reason.
    second = offer(opted_in, "campaign:2", now=NOW + timedelta(days=7) - timedelta(seconds=1))
    assert second.status == "skipped" and second.reason == "weekly_cap"
    # Exactly 7 days later the first one has left the window.
    assert offer(opted_in, "campaign:3", now=NOW + timedelta(days=7)).sent


def test_one_under_at_and_over_a_cap_of_three(app, opted_in):
    update_setting("marketing_weekly_cap", 3)
    db.session.commit()
    decisions = [
        offer(opted_in, f"campaign:{n}", now=NOW + timedelta(hours=n)) for n in range(1, 5)
    ]
    assert [d.status for d in decisions] == ["sent", "sent", "sent", "skipped"]
    assert decisions[3].reason == "weekly_cap"


def test_every_kind_of_marketing_counts_towards_the_cap(app, opted_in):
    birthday = send_marketing(
        opted_in,
        kind="birthday",
        occasion="birthday:2026",
        subject="Happy birthday month",
        body="Double points.",
        now=NOW,
    )
    db.session.commit()
    assert birthday.sent
    assert offer(opted_in, "campaign:1", now=NOW + timedelta(days=1)).reason == "weekly_cap"


def test_one_decision_per_occasion(app, opted_in):
    first = offer(opted_in, "campaign:1")
    again = offer(opted_in, "campaign:1", now=NOW + timedelta(days=30))
    assert again.status == "repeat" and again.delivery.id == first.delivery.id
    assert db.session.scalar(select(func.count(MarketingDelivery.id))) == 1


def test_a_skipped_message_is_never_sent_later(app, opted_in):
    offer(opted_in, "campaign:1")
    assert offer(opted_in, "campaign:2", now=NOW + timedelta(hours=1)).reason == "weekly_cap"
    # A week on, the same campaign is not retried: its decision stands.
    assert offer(opted_in, "campaign:2", now=NOW + timedelta(days=8)).status == "repeat"


def test_service_messages_do_not_pass_the_gate_and_are_never_capped(app, opted_in, create_member):
    offer(opted_in, "campaign:1")  # at the cap for marketing
    not_opted = create_member()
    for person in (opted_in, not_opted):
        for n in range(5):
            assert notify_member(person, "voucher", title=f"Your voucher {n}", body="") is not None
    db.session.commit()
    assert (
        db.session.scalar(
            select(func.count(Notification.id)).where(Notification.category == "service")
        )
        == 10
    )
    assert db.session.scalar(select(func.count(MarketingDelivery.id))) == 1


def test_a_closed_account_gets_nothing(app, opted_in):
    opted_in.deactivated_at = NOW
    db.session.commit()
    assert offer(opted_in, "campaign:1").reason == "account_closed"


@pytest.mark.parametrize("cap", [1, 2])
def test_campaigns_at_the_same_moment_deliver_at_most_the_cap(app, opted_in, cap):
    update_setting("marketing_weekly_cap", cap)
    db.session.commit()
    member_id = opted_in.id
    db.session.commit()  # the test holds no transaction (nor an old snapshot) meanwhile
    campaigns = 6
    barrier = threading.Barrier(campaigns)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def send(n: int) -> None:
        try:
            with app.app_context(), writing_transactions():
                barrier.wait()  # before any statement: a SQLite writer holds the lock
                member = db.session.get(Member, member_id)
                decision = send_marketing(
                    member,
                    kind="campaign",
                    occasion=f"campaign:{n}",
                    subject=f"Campaign {n}",
                    body="At the same moment.",
                    now=NOW,
                )
                time.sleep(0.05)  # hold the transaction open: the others must wait for it
                db.session.commit()
                outcomes.append(decision.status)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(campaigns)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(outcomes).count("sent") == cap
    db.session.expire_all()
    sent = db.session.scalar(
        select(func.count(MarketingDelivery.id)).where(MarketingDelivery.status == "sent")
    )
    skipped = db.session.scalars(
        select(MarketingDelivery.reason).where(MarketingDelivery.status == "skipped")
    ).all()
    assert sent == cap and skipped == ["weekly_cap"] * (campaigns - cap)
    assert (
        db.session.scalar(
            select(func.count(Notification.id)).where(Notification.category == "marketing")
        )
        == cap
    )
