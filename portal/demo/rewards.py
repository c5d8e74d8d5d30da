"""The demo catalogue: what Maison Lumière's members can spend their points on, and the demo
member's first vouchers. The illustrations are the project's own (portal/static/img/rewards)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Member, Redemption, Reward
from portal.services.members.accounts import find_member_by_email
from portal.services.points.ledger import credit_points
from portal.services.rewards.redemption import redeem
from portal.services.rewards.vouchers import fulfil_redemption

DEMO_REWARDS: list[dict[str, Any]] = [
    {
        "name": "Jewellery cleaning & polishing",
        "name_zh": "珠宝清洁与抛光",
        "description": "Our artisans clean, polish and check the settings of up to three pieces "
        "while you wait, usually within 30 minutes.",
        "description_zh": "工匠为您现场清洁、抛光并检查最多三件珠宝的镶嵌，通常 30 分钟内完成。",
        "terms": "Any Maison Lumière boutique. Pieces bought elsewhere are welcome.",
        "terms_zh": "适用于所有 Maison Lumière 门店，亦欢迎非本店购买的珠宝。",
        "category": "jewellery_care",
        "reward_type": "in_store",
        "points_cost": 300,
        "per_member_limit": 6,
        "image": "jewellery-cleaning.svg",
        "popularity": 412,
    },
    {
        "name": "Watch check & service",
        "name_zh": "腕表检测与保养",
        "description": "Water-resistance test, timing check and a demagnetisation by our "
        "watchmaker, with a written report.",
        "description_zh": "由制表师进行防水测试、走时检测与消磁，并提供书面报告。",
        "terms": "Mechanical and quartz watches. A full movement overhaul is quoted separately.",
        "terms_zh": "适用于机械表与石英表。机芯全面大修另行报价。",
        "category": "watch_service",
        "reward_type": "in_store",
        "points_cost": 1200,
        "per_member_limit": 2,
        "image": "watch-service.svg",
        "popularity": 188,
    },
    {
        "name": "Personal engraving",
        "name_zh": "个性化刻字",
        "description": "Initials, a date or a short message engraved by hand on a ring, "
        "bracelet or case back.",
        "description_zh": "在戒指、手镯或表背上手工镌刻姓名缩写、日期或简短寄语。",
        "terms": "Up to 20 characters, Latin or Chinese. Ready in five working days.",
        "terms_zh": "最多 20 个字符，中英文均可。五个工作日内完成。",
        "category": "jewellery_care",
        "reward_type": "in_store",
        "points_cost": 600,
        "image": "engraving.svg",
        "popularity": 143,
    },
    {
        "name": "Ring resizing",
        "name_zh": "戒指改圈",
        "description": "Resizing by up to two sizes for a ring bought at Maison Lumière.",
        "description_zh": "为在 Maison Lumière 购买的戒指调整最多两个尺码。",
        "terms": "Eternity and tension-set rings excepted. Ready in seven working days.",
        "terms_zh": "全钻圈及张力镶戒指除外。七个工作日内完成。",
        "category": "jewellery_care",
        "reward_type": "in_store",
        "points_cost": 800,
        "image": "ring-resizing.svg",
        "popularity": 96,
    },
    {
        "name": "Signature gift wrapping",
        "name_zh": "品牌礼品包装",
        "description": "Our green box, gold ribbon and a handwritten card for a gift you "
        "bought with us.",
        "description_zh": "为您在本店购买的礼物配上品牌绿色礼盒、金色缎带与手写贺卡。",
        "terms": "",
        "category": "gifts",
        "reward_type": "in_store",
        "points_cost": 150,
        "image": "gift-wrapping.svg",
        "popularity": 530,
    },
    {
        "name": "A seat at the Members' Salon",
        "name_zh": "会员沙龙席位",
        "description": "An evening with our gemmologist on coloured stones: how they are "
        "chosen, cut and set, with champagne.",
        "description_zh": "与宝石学家共度一晚，了解彩色宝石的甄选、切割与镶嵌，并备有香槟。",
        "terms": "One seat per member. The date is on the voucher's confirmation call.",
        "terms_zh": "每位会员限一席。具体日期将由专人致电确认。",
        "category": "events",
        "reward_type": "event_entry",
        "points_cost": 1500,
        "stock": 12,
        "per_member_limit": 1,
        "min_tier": "silver",
        "image": "salon-seat.svg",
        "popularity": 61,
    },
    {
        "name": "Afternoon tea for two at the flagship",
        "name_zh": "旗舰店双人下午茶",
        "description": "Tea and pâtisserie for two in the first-floor lounge of our "
        "Huaihai Road flagship.",
        "description_zh": "在淮海路旗舰店二楼会员休息室享用双人茶点。",
        "terms": "Booking needed at least two days ahead. Weekdays 14:00–17:00.",
        "terms_zh": "请至少提前两天预约。工作日 14:00–17:00。",
        "category": "experiences",
        "reward_type": "in_store",
        "points_cost": 2500,
        "stock": 20,
        "per_member_limit": 2,
        "min_tier": "gold",
        "image": "afternoon-tea.svg",
        "popularity": 74,
    },
    {
        "name": "¥500 boutique voucher",
        "name_zh": "500 元门店礼券",
        "description": "¥500 off a purchase of ¥3,000 or more in any boutique.",
        "description_zh": "在任意门店单笔消费满 3,000 元可抵扣 500 元。",
        "terms": "One voucher per purchase. Not valid on gold bullion or gift cards.",
        "terms_zh": "每笔消费限用一张。不适用于金条及礼品卡。",
        "category": "vouchers",
        "reward_type": "discount_voucher",
        "points_cost": 5000,
        "per_member_limit": 2,
        "voucher_valid_days": 90,
        "image": "boutique-voucher.svg",
        "popularity": 255,
    },
    {
        "name": "Silk jewellery pouch",
        "name_zh": "真丝首饰袋",
        "description": "A mulberry-silk travel pouch in plum, lined and embroidered with our "
        "monogram.",
        "description_zh": "梅紫色桑蚕丝旅行首饰袋，内衬柔软，绣有品牌标志。",
        "terms": "",
        "category": "gifts",
        "reward_type": "in_store",
        "points_cost": 900,
        "stock": 40,
        "image": "silk-pouch.svg",
        "popularity": 120,
    },
    {
        "name": "Birthday gift: rose-gold heart charm",
        "name_zh": "生日礼：玫瑰金心形吊饰",
        "description": "A small rose-gold heart charm for your bracelet, for your birthday month.",
        "description_zh": "一枚可挂于手链的玫瑰金心形小吊饰，献给生日月的您。",
        "terms": "Once a year, collected in your birthday month.",
        "terms_zh": "每年一次，请于生日当月领取。",
        "category": "gifts",
        "reward_type": "in_store",
        "points_cost": 1000,
        "stock": 60,
        "per_member_limit": 1,
        "image": "birthday-gift.svg",
        "popularity": 88,
    },
    {
        "name": "Home-visit appointment",
        "name_zh": "上门预约服务",
        "description": "A consultant brings a selection chosen for you to your home or office "
        "in Shanghai.",
        "description_zh": "顾问携为您精选的珠宝腕表，上门至您在上海的家中或办公室。",
        "terms": "Within Shanghai's outer ring road. Booked by phone after redeeming.",
        "terms_zh": "限上海外环以内。兑换后由专人致电预约。",
        "category": "experiences",
        "reward_type": "in_store",
        "points_cost": 3000,
        "stock": 10,
        "min_tier": "gold",
        "image": "home-visit.svg",
        "popularity": 23,
    },
    {
        "name": "Private viewing of the high jewellery collection",
        "name_zh": "高级珠宝私人鉴赏",
        "description": "An hour alone with the high jewellery collection in the salon privé, "
        "with our head of gemmology.",
        "description_zh": "在私人沙龙与首席宝石学家一同鉴赏高级珠宝系列，时长一小时。",
        "terms": "Diamond members. Up to two guests.",
        "terms_zh": "仅限钻石会员，可携两位宾客。",
        "category": "events",
        "reward_type": "event_entry",
        "points_cost": 8000,
        "stock": 6,
        "per_member_limit": 1,
        "min_tier": "diamond",
        "image": "private-viewing.svg",
        "popularity": 9,
    },
    {
        "name": "Leather watch strap replacement",
        "name_zh": "腕表皮表带更换",
        "description": "A new alligator or calfskin strap fitted to your watch, in the colour "
        "of your choice.",
        "description_zh": "为您的腕表更换鳄鱼皮或小牛皮表带，颜色任选。",
        "terms": "Straps up to 22 mm.",
        "terms_zh": "适用于 22 毫米以内的表带。",
        "category": "watch_service",
        "reward_type": "in_store",
        "points_cost": 1800,
        "stock": 3,
        "min_tier": "silver",
        "image": "watch-strap.svg",
        "popularity": 40,
    },
    {
        "name": "Pearl necklace restringing",
        "name_zh": "珍珠项链重新穿线",
        "description": "Restrung on silk with a knot between every pearl, and the clasp checked.",
        "description_zh": "以真丝线重新穿制，每颗珍珠之间打结，并检查扣头。",
        "terms": "Necklaces up to 60 cm. Ready in ten working days.",
        "terms_zh": "适用于 60 厘米以内的项链。十个工作日内完成。",
        "category": "jewellery_care",
        "reward_type": "in_store",
        "points_cost": 1500,
        "image": "pearl-restringing.svg",
        "popularity": 35,
    },
    {
        "name": "Autumn collection launch evening",
        "name_zh": "秋季新品发布之夜",
        "description": "Be the first to see the autumn collection, at the flagship, with music "
        "and canapés.",
        "description_zh": "在旗舰店率先欣赏秋季新品，伴有音乐与小食。",
        "terms": "One invitation per member.",
        "terms_zh": "每位会员限一份邀请。",
        "category": "events",
        "reward_type": "event_entry",
        "points_cost": 500,
        "stock": 80,
        "per_member_limit": 1,
        "image": "launch-evening.svg",
        "popularity": 0,
        "opens_in_days": 45,
    },
]

# The demo member's vouchers: (reward name, idempotency key, fulfilled?).
DEMO_VOUCHERS = [
    ("Jewellery cleaning & polishing", "demo-voucher-cleaning", True),
    ("Signature gift wrapping", "demo-voucher-wrapping", False),
]


def seed_rewards() -> list[str]:
    created = 0
    now = utcnow()
    for index, values in enumerate(DEMO_REWARDS):
        if db.session.scalar(select(Reward.id).where(Reward.name == values["name"])):
            continue
        values = dict(values)
        # How often it is chosen by the generated members (programme.py), whose redemptions
        # then make the count: it starts from none.
        values.pop("popularity")
        opens_in_days = values.pop("opens_in_days", None)
        reward = Reward(
            **values,
            active=True,
            redemption_count=0,
            created_at=now - timedelta(days=1100 - index * 10),
            active_from=now + timedelta(days=opens_in_days) if opens_in_days else None,
        )
        db.session.add(reward)
        created += 1
    db.session.flush()
    return [f"rewards: {created} created", _seed_demo_vouchers()]


def _seed_demo_vouchers() -> str:
    member = find_member_by_email("demo@example.com")
    staff = find_member_by_email("staff@example.com")
    if member is None:
        return "vouchers: no demo member"
    issued = 0
    for reward_name, key, fulfilled in DEMO_VOUCHERS:
        if db.session.scalar(
            select(Redemption.id).where(
                Redemption.member_id == member.id, Redemption.idempotency_key == key
            )
        ):
            continue
        reward = db.session.execute(select(Reward).where(Reward.name == reward_name)).scalar_one()
        _top_up(member, reward.points_cost)
        redemption = redeem(member, reward, idempotency_key=key)
        if fulfilled and staff is not None:
            fulfil_redemption(redemption, staff)
        issued += 1
    db.session.flush()
    return f"vouchers: {issued} issued to the demo member"


def _top_up(member: Member, cost: int) -> None:
    """The demo member's points come from their purchases; on a catalogue loaded before any
    purchase history, a welcome gift makes the first vouchers affordable."""
    db.session.refresh(member, attribute_names=["points_balance"])
    if member.points_balance >= cost:
        return
    credit_points(
        member,
        "bonus",
        max(1000, cost - member.points_balance),
        reason="Welcome gift from the club",
    )
