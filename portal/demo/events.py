"""Demo events at Maison Lumière: a members' salon, a collection launch, a trend show, a private
sale and a workshop to come (the launch full, with a waitlist; the private sale for Gold members
and above), and a past salon the demo member attended, with the points it earned. Answers and the
check-in are recorded through the real rules with the clock at the time they happened."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from portal.clock import moved_to, utcnow
from portal.extensions import db
from portal.models import Event, Member
from portal.services.events.allocation import member_rsvp
from portal.services.events.answers import answer_event
from portal.services.events.door import check_in
from portal.services.events.reminders import mark_no_shows
from portal.services.members.accounts import find_member_by_email
from portal.services.programme.local_time import local_date, local_day_start

# days from today, local start hour, hours long, and the event's own values.
DEMO_EVENTS: list[dict[str, Any]] = [
    {
        "days": 9,
        "hour": 19,
        "length": 2,
        "kind": "salon",
        "title": "Members' salon: the colours of sapphire",
        "title_zh": "会员沙龙：蓝宝石的色彩",
        "description": "Our head gemmologist shows sapphires from Ceylon, Kashmir and Montana, "
        "how their colour is judged and why heat treatment matters, with champagne.",
        "description_zh": "首席宝石学家带您欣赏斯里兰卡、克什米尔与蒙大拿蓝宝石，讲解颜色的评判"
        "方法与热处理的意义，并备有香槟。",
        "location": "Shanghai IFC boutique, 8 Century Avenue, Pudong",
        "location_zh": "上海国金中心店，浦东世纪大道 8 号",
        "capacity": 24,
        "max_guests": 1,
        "attendance_points": 200,
        "answers": [("demo@example.com", 1), ("wang.fang@example.com", 0)],
    },
    {
        "days": 16,
        "hour": 19,
        "length": 3,
        "kind": "launch",
        "title": "Winter high jewellery launch evening",
        "title_zh": "冬季高级珠宝发布之夜",
        "description": "The first evening of the winter collection: the pieces on the models, "
        "then in your hands, with music and canapés.",
        "description_zh": "冬季系列首秀之夜：先看模特佩戴，再亲手试戴，伴有音乐与小食。",
        "location": "Huaihai Road flagship, 999 Middle Huaihai Road, Shanghai",
        "location_zh": "淮海路旗舰店，上海淮海中路 999 号",
        "capacity": 4,
        "max_guests": 1,
        "attendance_points": 300,
        # Full: Sophie and Wang Fang take the four places; Lin Mei and Chen Jing wait.
        "answers": [
            ("sophie.laurent@example.com", 1),
            ("wang.fang@example.com", 1),
            ("demo@example.com", 1),
            ("admin@example.com", 0),
        ],
    },
    {
        "days": 23,
        "hour": 15,
        "length": 2,
        "kind": "trend_show",
        "title": "Trend show: stacking rings and layered chains",
        "title_zh": "潮流秀：叠戴戒指与层次项链",
        "description": "Our stylists show this season's ways to stack rings and layer chains, "
        "and help you try them with what you already own.",
        "description_zh": "造型师展示本季叠戴戒指与层次项链的搭配方式，"
        "并帮您与已有的首饰搭配试戴。",
        "location": "Beijing SKP boutique, 87 Jianguo Road, Chaoyang",
        "location_zh": "北京 SKP 店，朝阳区建国路 87 号",
        "capacity": 30,
        "max_guests": 2,
        "attendance_points": 150,
        "answers": [("sophie.laurent@example.com", 2)],
    },
    {
        "days": 30,
        "hour": 10,
        "length": 9,
        "kind": "private_sale",
        "title": "Annual members' shopping day",
        "title_zh": "年度会员专场",
        "description": "A day for Gold and Diamond members only: the boutique closed to the "
        "public, private appointments and members' prices on selected pieces.",
        "description_zh": "仅限金卡与钻石会员的一天：门店不对外开放，提供私人预约与精选款会员价。",
        "location": "Huaihai Road flagship, 999 Middle Huaihai Road, Shanghai",
        "location_zh": "淮海路旗舰店，上海淮海中路 999 号",
        "capacity": 60,
        "max_guests": 1,
        "min_tier": "gold",
        "attendance_points": 500,
        "answers": [],
    },
    {
        "days": 37,
        "hour": 14,
        "length": 2,
        "kind": "workshop",
        "title": "Workshop: caring for your watch",
        "title_zh": "工作坊：腕表的日常保养",
        "description": "Our watchmaker explains winding, water resistance and magnetism, and "
        "checks one watch per member on the spot.",
        "description_zh": "制表师讲解上链、防水与磁化知识，并为每位会员现场检测一枚腕表。",
        "location": "Shenzhen MixC boutique, 1881 Bao'an South Road, Luohu",
        "location_zh": "深圳万象城店，罗湖区宝安南路 1881 号",
        "capacity": 12,
        "max_guests": 0,
        "attendance_points": 100,
        "answers": [],
    },
]

PAST_SALON: dict[str, Any] = {
    "days": -32,
    "hour": 19,
    "length": 2,
    "kind": "salon",
    "title": "Members' salon: the story of Akoya pearls",
    "title_zh": "会员沙龙：Akoya 珍珠的故事",
    "description": "How Akoya pearls are farmed, graded and matched into a strand, with tea "
    "and a pearl-knotting demonstration.",
    "description_zh": "了解 Akoya 珍珠的养殖、分级与配串，现场演示珍珠打结工艺，并备有茶点。",
    "location": "Shanghai IFC boutique, 8 Century Avenue, Pudong",
    "location_zh": "上海国金中心店，浦东世纪大道 8 号",
    "capacity": 20,
    "max_guests": 1,
    "attendance_points": 200,
    "answers": [("demo@example.com", 1), ("sophie.laurent@example.com", 0)],
}


def _times(days: int, hour: int, length: int) -> tuple[datetime, datetime]:
    starts = local_day_start(local_date() + timedelta(days=days)) + timedelta(hours=hour)
    return starts, starts + timedelta(hours=length)


def _event(values: dict[str, Any]) -> Event | None:
    values = dict(values)
    if db.session.scalar(select(Event.id).where(Event.title == values["title"])):
        return None
    starts, ends = _times(values.pop("days"), values.pop("hour"), values.pop("length"))
    values.pop("answers")
    event = Event(
        **values,
        starts_at=starts,
        ends_at=ends,
        rsvp_deadline=starts - timedelta(days=1),
        status="scheduled",
        sequence=0,
        created_at=starts - timedelta(days=40),
    )
    db.session.add(event)
    db.session.flush()
    return event


def _answer(event: Event, answers: list[tuple[str, int]], first_answer: datetime) -> None:
    for index, (email, guests) in enumerate(answers):
        member = find_member_by_email(email)
        if member is None:
            continue
        with moved_to(first_answer + timedelta(hours=5 * index)):
            answer_event(member, event, guests)


def seed_events() -> list[str]:
    created = 0
    for values in DEMO_EVENTS:
        event = _event(values)
        if event is None:
            continue
        _answer(event, values["answers"], utcnow() - timedelta(days=6))
        created += 1
    past = _event(PAST_SALON)
    if past is not None:
        created += 1
        _answer(past, PAST_SALON["answers"], past.starts_at - timedelta(days=20))
        staff = find_member_by_email("staff@example.com")
        demo = find_member_by_email("demo@example.com")
        if staff is not None and demo is not None:
            party = member_rsvp(demo, past)
            if party is not None:
                with moved_to(past.starts_at + timedelta(minutes=12)):
                    check_in(past, party, staff)
        # Sophie did not come: the job marks her a no-show after the end.
        mark_no_shows()
    db.session.flush()
    count = db.session.query(Event).count()
    demo = find_member_by_email("demo@example.com")
    attended = (
        sum(1 for e in db.session.scalars(select(Event)) if _attended(demo, e)) if demo else 0
    )
    return [f"events: {created} created ({count} in all); the demo member attended {attended}"]


def _attended(member: Member, event: Event) -> bool:
    rsvp = member_rsvp(member, event)
    return rsvp is not None and rsvp.status == "checked_in"
