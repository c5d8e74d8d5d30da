"""Synthetic members and purchases at scale (`flask --app wsgi seed-scale`), to measure the
portal with a large programme: realistic names, unique emails, Luhn-valid card numbers, unique
referral codes, two years of purchases with their earn entries in the ledger, balances equal
to the ledger and tiers that follow the rolling 12-month spend.

Rows are written with bulk inserts in chunks (COPY on PostgreSQL, executemany elsewhere), in
one transaction, never through the ORM one row at a time. Synthetic members share one password
hash, computed once: they are not real accounts. Run it on a database nobody else writes to
while it runs (it numbers the new rows itself).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, func, select, text

from portal.clock import utcnow
from portal.extensions import db
from portal.models import KpiSummaryMark, LedgerEntry, Member, Purchase, PurchaseItem
from portal.services.members.cards import CARD_PREFIX, REFERRAL_ALPHABET, luhn_check_digit
from portal.services.members.passwords import hash_password
from portal.services.points.tiers import all_tiers
from portal.services.programme.default_tiers import ensure_default_tiers
from portal.services.programme.local_time import add_local_months, programme_zone
from portal.services.programme.settings import programme_settings

CHUNK = 10_000
MEMBERS_PER_BATCH = 5_000
SYNTHETIC_PASSWORD = "synthetic-member-not-a-real-account"  # noqa: S105 - never used to sign in

FAMILY = [
    ("Wang", "王"), ("Li", "李"), ("Zhang", "张"), ("Liu", "刘"), ("Chen", "陈"), ("Yang", "杨"),
    ("Huang", "黄"), ("Zhao", "赵"), ("Wu", "吴"), ("Zhou", "周"), ("Xu", "徐"), ("Sun", "孙"),
    ("Ma", "马"), ("Zhu", "朱"), ("Hu", "胡"), ("Guo", "郭"), ("He", "何"), ("Lin", "林"),
    ("Gao", "高"), ("Luo", "罗"), ("Song", "宋"), ("Tang", "唐"), ("Han", "韩"), ("Feng", "冯"),
]  # fmt: skip
GIVEN = [
    ("Mei", "美"), ("Wei", "伟"), ("Fang", "芳"), ("Na", "娜"), ("Jing", "静"), ("Min", "敏"),
    ("Li", "丽"), ("Qiang", "强"), ("Lei", "磊"), ("Yan", "艳"), ("Jie", "杰"), ("Xin", "欣"),
    ("Ting", "婷"), ("Hao", "浩"), ("Yu", "宇"), ("Xiaoling", "晓玲"), ("Jiayi", "佳怡"),
    ("Zihan", "子涵"), ("Yutong", "雨彤"), ("Haoran", "浩然"), ("Shu", "淑"), ("Lan", "兰"),
]  # fmt: skip
WESTERN = [
    ("Sophie", "Laurent"), ("Emma", "Martin"), ("Olivia", "Bernard"), ("James", "Wilson"),
    ("Charlotte", "Dubois"), ("Lucas", "Moreau"), ("Amelia", "Clarke"), ("Noah", "Fischer"),
    ("Isabella", "Rossi"), ("Hannah", "Keller"), ("Grace", "Tan"), ("Daniel", "Ng"),
]  # fmt: skip
STORES = [
    "Shanghai IFC", "Shanghai Plaza 66", "Beijing SKP", "Beijing China World",
    "Chengdu Taikoo Li", "Shenzhen MixC", "Hangzhou Tower", "Guangzhou Taikoo Hui",
    "Nanjing Deji Plaza", "Wuhan International Plaza", "Xi'an SKP", "Online shop",
]  # fmt: skip
PIECES = [
    ("RG", "18K gold ring"), ("ER", "Diamond stud earrings"), ("NK", "Akoya pearl necklace"),
    ("BR", "Rose gold bracelet"), ("PD", "Jade pendant"), ("WT", "Automatic watch"),
    ("WS", "Leather watch strap"), ("BG", "Gold bangle"), ("CH", "Platinum chain"),
    ("BC", "Sapphire brooch"), ("CF", "Silver cufflinks"), ("EN", "Engagement ring"),
]  # fmt: skip


@dataclass(frozen=True)
class _TierRow:
    code: str
    name: str
    qualifying_spend: int
    multiplier_percent: int


@dataclass
class ScaleSummary:
    members: int
    purchases: int
    ledger_entries: int
    tiers: dict[str, int]


def _bulk_insert(
    connection: Connection, table: Table, columns: list[str], rows: list[tuple[Any, ...]]
) -> None:
    """Insert `rows` (tuples in the order of `columns`) in chunks: COPY on PostgreSQL,
    executemany through a Core insert() elsewhere."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        assert driver is not None  # the connection is open: the transaction runs on it
        cursor = driver.cursor()
        copy_from = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        with cursor.copy(copy_from) as copy:
            for row in rows:
                copy.write_row(row)
        return
    # The driver's executemany with the columns' own conversions applied once per value (the
    # ORM's per-row parameter handling costs more than SQLite's work here).
    dialect = connection.dialect
    convert = [table.c[name].type._cached_bind_processor(dialect) for name in columns]
    marks = ", ".join("?" for _ in columns)
    statement = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
    for start in range(0, len(rows), CHUNK):
        chunk = [
            tuple(c(v) if c is not None else v for c, v in zip(convert, row, strict=True))
            for row in rows[start : start + CHUNK]
        ]
        connection.exec_driver_sql(statement, chunk)


