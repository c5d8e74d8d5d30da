"""Stateful property test (Hypothesis) of the whole points model, through the real services on
the test database: random sequences of purchases (and the same receipt again), partial returns,
redemptions, voucher cancellations, the clock moving with expiry, referral releases, event
attendances and tier evaluations, each committed as a request or a job would commit it (or
rolled back when refused). After every step:

- each member's stored balance equals the sum of their entries and the last entry's balance;
- unspent points (credits' `remaining`) equal the balance when positive, 0 otherwise, and no
  credit ever has more left than it gave or less than nothing;
- no expiry takes more than was earned and unspent: what expired of a credit is at most the
  credit, and an expiry never takes a balance below zero;
- one receipt earns once (one earn entry per purchase, the same receipt again earns nothing),
  one attendance once, one referral once per member;
- a tier evaluation moves a member down at most one level.

Each example starts from empty tables (the machine builds its members, staff, reward and
referral itself), so the function-scoped `app` fixture is shared safely by the examples.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from portal import clock as portal_clock
from portal.extensions import db
from portal.models import LedgerEntry, Member, Purchase, Redemption, Reward, Tier, TierChange
from portal.services.events.answers import answer_event
from portal.services.events.door import check_in
from portal.services.events.editing import EventChanges, create_event
from portal.services.members.accounts import create_member
from portal.services.points.expiry import expire_due_points
from portal.services.points.tiers import evaluate_tiers
from portal.services.programme.default_tiers import ensure_default_tiers
from portal.services.programme.refusals import Refused
from portal.services.purchases.recording import record_purchase, record_return
from portal.services.referrals.bonuses import close_lapsed_referrals, release_due_bonuses
from portal.services.rewards.editing import RewardChanges
from portal.services.rewards.editing import create_reward as create_reward_rule
from portal.services.rewards.redemption import redeem
from portal.services.rewards.vouchers import cancel_redemption
from tests.conftest import DEFAULT_PASSWORD, _empty_tables
from tests.referral_support import refer

START = datetime(2026, 1, 10, 4, 0, tzinfo=UTC)
MEMBERS = 3  # 0 refers 1; 2 is on their own


def fresh(model, ident):
    return db.session.get(model, ident, populate_existing=True)


class PointsModel(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        db.session.rollback()
        _empty_tables()
        portal_clock.set_now(START)
        ensure_default_tiers()
        self.ranks = {t.code: t.rank for t in db.session.scalars(select(Tier))}
        people = [
            create_member(
                name=f"Member Number{n}",
                email=f"points{n}@example.com",
                password=DEFAULT_PASSWORD,
                verified=True,
            )
            for n in range(MEMBERS)
        ]
        self.staff = create_member(
            name="Zhang Wei",
            email="zhang.wei@example.com",
            password=DEFAULT_PASSWORD,
            verified=True,
            role="staff",
        )
        db.session.commit()
        self.member_ids = [m.id for m in people]
        refer(people[1], people[0])
        reward = create_reward_rule(
            RewardChanges(name="Jewellery cleaning", points_cost=400, stock=4), staff=self.staff
        )
        db.session.commit()
        self.reward_id = reward.id
        self.receipts: list[tuple[int, str, int]] = []  # member id, receipt, amount
        self.redemptions: list[int] = []
        self.events = 0

    def member(self, index: int) -> Member:
        return fresh(Member, self.member_ids[index % MEMBERS])

    def attempt(self, change) -> None:
        """One request or job: committed, or rolled back whole when refused."""
        try:
            change()
        except Refused:
            db.session.rollback()
        else:
            db.session.commit()

    # -- what happens ------------------------------------------------------------------------

    @rule(
        who=st.integers(0, MEMBERS - 1),
        # Everyday receipts, and ones large enough to move a tier (staff record those).
        amount=st.one_of(st.integers(1, 300_000), st.integers(1_000_000, 16_000_000)),
    )
    def purchase(self, who, amount):
        member = self.member(who)
        receipt = f"PM-{len(self.receipts):05d}"

        def buy():
            _purchase, created = record_purchase(
                member,
                receipt_no=receipt,
                amount=amount,
                currency="CNY",
                purchased_at=portal_clock.utcnow() - timedelta(minutes=5),
                store="Shanghai IFC",
                channel="staff",
            )
            assert created
            self.receipts.append((member.id, receipt, amount))

        self.attempt(buy)

    @rule(pick=st.integers(0, 10_000))
    def same_receipt_again(self, pick):
        if not self.receipts:
            return
        member_id, receipt, amount = self.receipts[pick % len(self.receipts)]
        entries = db.session.scalar(select(db.func.count(LedgerEntry.id)))
        _purchase, created = record_purchase(
            fresh(Member, member_id),
            receipt_no=receipt,
            amount=amount,
            currency="CNY",
            purchased_at=portal_clock.utcnow(),
            store="Shanghai IFC",
            channel="staff",
        )
        db.session.commit()
        assert not created
        assert db.session.scalar(select(db.func.count(LedgerEntry.id))) == entries

    @rule(pick=st.integers(0, 10_000), percent=st.integers(1, 100))
    def partial_return(self, pick, percent):
        if not self.receipts:
            return
        _member_id, receipt, _amount = self.receipts[pick % len(self.receipts)]
        purchase = db.session.scalar(select(Purchase).where(Purchase.receipt_no == receipt))
        amount = max(1, purchase.returnable_amount * percent // 100)
        if purchase.returnable_amount == 0:
            return
        self.attempt(lambda: record_return(purchase, amount=amount))

    @rule(who=st.integers(0, MEMBERS - 1))
    def redemption(self, who):
        member = self.member(who)
        key = f"pm-redeem-{len(self.redemptions)}-{portal_clock.utcnow().timestamp()}"

        def spend():
            made = redeem(member, fresh(Reward, self.reward_id), idempotency_key=key)
            self.redemptions.append(made.id)

        self.attempt(spend)

    @rule(pick=st.integers(0, 10_000))
    def voucher_cancellation(self, pick):
        if not self.redemptions:
            return
        redemption = fresh(Redemption, self.redemptions[pick % len(self.redemptions)])
        staff = fresh(Member, self.staff.id)
        self.attempt(lambda: cancel_redemption(redemption, staff, "Changed their mind"))

    @rule(days=st.one_of(st.integers(1, 45), st.integers(300, 800)))
    def time_passes_and_points_expire(self, days):
        portal_clock.advance(timedelta(days=days))
        self.attempt(expire_due_points)

    @rule()
    def referral_release(self):
        self.attempt(release_due_bonuses)
        self.attempt(close_lapsed_referrals)

    @rule(who=st.integers(0, MEMBERS - 1))
    def event_attendance(self, who):
        member = self.member(who)
        staff = fresh(Member, self.staff.id)
        starts = portal_clock.utcnow() + timedelta(hours=2)
        self.events += 1
        event = create_event(
            EventChanges(
                kind="salon",
                title=f"Salon {self.events}",
                title_zh=None,
                description="An evening with our gemmologist.",
                description_zh=None,
                location="Shanghai IFC",
                location_zh=None,
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                rsvp_deadline=starts - timedelta(hours=1),
                capacity=5,
                min_tier=None,
                max_guests=0,
                attendance_points=100,
            ),
            staff=staff,
        )
        db.session.commit()
        answer = answer_event(member, event, 0)
        db.session.commit()
        for _press in range(2):  # the door pressed twice: admitted once, credited once
            self.attempt(lambda: check_in(event, answer, staff))

    @rule()
    def tier_evaluation(self):
        before = {m.id: m.tier_code for m in db.session.scalars(select(Member))}
        self.attempt(evaluate_tiers)
        db.session.expire_all()
        for member in db.session.scalars(select(Member)):
            dropped = self.ranks[before[member.id]] - self.ranks[member.tier_code]
            assert dropped <= 1, (before[member.id], member.tier_code)

    # -- what always holds -------------------------------------------------------------------

    @invariant()
    def the_points_model_holds(self):
        # One read of everything per step (cheap on PostgreSQL too), then each rule in Python.
        db.session.expire_all()
        members = db.session.scalars(select(Member)).all()
        entries = db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).all()
        by_member: dict[int, list[LedgerEntry]] = {m.id: [] for m in members}
        for entry in entries:
            by_member[entry.member_id].append(entry)

        # The balance is the sum of the entries and the last entry's balance; unspent points
        # are the balance when positive.
        for member in members:
            own = by_member[member.id]
            assert member.points_balance == sum(e.points for e in own)
            assert member.points_balance == (own[-1].balance_after if own else 0)
            unspent = sum(e.remaining for e in own if e.remaining and e.remaining > 0)
            assert unspent == max(member.points_balance, 0)

        # Expiry takes only what was earned and is unspent.
        credits = {e.id: e for e in entries if e.points > 0}
        expired_of: Counter[int] = Counter()
        for entry in entries:
            if entry.points > 0:
                assert 0 <= entry.remaining <= entry.points
            if entry.kind == "expire":
                expired_of[entry.details["credit_id"]] += -entry.points
                assert entry.balance_after >= 0  # never more than the unspent balance
        for credit_id, expired in expired_of.items():
            assert expired <= credits[credit_id].points

        # One receipt earns once, one attendance once, one referral once per member.
        earned = Counter(e.purchase_id for e in entries if e.kind == "earn")
        assert all(count == 1 for count in earned.values())
        attended = Counter((e.member_id, e.event_id) for e in entries if e.event_id)
        assert all(count == 1 for count in attended.values())
        referral = Counter((e.member_id, e.referral_id) for e in entries if e.referral_id)
        assert all(count == 1 for count in referral.values())
        for purchase in db.session.scalars(select(Purchase)):
            assert purchase.points_reversed <= purchase.points_awarded
            assert purchase.returned_amount <= purchase.amount

        # An evaluation moves a tier down one level at most.
        for change in db.session.scalars(
            select(TierChange).where(TierChange.reason == "evaluation")
        ):
            assert self.ranks[change.to_tier] >= self.ranks[change.from_tier] - 1

    def teardown(self):
        db.session.rollback()
        portal_clock.set_now(None)


def test_the_points_model_holds_whatever_happens(app):
    # Fewer examples on PostgreSQL, where each example's fresh tables (a TRUNCATE of every
    # table) and each commit cost more: the rules are the same, the SQL is what is checked there.
    on_postgres = db.engine.dialect.name == "postgresql"
    run_state_machine_as_test(
        PointsModel,
        settings=settings(
            max_examples=5 if on_postgres else 8,
            stateful_step_count=35,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
