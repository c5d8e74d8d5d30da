"""Demo referrals: the friends Lin Mei (demo@example.com) brought to the club, in every state a
referral can be in, and a few of Sophie's and Wang Fang's, recorded by the real rules with the
clock moved to when each step happened. The staff report has half a year to show.

- rewarded: four friends over the last months, and Yang Jun after a staff check;
- next month: the eleventh friend of the members' salon this month (10 are paid a month);
- pending: Guo Xin, whose purchase can still be returned;
- joined: Tang Yi (no purchase yet), Ma Lan (a purchase under the minimum), Liu Yang (her
  first purchase was returned);
- held for review: the Xu sisters, who joined from one tablet the same day;
- not eligible: Lin's own second address, an existing member, a friend whose 90 days passed
  without a purchase, and Yang Fei, rejected by staff.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import select

from portal.clock import moved_to, utcnow
from portal.extensions import db
from portal.models import Member, Purchase, Referral, ReferralLinkOpen
from portal.services.members.accounts import create_member, find_member_by_email
from portal.services.members.passwords import hash_password
from portal.services.programme.local_time import local_date, local_day_start
from portal.services.purchases.recording import record_purchase, record_return
from portal.services.referrals.attribution import Visitor, attach_code_at_desk, attribute_friend
from portal.services.referrals.bonuses import (
    close_lapsed_referrals,
    month_start,
    release_due_bonuses,
)
from portal.services.referrals.review import approve_referral, reject_referral

FRIEND_PASSWORD = "demo-friend-password"
SALON_GUESTS = [
    ("Zhao Xin", "zh_Hans"), ("Qian Yue", "zh_Hans"), ("Sun Qiang", "zh_Hans"),
    ("Li Wen", "zh_Hans"), ("Zhou Ting", "zh_Hans"), ("Wu Di", "en"), ("Zheng Hao", "zh_Hans"),
    ("Feng Lu", "zh_Hans"), ("Chen Xi", "en"), ("Chu Yan", "zh_Hans"), ("Wei Na", "zh_Hans"),
]  # fmt: skip


class Story:
    """Steps at moments in the past, run in the order they happened."""

    def __init__(self) -> None:
        self.steps: list[tuple[datetime, int, Callable[[], object]]] = []
        self.members: dict[str, Member] = {}
        self.receipts = 3000
        # The friends share a password, hashed once (argon2 takes a quarter second on purpose).
        self.password_hash = hash_password(FRIEND_PASSWORD)

    def at(self, when: datetime, step: Callable[[], object]) -> None:
        self.steps.append((when, len(self.steps), step))

    def run(self) -> None:
        for when, _order, step in sorted(self.steps, key=lambda s: (s[0], s[1])):
            with moved_to(when):
                step()
                db.session.flush()

    def join(
        self, key, name, when, referrer, *, locale="zh_Hans", email=None, device=None, ip=None
    ):
        def step():
            friend = create_member(
                name=name,
                email=email or f"{key}@example.com",
                password_hash=self.password_hash,
                locale=locale,
                verified=True,
                referred_by=self.members[referrer],
            )
            self.members[key] = friend
            attribute_friend(
                friend,
                self.members[referrer],
                channel="link",
                visitor=Visitor(ip=ip, device=device or f"demo-device-{key}"),
            )
            self.open_link(referrer, device or f"demo-device-{key}")

        self.at(when, step)

    def open_link(self, referrer: str, device: str) -> None:
        day = local_date(utcnow())
        if db.session.scalar(
            select(ReferralLinkOpen.id).where(
                ReferralLinkOpen.referrer_id == self.members[referrer].id,
                ReferralLinkOpen.device == device,
                ReferralLinkOpen.opened_on == day,
            )
        ):
            return  # one browser counts once a day
        db.session.add(
            ReferralLinkOpen(
                referrer_id=self.members[referrer].id,
                device=device,
                opened_on=day,
                opened_at=utcnow(),
            )
        )

    def buy(self, key, when, yuan, item, store="SH01", *, release=True, returned_at=None):
        self.receipts += 1
        number = self.receipts
        store_names = {"SH01": "Shanghai IFC", "BJ01": "Beijing SKP", "WEB": "Online shop"}

        def step():
            record_purchase(
                self.members[key],
                receipt_no=f"{store}-{local_date(when).year}-{number:06d}",
                amount=yuan * 100,
                currency="CNY",
                purchased_at=when - timedelta(minutes=3),
                store=store_names[store],
                items=[{"name": item, "quantity": 1, "unit_price": yuan * 100}],
                channel="api" if store == "WEB" else "staff",
            )

        self.at(when, step)
        if returned_at is not None:

            def give_back():
                purchase = db.session.scalars(
                    select(Purchase).where(Purchase.member_id == self.members[key].id)
                ).one()
                record_return(purchase, amount=yuan * 100, reason="Changed her mind")

            self.at(returned_at, give_back)
        if release:
            self.at(when + timedelta(days=30, hours=1), release_due_bonuses)


def seed_referrals() -> list[str]:
    lin = find_member_by_email("demo@example.com")
    staff = find_member_by_email("staff@example.com")
    if lin is None or staff is None:
        return ["referrals: no demo member"]
    if db.session.scalar(select(Referral.id).where(Referral.referrer_id == lin.id).limit(1)):
        return ["referrals: already there"]
    now = utcnow()
    this_month = local_day_start(month_start(local_date(now)))
    story = Story()
    story.members["lin"] = lin
    story.members["sophie"] = find_member_by_email("sophie.laurent@example.com") or lin
    story.members["wang"] = find_member_by_email("wang.fang@example.com") or lin
    day = timedelta(days=1)

    # Rewarded in the months before this one (the report's history).
    story.join("zhou.min", "Zhou Min", this_month - 160 * day, "lin")
    story.buy("zhou.min", this_month - 150 * day, 3200, "18K gold stud earrings")
    story.join("chen.yu", "Chen Yu", this_month - 125 * day, "lin", locale="en")
    story.buy("chen.yu", this_month - 120 * day, 1800, "Silk twill scarf", "WEB")
    story.join("hu.jing", "Hu Jing", this_month - 95 * day, "lin")
    story.buy("hu.jing", this_month - 85 * day, 6400, "18K rose gold bangle", "BJ01")
    story.join("sun.lei", "Sun Lei", this_month - 60 * day, "lin")
    story.buy("sun.lei", this_month - 50 * day, 900, "Jewellery cleaning and polishing")
    story.join("olivia.chen", "Olivia Chen", this_month - 70 * day, "sophie", locale="en")
    story.buy("olivia.chen", this_month - 65 * day, 2600, "18K gold pendant")

    # Two friends from one address on one day: staff approve one, reject the other.
    story.join("yang.jun", "Yang Jun", this_month - 55 * day, "lin", ip="203.0.113.24")
    story.join(
        "yang.fei", "Yang Fei", this_month - 55 * day + timedelta(hours=2), "lin",
        ip="203.0.113.24",
    )  # fmt: skip

    def review():
        held = {r.friend_id: r for r in db.session.scalars(select(Referral))}
        approve_referral(
            held[story.members["yang.jun"].id],
            staff=staff,
            note="Brothers on the same home network; called Yang Jun, he is a new customer.",
        )
        reject_referral(
            held[story.members["yang.fei"].id],
            staff=staff,
            note="Same phone as Yang Jun on the call: one person, two accounts.",
        )

    story.at(this_month - 54 * day, review)
    story.buy("yang.jun", this_month - 45 * day, 700, "Pearl drop earrings")

    # Not eligible: Lin's own second address, an existing member, a window that passed.
    story.join(
        "lin.second", "Mei Lin", this_month - 75 * day, "lin", email="demo+friends@example.com"
    )
    story.join("deng.hao", "Deng Hao", this_month - 130 * day, "lin")
    story.at(this_month - 39 * day, close_lapsed_referrals)

    def existing_member():
        story.members["wu.qing"] = create_member(
            name="Wu Qing",
            email="wu.qing@example.com",
            password_hash=story.password_hash,
            verified=True,
        )

    story.at(this_month - 200 * day, existing_member)
    story.at(
        this_month - 30 * day,
        lambda: attach_code_at_desk(story.members["wu.qing"], lin.referral_code, staff=staff),
    )

    # This month's members' salon: eleven friends; ten are rewarded this month, one waits.
    release_at = this_month + (now - this_month) / 2
    bought_at = release_at - 30 * day - timedelta(hours=1)
    for n, (name, locale) in enumerate(SALON_GUESTS):
        key = f"salon.{n}"
        story.join(key, name, bought_at - timedelta(hours=3, minutes=n), "lin", locale=locale)
        when = bought_at + timedelta(minutes=n)
        story.buy(key, when, 1200 + 100 * n, "Pearl stud earrings", release=False)
    story.at(release_at, release_due_bonuses)

    # Now: pending, waiting, returned, held.
    story.join("guo.xin", "Guo Xin", now - 20 * day, "lin")
    story.buy("guo.xin", now - 12 * day, 2600, "Jade and gold pendant", release=False)
    story.join("li.na", "李娜", now - 15 * day, "wang")
    story.buy("li.na", now - 10 * day, 1500, "Watch servicing", "BJ01", release=False)
    story.join("tang.yi", "Tang Yi", now - 9 * day, "lin", locale="en")
    story.join("ma.lan", "Ma Lan", now - 40 * day, "lin")
    story.buy("ma.lan", now - 35 * day, 380, "Silk jewellery pouch", "WEB", release=False)
    story.join("liu.yang", "Liu Yang", now - 30 * day, "lin")
    story.buy(
        "liu.yang", now - 25 * day, 1200, "Silk twill scarf", release=False,
        returned_at=now - 18 * day,
    )  # fmt: skip
    story.join("xu.hui", "Xu Hui", now - 5 * day, "lin", device="demo-device-xu-family-tablet")
    story.join(
        "xu.ping", "Xu Ping", now - 5 * day + timedelta(hours=3), "lin",
        device="demo-device-xu-family-tablet",
    )  # fmt: skip

    # Links opened by people who did not join (yet), a few a month.
    for months_back in range(6):
        for n in range(3 + months_back % 2):
            when = this_month - timedelta(days=30 * months_back - 3 - 5 * n)
            if when < now:
                story.at(when, partial(story.open_link, "lin", f"demo-browser-{months_back}-{n}"))

    story.run()
    return [f"referrals: {db.session.query(Referral).count()} recorded"]
