"""`run-jobs` killed halfway and run again ends where one clean run ends.

The same programme (points expiring today and within the notice period, two tiers due for
evaluation, a referral bonus due, a voucher past its date) is built twice in the test database,
through the real rules, at the same moments. Once `run-jobs` runs cleanly; once it is killed
halfway: a KeyboardInterrupt (which `run-jobs` does not catch, as it would not survive a
SIGKILL) raised inside a job, with the lock left behind as a killed process leaves it, and its
open transaction rolled back as the database does when the connection drops. The next run
finds the lock still held, takes it over once it has lapsed (LOCK_TTL), and finishes.

The two end states are compared by what a person checks (balances, tiers, ledger entries,
tier changes, vouchers, referrals, notifications, the outbox and the mail received), without
the timestamps, which differ by the hour the stale lock was waited for.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal import jobs
from portal.database import writing_transactions
from portal.extensions import db
from portal.models import (
    JobLock,
    LedgerEntry,
    Member,
    Notification,
    OutboxMessage,
    Redemption,
    Referral,
    Tier,
    TierChange,
)
from portal.services.members.desk import set_tier_by_hand
from portal.services.messaging import delivery
from portal.services.points import tiers
from portal.services.programme.default_tiers import ensure_default_tiers
from portal.services.rewards.redemption import redeem
from tests.conftest import _empty_tables
from tests.referral_support import refer

NOW = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)
AFTER_THE_LOCK = NOW + jobs.LOCK_TTL + timedelta(minutes=1)


class Killed(KeyboardInterrupt):
    """The process stopped here."""


def build_programme(create_member, create_purchase, create_reward, clock) -> None:
    """Everything `run-jobs` has work for at NOW, built at the moments it would have been."""
    clock.set(NOW - timedelta(days=24 * 31 + 5))
    expiring = create_member(name="Expiring Today", email="expiring@example.com")
    create_purchase(expiring, "300.00", purchased_at=clock.now())
    clock.set(NOW - timedelta(days=365 * 2 - 20))
    soon = create_member(name="Expiring Soon", email="soon@example.com")
    create_purchase(soon, "200.00", purchased_at=clock.now())
    clock.set(NOW - timedelta(days=400))
    admin = create_member(name="Chen Jing", email="chen.jing@example.com", role="admin")
    for code in ("gold", "silver"):
        lapsed = create_member(name=f"{code.title()} Lapsed", email=f"{code}@example.com")
        set_tier_by_hand(lapsed, db.session.get(Tier, code), reason="Test tier", admin=admin)
        db.session.commit()
    clock.set(NOW - timedelta(days=70))
    saver = create_member(name="Voucher Holder", email="voucher@example.com")
    create_purchase(saver, "800.00", purchased_at=clock.now())
    reward = create_reward(points_cost=300, stock=5, staff=admin)
    redeem(db.session.get(Member, saver.id), reward, idempotency_key="jobs-voucher-1")
    db.session.commit()
    clock.set(NOW - timedelta(days=31))
    referrer = create_member(name="Lin Mei", email="lin.mei@gmail.com")
    friend = create_member(name="Wang Fang", email="wang.fang@example.com")
    refer(friend, referrer)
    create_purchase(friend, "1200.00", purchased_at=clock.now())
    clock.set(NOW)


def end_state(mailbox) -> dict:
    db.session.expire_all()
    email = {m.id: m.email for m in db.session.scalars(select(Member))}
    return {
        "members": sorted(
            (m.email, m.points_balance, m.tier_code) for m in db.session.scalars(select(Member))
        ),
        "ledger": sorted(
            (email[e.member_id], e.kind, e.points, e.remaining)
            for e in db.session.scalars(select(LedgerEntry))
        ),
        "tier_changes": sorted(
            (email[c.member_id], c.from_tier or "", c.to_tier, c.reason)
            for c in db.session.scalars(select(TierChange))
        ),
        "vouchers": sorted(r.status for r in db.session.scalars(select(Redemption))),
        "referrals": sorted(r.status for r in db.session.scalars(select(Referral))),
        "notifications": sorted(
            (email[n.member_id], n.kind, n.title) for n in db.session.scalars(select(Notification))
        ),
        "outbox": sorted(
            (o.to_address, o.subject, o.status) for o in db.session.scalars(select(OutboxMessage))
        ),
        "mail": sorted(Counter((m["To"], m["Subject"]) for m in mailbox.messages).items()),
    }


def run_jobs() -> dict[str, int] | None:
    with writing_transactions():
        return jobs.run_periodic_jobs()


def start_again(mailbox) -> None:
    db.session.rollback()
    _empty_tables()
    ensure_default_tiers()
    db.session.commit()
    mailbox.messages.clear()


def kill_in_tier_evaluation(monkeypatch) -> None:
    """Killed after the first member's tier was evaluated, before the second's."""
    real = tiers.evaluate_member_tier
    calls = []

    def evaluate(member, **kwargs):
        calls.append(member.id)
        if len(calls) == 2:
            raise Killed
        return real(member, **kwargs)

    monkeypatch.setattr(tiers, "evaluate_member_tier", evaluate)


def kill_in_mail_delivery(monkeypatch) -> None:
    """Killed while sending the third message: it is claimed, and two were sent before."""
    real = delivery._send_claimed
    calls = []

    def send(message_id):
        calls.append(message_id)
        if len(calls) == 3:
            raise Killed
        return real(message_id)

    monkeypatch.setattr(delivery, "_send_claimed", send)


@pytest.mark.parametrize("kill", [kill_in_tier_evaluation, kill_in_mail_delivery])
def test_a_run_killed_halfway_and_run_again_ends_as_one_clean_run(
    app, create_member, create_purchase, create_reward, clock, mailbox, monkeypatch, kill
):
    app.config["MAIL_DELIVERY"] = "off"  # every mail waits for run-jobs' own delivery
    build_programme(create_member, create_purchase, create_reward, clock)
    clock.set(AFTER_THE_LOCK)
    clean = run_jobs()
    assert clean is not None and all(count >= 0 for count in clean.values()), clean
    assert clean["points-expiry"] >= 1 and clean["tier-evaluation"] == 2
    assert clean["referral-bonuses"] == 1 and clean["deliver-mail"] >= 3
    clean_state = end_state(mailbox)

    start_again(mailbox)
    build_programme(create_member, create_purchase, create_reward, clock)
    kill(monkeypatch)
    monkeypatch.setattr(jobs, "release_lock", lambda: None)  # a killed process releases nothing
    with pytest.raises(Killed):
        run_jobs()
    db.session.rollback()  # the connection of the killed process is gone with its transaction
    monkeypatch.undo()
    halfway = end_state(mailbox)
    assert halfway != clean_state  # the kill did stop it halfway

    assert run_jobs() is None  # the lock of the killed run still stands...
    clock.set(AFTER_THE_LOCK)  # ...until it lapses: then the next run takes over
    again = run_jobs()
    assert again is not None and all(count >= 0 for count in again.values()), again
    assert end_state(mailbox) == clean_state
    assert run_jobs() is not None  # the lock was released this time
    assert end_state(mailbox) == clean_state  # and a further run changes nothing


def lock_held_by(holder: str) -> None:
    db.session.merge(JobLock(name=jobs.LOCK_NAME, holder=holder, locked_until=NOW + jobs.LOCK_TTL))
    db.session.commit()


def test_the_lock_of_a_killed_run_on_this_host_is_taken_over_at_once(app, clock):
    clock.set(NOW)
    exited = subprocess.Popen(["true"])
    exited.wait()
    lock_held_by(f"{socket.gethostname()}:{exited.pid}")
    assert run_jobs() is not None


def test_the_lock_of_a_live_run_or_of_another_host_stands_until_it_lapses(app, clock):
    clock.set(NOW)
    for holder in (f"{socket.gethostname()}:{os.getppid()}", "another-host:12345"):
        lock_held_by(holder)
        assert run_jobs() is None
    clock.set(NOW + jobs.LOCK_TTL + timedelta(seconds=1))
    assert run_jobs() is not None
