"""The programme's tiers as designed; the initial migration writes the same rows."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import Tier

DEFAULT_TIERS = [
    {
        "code": "member",
        "rank": 0,
        "name": "Member",
        "name_zh": "会员",
        "qualifying_spend": 0,
        "multiplier_percent": 100,
        "benefits": "1 point for every ¥1 spent\nDouble points in your birthday month\n"
        "Free gift wrapping\nFree cleaning of your jewellery, any time",
        "benefits_zh": "每消费 1 元积 1 分\n生日当月双倍积分\n免费礼品包装\n珠宝免费清洗，随时可约",
    },
    {
        "code": "silver",
        "rank": 1,
        "name": "Silver",
        "name_zh": "银卡",
        "qualifying_spend": 1_000_000,
        "multiplier_percent": 125,
        "benefits": "1.25 points for every ¥1 spent\nA birthday-month discount\n"
        "Free alterations and ring resizing\nInvitations to trend shows",
        "benefits_zh": "每消费 1 元积 1.25 分\n生日当月专享折扣\n免费改款与戒圈调整\n受邀参加潮流发布会",
    },
    {
        "code": "gold",
        "rank": 2,
        "name": "Gold",
        "name_zh": "金卡",
        "qualifying_spend": 5_000_000,
        "multiplier_percent": 150,
        "benefits": "1.5 points for every ¥1 spent\nFree watch servicing once a year\n"
        "Free delivery to your door\nMembers' salons and new-collection launches\n"
        "An anniversary gift",
        "benefits_zh": "每消费 1 元积 1.5 分\n每年一次免费腕表保养\n免费送货上门\n会员沙龙与新品发布会\n入会周年礼",
    },
    {
        "code": "diamond",
        "rank": 3,
        "name": "Diamond",
        "name_zh": "钻石卡",
        "qualifying_spend": 15_000_000,
        "multiplier_percent": 200,
        "benefits": "2 points for every ¥1 spent\nA personal adviser who remembers your dates\n"
        "Home-visit appointments\nMembers-only pieces before anyone else\n"
        "Early entry to the annual members' shopping day",
        "benefits_zh": "每消费 1 元积 2 分\n专属顾问，记得您的重要日子\n上门鉴赏预约\n会员专属款式优先选购\n年度会员购物日提前入场",
    },
]


def ensure_default_tiers() -> None:
    """Insert the designed tiers that are missing (a fresh test database, a new programme)."""
    existing = set(db.session.scalars(select(Tier.code)))
    for row in DEFAULT_TIERS:
        if row["code"] not in existing:
            db.session.add(Tier(**row))
    db.session.flush()
