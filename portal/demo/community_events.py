"""Three years of members' evenings for the crowd: each created by staff six weeks before,
answered by members (with guests, a waitlist when it fills, a few cancellations that let the
waitlist in), checked in at the door, the rest marked no-show by the nightly job; one evening
cancelled by a typhoon. The crowd also answers the evenings to come, leaving room in them."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy import select

from portal.demo.events import DEMO_EVENTS
from portal.extensions import db
from portal.models import Event, EventRsvp
from portal.services.events.allocation import EventRefused, places_left
from portal.services.events.answers import answer_event, cancel_answer
from portal.services.events.door import check_in
from portal.services.events.editing import EventChanges, cancel_event, create_event
from portal.services.programme.local_time import local_date, local_day_start

if TYPE_CHECKING:
    from portal.demo.people import Person
    from portal.demo.timeline import Club as Programme

BOUTIQUES = {
    "SH01": (
        "Shanghai IFC boutique, 8 Century Avenue, Pudong",
        "上海国金中心店，浦东世纪大道 8 号",
    ),
    "BJ01": ("Beijing SKP boutique, 87 Jianguo Road, Chaoyang", "北京 SKP 店，朝阳区建国路 87 号"),
    "SZ01": (
        "Shenzhen MixC boutique, 1881 Bao'an South Road, Luohu",
        "深圳万象城店，罗湖区宝安南路 1881 号",
    ),
    "HZ01": ("Hangzhou Tower boutique, 1 Wulin Square", "杭州大厦店，武林广场 1 号"),
}
# days ago, store, kind, capacity, guests, minimum tier, points, title, title_zh, about, about_zh
PAST_EVENTS = [
    (1010, "SH01", "launch", 40, 1, None, 300, "Club opening evening", "会员俱乐部开幕之夜",
     "The first evening of the members' club, with the year's collection.",
     "会员俱乐部的第一个夜晚，呈现本年度系列。"),
    (930, "BJ01", "salon", 20, 1, None, 200, "Members' salon: reading a diamond certificate",
     "会员沙龙：读懂钻石证书",
     "Cut, colour, clarity and carat, with stones under the loupe.",
     "切工、颜色、净度与克拉，用放大镜亲眼观察。"),
    (860, "SH01", "workshop", 12, 0, None, 100, "Workshop: pearl knotting", "工作坊：珍珠打结",
     "Knot a short strand with our artisan and take it home.",
     "与工匠一起手工打结一条短款珍珠链，并带回家。"),
    (790, "SZ01", "trend_show", 30, 2, None, 150, "Trend show: spring colours",
     "潮流秀：春季色彩", "Coloured stones and how to wear them this spring.",
     "彩色宝石与本季春日佩戴方式。"),
    (720, "SH01", "private_sale", 50, 1, "silver", 500, "Members' shopping day, year one",
     "第一届会员专场", "The boutique closed to the public for Silver members and above.",
     "门店不对外开放，专为银卡及以上会员服务。"),
    (650, "HZ01", "salon", 18, 1, None, 200, "Members' salon: the art of jade",
     "会员沙龙：玉石之美",
     "Jadeite and nephrite, and how a bangle is chosen.",
     "翡翠与和田玉的区别，以及如何挑选手镯。"),
    (590, "SZ01", "salon", 20, 1, None, 200, "Members' salon: watches for the tropics",
     "会员沙龙：湿热气候中的腕表", "Water resistance and straps for a humid summer.",
     "防水性能与适合潮湿夏季的表带。"),
    (520, "BJ01", "launch", 36, 1, None, 300, "Autumn collection launch, year two",
     "第二年秋季新品发布", "The autumn pieces on the models, then in your hands.",
     "先看模特佩戴，再亲手试戴秋季新品。"),
    (450, "SH01", "workshop", 10, 0, None, 100, "Workshop: caring for your pearls",
     "工作坊：珍珠的保养", "Wearing, cleaning and storing pearls, with a check of yours.",
     "珍珠的佩戴、清洁与收纳，并为您检查珍珠。"),
    (380, "SH01", "private_sale", 60, 1, "gold", 500, "Members' shopping day, year two",
     "第二届会员专场", "A day for Gold and Diamond members, with private appointments.",
     "金卡与钻石会员专享日，提供私人预约。"),
    (300, "HZ01", "trend_show", 24, 2, None, 150, "Trend show: layering pearls and gold",
     "潮流秀：珍珠与黄金的叠戴", "Our stylists layer pearls with gold chains.",
     "造型师示范珍珠与金链的叠戴。"),
    (230, "BJ01", "salon", 22, 1, "silver", 200, "Members' salon: coloured gemstones",
     "会员沙龙：彩色宝石", "Rubies, emeralds and spinels from our gemmologist's tray.",
     "宝石学家带来红宝石、祖母绿与尖晶石。"),
    (160, "SZ01", "salon", 20, 1, None, 200, "Members' salon: typhoon season cancelled",
     "会员沙龙（因台风取消）", "A salon on gold, cancelled when the typhoon closed the mall.",
     "关于黄金的沙龙，因台风商场关闭而取消。"),
    (110, "SH01", "launch", 40, 1, None, 300, "Summer high jewellery evening",
     "夏季高级珠宝之夜", "The summer high jewellery pieces, with music on the terrace.",
     "在露台的音乐中欣赏夏季高级珠宝。"),
    (70, "HZ01", "workshop", 12, 0, None, 100, "Workshop: engraving your initials",
     "工作坊：镌刻姓名缩写", "Engrave your initials on a silver tag with our engraver.",
     "与刻字师一起在银牌上刻下您的缩写。"),
]  # fmt: skip
CANCELLED = "Members' salon: typhoon season cancelled"


def schedule_events(programme: Programme) -> None:
    if db.session.scalar(select(Event.id).where(Event.title == PAST_EVENTS[0][7])):
        return
    for values in PAST_EVENTS:
        starts = _start(programme.now, values[0], values[2])
        programme.later(starts - timedelta(days=45), partial(_create, programme, values))
    upcoming = [e["title"] for e in DEMO_EVENTS if e["capacity"] >= 10]
    programme.later(
        programme.now - timedelta(days=5), lambda: _answer_upcoming(programme, upcoming)
    )


def _start(now: datetime, days_ago: int, kind: str) -> datetime:
    hour = 10 if kind == "private_sale" else 15 if kind == "workshop" else 19
    return local_day_start(local_date(now) - timedelta(days=days_ago)) + timedelta(hours=hour)


def _create(programme: Programme, values: tuple) -> None:
    days_ago, store, kind, capacity, guests, min_tier, points, title, title_zh = values[:9]
    about, about_zh = values[9:]
    staff = programme.staff
    if staff is None:
        return
    starts = _start(programme.now, days_ago, kind)
    location, location_zh = BOUTIQUES[store]
    event = create_event(
        EventChanges(
            kind=kind,
            title=title,
            title_zh=title_zh,
            description=about,
            description_zh=about_zh,
            location=location,
            location_zh=location_zh,
            starts_at=starts,
            ends_at=starts + timedelta(hours=8 if kind == "private_sale" else 2),
            rsvp_deadline=starts - timedelta(days=1),
            capacity=capacity,
            min_tier=min_tier,
            max_guests=guests,
            attendance_points=points,
        ),
        staff=staff,
    )
    rng = random.Random(days_ago)
    # Members of the club by the time the invitations close (some join meanwhile).
    joined = [
        p
        for p in programme.people
        if p.joined_at < starts - timedelta(days=3) and p.profile != "browser"
    ]
    # A full house (and a waitlist) when the club is large enough; a third of a small one.
    wanted = min(len(joined), len(joined) // 3 + 2, int(capacity * rng.uniform(0.35, 0.85)))
    for person in rng.sample(joined, wanted):
        when = max(event.created_at, person.joined_at) + timedelta(days=rng.uniform(0.5, 43))
        when = min(when, starts - timedelta(days=1, hours=2))
        programme.later(when, partial(_answer, programme, event, person, rng))
    if title == CANCELLED:
        programme.later(starts - timedelta(days=2), lambda: cancel_event(event, staff=staff))
        return
    programme.later(starts + timedelta(minutes=25), lambda: _door(programme, event, rng))


def _answer(programme: Programme, event: Event, person: Person, rng: random.Random) -> None:
    member = programme.members.get(person.index)
    if member is None or event.is_cancelled:
        return
    guests = rng.randint(0, event.max_guests)
    try:
        rsvp = answer_event(member, event, guests)
    except EventRefused:
        return  # below the tier, or the deadline passed
    if rng.random() < 0.08:
        when = rsvp.created_at + timedelta(days=rng.uniform(1, 10))
        if when < event.starts_at:
            programme.later(when, lambda: _cancel(programme, event, person))


def _cancel(programme: Programme, event: Event, person: Person) -> None:
    try:
        cancel_answer(programme.members[person.index], event)
    except EventRefused:
        pass


def _door(programme: Programme, event: Event, rng: random.Random) -> None:
    """Most confirmed parties come; the others become no-shows when the job runs after the
    end."""
    staff = programme.staff
    if staff is None:
        return
    confirmed = db.session.scalars(
        select(EventRsvp)
        .where(EventRsvp.event_id == event.id, EventRsvp.status == "confirmed")
        .order_by(EventRsvp.id)
    ).all()
    for rsvp in confirmed:
        if rng.random() < 0.84:
            check_in(event, rsvp, staff)


def _answer_upcoming(programme: Programme, titles: list[str]) -> None:
    """Members answer the evenings to come, up to about half of the places."""
    rng = random.Random(len(titles))
    events = db.session.scalars(select(Event).where(Event.title.in_(titles))).all()
    crowd = [p for p in programme.people if p.index in programme.members]
    for event in events:
        for person in rng.sample(crowd, min(len(crowd) // 3, event.capacity)):
            if places_left(event) <= event.capacity // 2:
                break
            try:
                answer_event(
                    programme.members[person.index], event, rng.randint(0, event.max_guests)
                )
            except EventRefused:
                continue