def _next_id(
    connection: Connection, model: type[Member | Purchase | PurchaseItem | LedgerEntry]
) -> int:
    return (connection.scalar(select(func.max(model.id))) or 0) + 1


def _reset_sequences(connection: Connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    for table in ("members", "purchases", "purchase_items", "ledger_entries"):
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608
                f" (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        )


def _refresh_statistics() -> None:
    """Planner statistics for the new rows; on PostgreSQL also VACUUM, so that the first page
    views do not pay for setting hint bits and the visibility map of millions of fresh rows."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in ("members", "purchases", "purchase_items", "ledger_entries"):
                connection.execute(text(f"VACUUM ANALYZE {table}"))
        return
    with db.engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def _tier_index(tiers: list[_TierRow], spend: int) -> int:
    """The position in `tiers` (lowest first) of the highest tier `spend` reaches."""
    reached = 0
    for index, tier in enumerate(tiers):
        if spend >= tier.qualifying_spend:
            reached = index
    return reached


def _purchase_counts(rng: random.Random, members: int, purchases: int) -> list[int]:
    """Split `purchases` among members the way spending is: most buy a little, a few a lot."""
    weights = [min(40.0, rng.paretovariate(1.6)) for _ in range(members)]
    total = sum(weights)
    counts = [int(w * purchases / total) for w in weights]
    short = purchases - sum(counts)
    for i in rng.sample(range(members), k=min(short, members)) if short > 0 else []:
        counts[i] += 1
    short = purchases - sum(counts)  # more left than members (tiny N): round-robin
    for i in range(short):
        counts[i % members] += 1
    return counts


class _Identities:
    """Unique card numbers and referral codes, also against the ones already stored."""

    def __init__(self, connection: Connection, rng: random.Random):
        self.rng = rng
        self.cards = set(connection.scalars(select(Member.card_number)))
        self.codes = set(connection.scalars(select(Member.referral_code)))

    def card_number(self) -> str:
        while True:
            body = CARD_PREFIX + f"{self.rng.randrange(10**9):09d}"
            number = body + luhn_check_digit(body)
            if number not in self.cards:
                self.cards.add(number)
                return number

    def referral_code(self) -> str:
        while True:
            code = "".join(self.rng.choices(REFERRAL_ALPHABET, k=8))
            if code not in self.codes:
                self.codes.add(code)
                return code


def seed_scale(
    members: int,
    purchases: int,
    *,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ScaleSummary:
    """Add `members` synthetic members sharing `purchases` purchases over the last two years."""
    ensure_default_tiers()
    db.session.commit()
    rng = random.Random(seed)
    settings = programme_settings()
    tiers = [
        _TierRow(t.code, t.name, t.qualifying_spend, t.multiplier_percent) for t in all_tiers()
    ]
    zone = programme_zone()
    db.session.commit()  # the bulk load below runs on a connection of its own
    now = utcnow()
    password_hash = hash_password(SYNTHETIC_PASSWORD)
    counts = _purchase_counts(rng, members, purchases) if members else []
    tag = f"{rng.randrange(36**4):04x}"
    tier_totals = {t.code: 0 for t in tiers}
    written = 0

    with db.engine.begin() as connection:
        identities = _Identities(connection, rng)
        member_id = _next_id(connection, Member)
        purchase_id = _next_id(connection, Purchase)
        item_id = _next_id(connection, PurchaseItem)
        entry_id = _next_id(connection, LedgerEntry)
        for batch_start in range(0, members, MEMBERS_PER_BATCH):
            member_rows, purchase_rows, item_rows, entry_rows = [], [], [], []
            for n in range(batch_start, min(members, batch_start + MEMBERS_PER_BATCH)):
                person = _person(rng, n, tag)
                history = _history(rng, counts[n], now)
                first_seen = (history[0][0] if history else now) - timedelta(
                    days=rng.randint(1, 400)
                )
                balance, rank, reached_at = 0, 0, first_seen  # the lowest tier from the start
                window: deque[tuple[datetime, int]] = deque()
                spend = 0
                for purchased_at, amount in history:
                    # Upgrades happen with the purchase that crosses a threshold.
                    since = add_local_months(purchased_at, -settings.tier_window_months)
                    while window and window[0][0] <= since:
                        spend -= window.popleft()[1]
                    window.append((purchased_at, amount))
                    spend += amount
                    reached = _tier_index(tiers, spend)
                    tier = tiers[rank]
                    units = amount // 100 * settings.points_per_unit
                    local = purchased_at.astimezone(zone)
                    birthday = person["birthday"].month == local.month
                    points = units * tier.multiplier_percent // 100
                    if birthday:
                        points *= settings.birthday_multiplier
                    balance += points
                    store = rng.choice(STORES)
                    sku, piece = rng.choice(PIECES)
                    purchase_rows.append(
                        (
                            purchase_id, member_id, f"SC{tag}-{purchase_id:09d}", store, "api",
                            amount, settings.currency, purchased_at, 0, points, 0, purchased_at,
                        )
                    )  # fmt: skip
                    item_rows.append(
                        (item_id, purchase_id, f"{sku}-{rng.randrange(1000):03d}", piece, 1, amount)
                    )
                    how = f"{units:,} × {tier.multiplier_percent / 100:g} {tier.name}"
                    entry_rows.append(
                        (
                            entry_id, member_id, "earn", points, balance, points,
                            add_local_months(purchased_at, settings.points_expiry_months),
                            f"Purchase at {store}: {how}" + (", birthday ×2" if birthday else ""),
                            purchased_at, purchase_id,
                        )
                    )  # fmt: skip
                    purchase_id, item_id, entry_id = purchase_id + 1, item_id + 1, entry_id + 1
                    if reached > rank:
                        rank, reached_at = reached, purchased_at
                # The yearly evaluation: a tier kept 12 months, then one level down at most.
                spend_now = sum(
                    a for t, a in window if t > add_local_months(now, -settings.tier_window_months)
                )
                qualifies = _tier_index(tiers, spend_now)
                if (
                    rank > qualifies
                    and add_local_months(reached_at, settings.tier_keep_months) <= now
                ):
                    rank, reached_at = max(qualifies, rank - 1), now
                kept_until = (
                    add_local_months(reached_at, settings.tier_keep_months) if rank else None
                )
                tier_totals[tiers[rank].code] += 1
                member_rows.append(
                    (
                        member_id, person["email"], person["name"], password_hash, None,
                        person["birthday"], "member", identities.card_number(),
                        identities.referral_code(), person["locale"], rng.random() < 0.4,
                        first_seen, first_seen, first_seen, first_seen, balance,
                        tiers[rank].code, reached_at if rank else None, kept_until,
                        person["name"].lower(),
                    )
                )  # fmt: skip
                member_id += 1
            _bulk_insert(connection, Member.__table__, MEMBER_COLUMNS, member_rows)
            _bulk_insert(connection, Purchase.__table__, PURCHASE_COLUMNS, purchase_rows)
            _bulk_insert(connection, PurchaseItem.__table__, ITEM_COLUMNS, item_rows)
            _bulk_insert(connection, LedgerEntry.__table__, ENTRY_COLUMNS, entry_rows)
            written += len(entry_rows)
            if progress:
                progress(len(member_rows))
        _reset_sequences(connection)
        # The rows are dated in the past, which the KPI summaries rule out for the ledger and
        # purchases written as they happen: the next run of the jobs sums everything again.
        connection.execute(KpiSummaryMark.__table__.delete())
    _refresh_statistics()
    return ScaleSummary(
        members=members, purchases=purchases, ledger_entries=written, tiers=tier_totals
    )


MEMBER_COLUMNS = [
    "id", "email", "name", "password_hash", "phone", "birthday", "role", "card_number",
    "referral_code", "locale", "marketing_opt_in", "terms_accepted_at", "email_verified_at",
    "password_changed_at", "created_at", "points_balance", "tier_code", "tier_reached_at",
    "tier_kept_until", "search_name",
]  # fmt: skip
PURCHASE_COLUMNS = [
    "id", "member_id", "receipt_no", "store", "channel", "amount", "currency", "purchased_at",
    "returned_amount", "points_awarded", "points_reversed", "created_at",
]  # fmt: skip
ITEM_COLUMNS = ["id", "purchase_id", "sku", "name", "quantity", "unit_price"]
ENTRY_COLUMNS = [
    "id", "member_id", "kind", "points", "balance_after", "remaining", "expires_at", "reason",
    "created_at", "purchase_id",
]  # fmt: skip


def _person(rng: random.Random, n: int, tag: str) -> dict[str, Any]:
    locale: str | None
    if rng.random() < 0.15:
        given, family = rng.choice(WESTERN)
        name, locale = f"{given} {family}", "en"
    else:
        (family, family_zh), (given, given_zh) = rng.choice(FAMILY), rng.choice(GIVEN)
        chinese = rng.random() < 0.5
        name = family_zh + given_zh if chinese else f"{family} {given}"
        locale = "zh_Hans" if chinese else None
    email = f"{given}.{family}.{tag}{n}@members.example".lower()
    birthday = date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28))
    return {"name": name, "email": email, "locale": locale, "birthday": birthday}


def _history(rng: random.Random, count: int, now: datetime) -> list[tuple[datetime, int]]:
    """`count` purchases (time, amount in fen) over the last 23 months, oldest first, so that
    none of their points is due to expire yet. Jewellery prices: mostly a few thousand yuan,
    now and then a watch or a diamond."""
    span = int(timedelta(days=700).total_seconds())
    level = rng.lognormvariate(0, 0.6)  # some members buy dearer pieces than others
    purchases = []
    for _ in range(count):
        moment = now - timedelta(seconds=rng.randrange(60, span))
        units = int(min(200_000, max(99, rng.lognormvariate(7.6, 1.0) * level)))
        cents = rng.choice((0, 0, 0, 50, 90))
        purchases.append((moment.astimezone(UTC), units * 100 + cents))
    purchases.sort()
    return purchases
