"""The living programme: the crowd of people.py joins, shops at the boutiques, returns a few
things, spends points on the catalogue and has its vouchers fulfilled, cancelled or expired,
over three years, each step recorded by the real services with the clock at its moment and the
nightly jobs between them (timeline.py). Points therefore expire by the expiry job, tiers move
by the upgrade rule and the evaluation job, and every balance is the sum of its ledger.

Referrals, events and survey answers of the same crowd are in community.py.
"""

from __future__ import annotations

import random
from datetime import timedelta
from functools import partial

from sqlalchemy import select, update

from portal.clock import utcnow
from portal.demo.community import Community
from portal.demo.community_events import schedule_events
from portal.demo.people import HISTORY_DAYS, Person, PlannedPurchase, plan_crowd
from portal.demo.purchases import STORES
from portal.demo.rewards import DEMO_REWARDS
from portal.demo.timeline import Club, quiet_services
from portal.extensions import db
from portal.models import Member, OutboxMessage, Purchase, Redemption, Reward
from portal.services.members.accounts import create_member, find_member_by_email
from portal.services.members.passwords import hash_password
from portal.services.programme.local_time import programme_zone
from portal.services.purchases.recording import record_purchase, record_return
from portal.services.rewards.redemption import RedemptionRefused, redeem
from portal.services.rewards.vouchers import cancel_redemption, fulfil_redemption

# The crowd signs in with one password (hashed once): any of them can be tried from /login.
CROWD_PASSWORD = "demo-member-password"  # noqa: S105 - demo accounts, printed in the README
FIRST_RECEIPT = 500_000
RETURN_EVERY = 16
STOCK_KEPT = 2  # the crowd leaves the last pieces of a limited reward for the demo member
POPULARITY = {r["name"]: max(1, r["popularity"]) for r in DEMO_REWARDS}
RETURN_REASONS = [
    "Did not suit her skin tone",
    "A gift, exchanged for another size",
    "Changed his mind",
    "Bought twice by mistake",
    "Clasp too stiff",
]
CANCEL_REASONS = [
    "Member asked to change the reward",
    "Voucher issued by mistake at the desk",
]


