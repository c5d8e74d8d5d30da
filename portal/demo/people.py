"""The club's crowd: a few hundred members of Maison Lumière, made up from a seeded random so
the demo is the same on every machine. Names in Chinese and English, emails at example.com or
example.cn, phones and birthdays for most, and a way of shopping for each (a profile): a few
big spenders, regulars, occasional buyers, some who stopped coming, some who joined lately.

Only the plan is made here (who, when they joined, when they shop); programme.py records it
through the real rules."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from portal.demo.scale import FAMILY, GIVEN, WESTERN

SEED = 20_240_101
HISTORY_DAYS = 3 * 365  # the club opened three years before today

# name, share of the crowd, purchases a year, price bands (weights of small, mid, high, top)
PROFILES: list[tuple[str, float, float, tuple[int, int, int, int]]] = [
    ("champion", 0.05, 7.0, (1, 3, 5, 3)),
    ("loyal", 0.16, 3.0, (1, 4, 5, 0)),
    ("regular", 0.24, 1.6, (4, 5, 1, 0)),
    ("occasional", 0.22, 0.7, (6, 4, 0, 0)),
    ("lapsed", 0.15, 2.0, (3, 5, 2, 0)),
    ("new", 0.13, 2.5, (5, 4, 1, 0)),
    ("browser", 0.05, 0.0, (1, 0, 0, 0)),
]

# sku, item, unit price in yuan
PIECES: list[list[tuple[str, str, int]]] = [
    [  # small
        ("SV-CLN-001", "Jewellery cleaning and polishing", 300),
        ("AC-SLK-021", "Silk jewellery pouch", 380),
        ("AC-SLK-010", "Silk jewellery roll", 680),
        ("SV-WCH-001", "Watch servicing", 1200),
        ("SC-SLK-201", "Silk twill scarf", 1200),
        ("ER-PRL-008", "Pearl stud earrings", 1800),
        ("PD-18K-007", "18K gold pendant", 2600),
        ("RG-18K-112", "18K gold stacking ring", 1900),
    ],
    [  # mid
        ("ER-18K-204", "18K gold stud earrings", 3200),
        ("PD-JAD-019", "Jade and gold pendant", 3600),
        ("ER-PRL-022", "Pearl drop earrings", 4200),
        ("BR-PRL-014", "Pearl and gold bracelet", 5200),
        ("BR-18K-330", "18K rose gold bangle", 6400),
        ("NK-PRL-118", "Akoya pearl strand necklace", 8800),
        ("WT-STL-036", "Steel automatic watch, 36 mm", 9800),
    ],
    [  # high
        ("RG-DIA-051", "Diamond solitaire ring, 0.3 ct", 12800),
        ("WT-GLD-038", "18K gold dress watch, 38 mm", 16500),
        ("RG-DIA-120", "Diamond eternity ring", 18800),
        ("RG-SAP-044", "Sapphire and diamond ring", 22000),
        ("NK-DIA-077", "Diamond tennis necklace", 26800),
    ],
    [  # top
        ("RG-PLT-100", "Platinum diamond ring, 1 ct", 45000),
        ("NK-EMR-003", "Emerald high jewellery necklace", 68000),
        ("WT-PRP-040", "Perpetual calendar watch, 40 mm", 128000),
    ],
]

# home store weights (STORES in purchases.py)
HOME_STORES = [("SH01", 30), ("BJ01", 25), ("SZ01", 15), ("HZ01", 12), ("WEB", 18)]
# purchases a month, relative: Chinese New Year, 520, Qixi, Singles' Day and Christmas sell more
MONTH_WEIGHT = {1: 1.4, 2: 1.3, 3: 0.8, 4: 0.8, 5: 1.2, 6: 0.8, 7: 0.8, 8: 1.2, 9: 0.9, 10: 1.0}
MONTH_WEIGHT |= {11: 1.3, 12: 1.5}


@dataclass
class PlannedPurchase:
    when: datetime
    store: str
    lines: list[tuple[str, str, int, int]]  # sku, item, quantity, unit price in yuan

    @property
    def yuan(self) -> int:
        return sum(quantity * price for _sku, _name, quantity, price in self.lines)


@dataclass
class Person:
    index: int
    profile: str
    name: str
    email: str
    locale: str
    phone: str | None
    birthday: date | None
    joined_at: datetime
    home_store: str
    mood: str  # delighted, content or unhappy: how they answer surveys
    marketing_opt_in: bool
    purchases: list[PlannedPurchase] = field(default_factory=list)
    referrer: int | None = None  # index of the person whose link brought them

    @property
    def rng(self) -> random.Random:
        return random.Random(SEED * 7 + self.index)


def _profiles(count: int) -> list[str]:
    """Each profile's share of `count`, every profile at least once, spread through the list
    so that a small crowd (the tests') has one of each."""
    wanted = {name: max(1, round(share * count)) for name, share, _rate, _bands in PROFILES}
    while sum(wanted.values()) > count:
        largest = max(wanted, key=lambda name: wanted[name])
        wanted[largest] -= 1
    while sum(wanted.values()) < count:
        wanted["occasional"] += 1
    order = [name for name, *_rest in PROFILES]
    result: list[str] = []
    while len(result) < count:
        for name in order:
            if wanted[name] > 0:
                result.append(name)
                wanted[name] -= 1
    return result


def _name(rng: random.Random, locale: str) -> tuple[str, str]:
    """(display name, email local part)."""
    if locale == "en" and rng.random() < 0.5:
        first, last = rng.choice([n for n in WESTERN if n != ("Sophie", "Laurent")])
        return f"{first} {last}", f"{first}.{last}".lower()
    family, family_zh = rng.choice(FAMILY)
    given, given_zh = rng.choice(GIVEN)
    local = f"{given}.{family}".lower()
    if locale == "zh_Hans" and rng.random() < 0.7:
        return family_zh + given_zh, local
    return f"{family} {given}", local


def _purchase_times(
    rng: random.Random,
    start: datetime,
    end: datetime,
    rate: float,
    first_at_join: bool,
    zone: tzinfo,
) -> list[datetime]:
    times = [start + timedelta(minutes=20)] if first_at_join else []
    if rate <= 0:
        return times
    moment = start
    peak = max(MONTH_WEIGHT.values())
    while True:
        moment += timedelta(days=rng.expovariate(rate / 365) * 0.8)
        if moment >= end:
            return times
        if rng.random() < MONTH_WEIGHT.get(moment.month, 1.0) / peak:
            local = moment.astimezone(zone).replace(hour=rng.randint(11, 20))
            shop_time = local.replace(minute=rng.randint(0, 59)).astimezone(moment.tzinfo)
            if start < shop_time < end:
                times.append(shop_time)


def _basket(
    rng: random.Random, bands: tuple[int, int, int, int]
) -> list[tuple[str, str, int, int]]:
    band = rng.choices(range(4), weights=bands)[0]
    sku, name, price = rng.choice(PIECES[band])
    lines = [(sku, name, 2 if band == 0 and rng.random() < 0.15 else 1, price)]
    if rng.random() < 0.2:  # something small with it
        extra = rng.choice(PIECES[0])
        if extra[0] != sku:
            lines.append((extra[0], extra[1], 1, extra[2]))
    return lines


def plan_crowd(count: int, now: datetime, zone: tzinfo) -> list[Person]:
    """The crowd's plan: `count` people, their joining and their purchases until `now`."""
    rng = random.Random(SEED)
    start = now - timedelta(days=HISTORY_DAYS)
    emails: set[str] = set()
    phones: set[str] = {"+86 138 0013 8000"}
    people: list[Person] = []
    rates = {name: (rate, bands) for name, _share, rate, bands in PROFILES}
    for index, profile in enumerate(_profiles(count)):
        locale = "zh_Hans" if rng.random() < 0.62 else "en"
        name, local = _name(rng, locale)
        domain = "example.cn" if locale == "zh_Hans" and rng.random() < 0.6 else "example.com"
        email = ""
        while not email or email in emails:  # with digits: the named accounts have none
            email = f"{local}{rng.randint(10, 99)}@{domain}"
        emails.add(email)
        phone = None
        if rng.random() < 0.85:
            while phone is None or phone in phones:
                phone = f"+86 1{rng.choice('35789')}{rng.randint(0, 9)} {rng.randint(1000, 9999)} "
                phone += f"{rng.randint(1000, 9999)}"
            phones.add(phone)
        birthday = None
        if rng.random() < 0.8:
            birthday = date(rng.randint(1962, 2002), rng.randint(1, 12), rng.randint(1, 28))
        if profile == "new":
            joined = now - timedelta(days=rng.uniform(2, 88))
        else:
            # founding members signed up at the launch in every boutique; more in the first year
            founding = rng.random() < 0.18
            days = rng.uniform(0, 60) if founding else rng.triangular(0, HISTORY_DAYS, 200)
            joined = start + timedelta(days=min(days, 1000))
        if profile == "lapsed":
            end = now - timedelta(days=rng.uniform(190, 560))
            joined = min(joined, end - timedelta(days=rng.uniform(150, 400)))
            joined = max(joined, start + timedelta(days=1))
        else:
            end = now - timedelta(hours=2)
        if index == 0:  # the club's first patron, there from the launch
            joined = start + timedelta(days=10)
        joined = joined.replace(hour=rng.randint(3, 11), minute=rng.randint(0, 59))
        rate, bands = rates[profile]
        home = rng.choices([s for s, _w in HOME_STORES], weights=[w for _s, w in HOME_STORES])[0]
        person = Person(
            index=index,
            profile=profile,
            name=name,
            email=email,
            locale=locale,
            phone=phone,
            birthday=birthday,
            joined_at=joined,
            home_store=home,
            mood=rng.choices(["delighted", "content", "unhappy"], weights=[55, 32, 13])[0],
            marketing_opt_in=rng.random() < 0.55,
        )
        first_at_join = profile != "browser" and rng.random() < 0.65
        for when in _purchase_times(rng, joined, end, rate, first_at_join, zone):
            store = home if rng.random() < 0.75 else rng.choice([s for s, _w in HOME_STORES])
            person.purchases.append(PlannedPurchase(when, store, _basket(rng, bands)))
        if profile == "champion":  # and a high jewellery piece every year, near the anniversary
            anniversary = joined + timedelta(days=300)
            while anniversary < end:
                sku, item, price = rng.choice(PIECES[3])
                person.purchases.append(PlannedPurchase(anniversary, home, [(sku, item, 1, price)]))
                anniversary += timedelta(days=rng.uniform(330, 400))
        if index == 0:  # who keeps Diamond with this year's pieces, whatever the draws
            for days_ago, (sku, item, price) in zip((150, 75, 30), PIECES[3], strict=True):
                when = (now - timedelta(days=days_ago)).replace(hour=7, minute=15)
                person.purchases.append(PlannedPurchase(when, home, [(sku, item, 1, price)]))
        if profile == "browser" and rng.random() < 0.5:
            when = joined + timedelta(days=rng.uniform(5, 60))
            if when < end:
                person.purchases.append(PlannedPurchase(when, home, [PIECES[0][0][:2] + (1, 300)]))
        people.append(person)
    _link_friends(rng, people)
    return people


def _link_friends(rng: random.Random, people: list[Person]) -> None:
    """One in seven came through a friend's link: a regular who joined before them. Most of
    them buy something within weeks (the friend's bonus), some never do."""
    sharers = [p for p in people if p.profile in ("champion", "loyal", "regular")]
    referred: dict[int, int] = {}
    for turn, person in enumerate(sorted(people, key=lambda p: p.joined_at)):
        if turn % 7 != 3 or person.index == 0:
            continue
        earlier = [
            s
            for s in sharers
            if s.joined_at < person.joined_at - timedelta(days=30) and referred.get(s.index, 0) < 3
        ]
        if not earlier:
            continue
        referrer = rng.choice(earlier)
        person.referrer = referrer.index
        referred[referrer.index] = referred.get(referrer.index, 0) + 1
        soon = person.joined_at + timedelta(days=60)
        if rng.random() < 0.75 and not any(p.when < soon for p in person.purchases):
            when = person.joined_at + timedelta(days=rng.uniform(1, 40), hours=1)
            sku, item, price = rng.choice(PIECES[1])
            person.purchases.append(
                PlannedPurchase(when, person.home_store, [(sku, item, 1, price)])
            )