class Programme:
    def __init__(self, club: Club):
        self.club = club
        self.people = club.people
        self.now = club.now
        self.timeline = club.timeline
        self.members = club.members
        self.staff = club.staff
        self.later = club.later
        self.receipts = FIRST_RECEIPT
        self.redemptions = 0
        self.returns = 0
        self.catalogue: list[Reward] | None = None
        self.community = Community(club)

    # -- joining and shopping ----------------------------------------------------------------

    def schedule(self) -> None:
        password_hash = hash_password(CROWD_PASSWORD)
        for person in self.people:
            self.timeline.at(person.joined_at, partial(self.join, person, password_hash))
            for planned in person.purchases:
                self.timeline.at(planned.when, partial(self.buy, person, planned))
        self.community.schedule()
        schedule_events(self.club)
        start = self.now - timedelta(days=HISTORY_DAYS)
        self.timeline.nightly_jobs(start, self.now, staff=self.staff)

    def join(self, person: Person, password_hash: str) -> None:
        referrer = self.members.get(person.referrer) if person.referrer is not None else None
        member = create_member(
            name=person.name,
            email=person.email,
            password_hash=password_hash,
            phone=person.phone,
            birthday=person.birthday,
            locale=person.locale,
            marketing_opt_in=person.marketing_opt_in,
            referred_by=referrer,
            verified=True,
        )
        self.members[person.index] = member
        if referrer is not None:
            self.community.attribute(person, member, referrer)

    def buy(self, person: Person, planned: PlannedPurchase) -> None:
        member = self.members[person.index]
        self.receipts += 1
        purchase, _created = record_purchase(
            member,
            receipt_no=f"{planned.store}-{planned.when.year}-{self.receipts:06d}",
            amount=planned.yuan * 100,
            currency="CNY",
            purchased_at=planned.when - timedelta(minutes=2),
            store=STORES[planned.store],
            items=[
                {"sku": sku, "name": name, "quantity": quantity, "unit_price": price * 100}
                for sku, name, quantity, price in planned.lines
            ],
            channel="api" if planned.store == "WEB" else "staff",
            recorded_by=self.staff if planned.store != "WEB" else None,
        )
        rng = random.Random(purchase.id * 31 + person.index)
        if (
            self.receipts % RETURN_EVERY == 7 and person.index > 0
        ):  # one receipt in sixteen comes back, in part or all
            self._plan_return(purchase, planned, rng)
        if rng.random() < 0.4:
            when = planned.when + timedelta(days=rng.uniform(0.2, 40))
            self.later(when, lambda: self.spend_points(member, rng))
        self.community.after_purchase(person, member, purchase, rng)

    def _plan_return(
        self, purchase: Purchase, planned: PlannedPurchase, rng: random.Random
    ) -> None:
        whole = purchase.amount
        self.returns += 1
        if self.returns % 2:
            amount = whole  # every other return takes it all back
        elif len(planned.lines) > 1:
            _sku, _name, quantity, price = planned.lines[-1]
            amount = quantity * price * 100  # the small piece bought with it
        elif planned.lines[0][2] > 1:
            amount = planned.lines[0][3] * 100  # one of two
        else:
            amount = whole * rng.choice([30, 40, 50]) // 100  # a stone replaced, part refunded
        reason = rng.choice(RETURN_REASONS)
        reference = f"RT-{purchase.receipt_no}"
        when = planned.when + timedelta(days=rng.uniform(1, 25))
        self.later(
            when,
            lambda: record_return(
                purchase, amount=amount, return_ref=reference, reason=reason, recorded_by=self.staff
            ),
        )

    # -- points spent on the catalogue -------------------------------------------------------

    def spend_points(self, member: Member, rng: random.Random) -> None:
        """The member looks at the catalogue and redeems one reward they can afford, the
        popular ones more often (redeem() checks the rest: tier, limits, stock)."""
        db.session.refresh(member, attribute_names=["points_balance", "tier_code"])
        if self.catalogue is None:
            self.catalogue = list(db.session.scalars(select(Reward).where(Reward.active)))
        affordable = [
            r
            for r in self.catalogue
            if r.points_cost <= member.points_balance and (r.stock is None or r.stock > STOCK_KEPT)
        ]
        wanted = rng.choice([1, 1, 1, 2])
        while affordable and wanted:
            weights = [POPULARITY.get(r.name, 1) for r in affordable]
            reward = rng.choices(affordable, weights=weights)[0]
            affordable.remove(reward)
            self.redemptions += 1
            try:
                redemption = redeem(member, reward, idempotency_key=f"demo-{self.redemptions}")
            except RedemptionRefused:
                self.redemptions -= 1
                continue
            self._voucher_fate(redemption, rng)
            wanted -= 1

    def _voucher_fate(self, redemption: Redemption, rng: random.Random) -> None:
        """Most vouchers are used in store within days, a few cancelled at the desk, some
        forgotten until the expiry job takes them."""
        fate = self.redemptions % 12
        staff = self.staff
        if staff is None:
            return
        if fate > 2:
            when = redemption.created_at + timedelta(days=rng.uniform(0.1, 20))
            if when < redemption.valid_until:
                self.later(when, lambda: fulfil_redemption(redemption, staff))
        elif fate == 0:
            when = redemption.created_at + timedelta(days=rng.uniform(0.5, 6))
            reason = rng.choice(CANCEL_REASONS)
            self.later(when, lambda: cancel_redemption(redemption, staff, reason))

    # -- running it ----------------------------------------------------------------------------

    def run(self) -> None:
        with quiet_services():
            self.timeline.run(self.now)
            self._mail_of_the_past_sent()

    def _mail_of_the_past_sent(self) -> None:
        """The crowd's mail of the past went out when it was written: it is marked sent then,
        rather than thousands of files written to instance/outbox when the seed commits."""
        ids = [m.id for m in self.members.values()]
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.member_id.in_(ids), OutboxMessage.status == "pending")
            .values(status="sent", sent_at=OutboxMessage.created_at, attempts=1),
            execution_options={"synchronize_session": False},
        )


def seed_programme(count: int) -> list[str]:
    """A crowd of `count` members with three years of history (nothing when it is there)."""
    if count <= 0:
        return ["programme: no generated members asked for"]
    now = utcnow()
    people = plan_crowd(count, now, programme_zone())
    if find_member_by_email(people[0].email) is not None:
        return ["programme: the members' history is there already"]
    programme = Programme(Club(people, now))
    programme.schedule()
    programme.run()
    ids = [member.id for member in programme.members.values()]
    purchases = db.session.query(Purchase).filter(Purchase.member_id.in_(ids)).count()
    return [
        f"programme: {len(programme.members)} members, {purchases} purchases over "
        f"{HISTORY_DAYS // 365} years, {programme.redemptions} redemptions"
    ]
