"""The demo's communication: some members accepted members' news (with the consent's wording),
some keep special dates, the segments are worked out, and a win-back campaign went out three
weeks ago through the marketing gate (with members skipped, and why), beside a draft waiting
for its preview."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from portal.clock import moved_to, utcnow
from portal.demo.purchases import DemoPurchase, _seed_history
from portal.extensions import db
from portal.models import Campaign, Member, SpecialDate
from portal.services.engagement.campaigns import (
    create_campaign,
    send_campaign_batch,
    start_sending,
)
from portal.services.engagement.segments import refresh_segments
from portal.services.members.accounts import create_member, find_member_by_email
from portal.services.members.preferences import record_marketing_consent
from portal.services.messaging.marketing import send_marketing
from portal.services.points.expiry import expire_due_points, send_expiry_notices
from portal.services.points.tiers import evaluate_tiers

# The sentence beside the box on /account, as members read it in English.
DEMO_PASSWORD = "demo-password-9"
CONSENT_WORDING = (
    "Send me news of launches, salons and members' offers. I can stop them at any time."
)
SPECIAL_DATES = [
    (5, 20, "Wedding anniversary"),
    (2, 14, "The day we met"),
    (9, 8, "Our engagement"),
    (2, 29, "Leap-day wedding"),
    (11, 3, "Mother's birthday"),
    (12, 24, None),
]


# Members whose histories put them in each group: (name, email, opted in, purchases as in
# portal/demo/purchases.py). Two at risk are won back by the campaign (they bought since).
SEGMENT_STORIES: list[tuple[str, str, bool, list[DemoPurchase]]] = [
    (
        "Zhou Min",
        "zhou.min@example.com",
        True,
        [
            (690, "SH01", 5001, [("RG-DIA-051", "Diamond solitaire ring, 0.3 ct", 1, 12800)]),
            (520, "BJ01", 5002, [("NK-DIA-077", "Diamond tennis necklace", 1, 26800)]),
            (330, "SH01", 5003, [("WT-GLD-038", "18K gold dress watch, 38 mm", 1, 16500)]),
            (200, "SZ01", 5004, [("BR-18K-330", "18K rose gold bangle", 1, 6400)]),
            (110, "SH01", 5005, [("ER-PRL-022", "Pearl drop earrings", 1, 4200)]),
            (25, "SH01", 5006, [("NK-PRL-118", "Akoya pearl strand necklace", 1, 8800)]),
        ],
    ),
    (
        "Huang Li",
        "huang.li@example.com",
        True,
        [
            (600, "HZ01", 5011, [("WT-STL-036", "Steel automatic watch, 36 mm", 1, 9800)]),
            (400, "HZ01", 5012, [("BR-PRL-014", "Pearl and gold bracelet", 1, 5200)]),
            (150, "HZ01", 5013, [("RG-DIA-051", "Diamond solitaire ring, 0.3 ct", 1, 12800)]),
        ],
    ),
    (
        "Xu Jie",
        "xu.jie@example.com",
        True,
        [
            (560, "BJ01", 5021, [("PD-JAD-019", "Jade and gold pendant", 1, 3600)]),
            (240, "BJ01", 5022, [("WT-GLD-038", "18K gold dress watch, 38 mm", 1, 16500)]),
            (10, "BJ01", 5023, [("SV-CLN-001", "Jewellery cleaning and polishing", 1, 300)]),
        ],
    ),
    (
        "Guo Ying",
        "guo.ying@example.com",
        True,
        [
            (480, "SZ01", 5031, [("ER-18K-204", "18K gold stud earrings", 1, 3200)]),
            (260, "SZ01", 5032, [("NK-PRL-118", "Akoya pearl strand necklace", 1, 8800)]),
        ],
    ),
    (
        "Ma Tao",
        "ma.tao@example.com",
        False,
        [
            (300, "SH01", 5041, [("CF-18K-003", "18K gold cufflinks (a gift)", 1, 2800)]),
        ],
    ),
    (
        "Sun Hui",
        "sun.hui@example.com",
        True,
        [
            (420, "WEB", 5051, [("SC-SLK-201", "Silk twill scarf", 1, 1200)]),
            (230, "WEB", 5052, [("PD-18K-007", "18K gold pendant", 1, 2600)]),
        ],
    ),
    (
        "Lu Yan",
        "lu.yan@example.com",
        True,
        [
            (700, "SH01", 5061, [("BR-18K-330", "18K rose gold bangle", 1, 6400)]),
            (450, "SH01", 5062, [("ER-PRL-022", "Pearl drop earrings", 1, 4200)]),
        ],
    ),
    (
        "He Jun",
        "he.jun@example.com",
        False,
        [
            (520, "BJ01", 5071, [("WT-STL-036", "Steel automatic watch, 36 mm", 1, 9800)]),
        ],
    ),
]


def _seed_segment_stories(now: datetime) -> None:
    for name, email, opted_in, history in SEGMENT_STORIES:
        if find_member_by_email(email) is not None:
            continue
        member = create_member(name=name, email=email, password=DEMO_PASSWORD, verified=True)
        _seed_history(member, history, [], now)
        if opted_in:
            record_marketing_consent(member, CONSENT_WORDING, now=now - timedelta(days=200))
    db.session.flush()
    # Bring them up to today, as run-jobs would have (so a second seed-demo changes nothing).
    expire_due_points(now=now)
    evaluate_tiers(now=now)
    send_expiry_notices(now=now)


def seed_campaigns() -> list[str]:
    staff = find_member_by_email("staff@example.com")
    lin = find_member_by_email("demo@example.com")
    if staff is None or lin is None:
        return ["campaigns: no demo staff or member"]
    if db.session.scalar(select(Campaign.id).limit(1)):
        return ["campaigns: already there"]
    now = utcnow()
    _seed_segment_stories(now)
    members = list(
        db.session.scalars(select(Member).where(Member.role == "member").order_by(Member.id))
    )
    opted = 0
    stories = {email for _name, email, _opted, _history in SEGMENT_STORIES}
    for n, member in enumerate(members):
        if member.email in stories:
            continue
        # About half accepted members' news, at some point in the last year.
        if member.id == lin.id or (n % 2 == 0 and not member.marketing_opt_in):
            if not member.marketing_opt_in or member.marketing_consent_at is None:
                record_marketing_consent(
                    member, CONSENT_WORDING, now=max(member.created_at, now - timedelta(days=300))
                )
                opted += 1
        if n % 7 == 3:
            month, day, label = SPECIAL_DATES[n % len(SPECIAL_DATES)]
            db.session.add(SpecialDate(member_id=member.id, month=month, day=day, label=label))
        if n % 11 == 5:
            member.channel_email = False  # reads the portal only
    if not any(d.label == "Wedding anniversary" for d in lin.special_dates):
        db.session.add(SpecialDate(member_id=lin.id, month=5, day=20, label="Wedding anniversary"))
    db.session.flush()

    with moved_to(now - timedelta(days=21)):
        refresh_segments(now=now - timedelta(days=21))
        # Sun Hui had her birthday-month message the day before: the gate skips her (cap).
        sun = find_member_by_email("sun.hui@example.com")
        if sun is not None:
            send_marketing(
                sun,
                kind="birthday",
                occasion=f"birthday:{(now - timedelta(days=22)).year}",
                subject="Happy birthday month, Sun!",
                body="All this month your purchases earn double points.",
                now=now - timedelta(days=22),
            )
        win_back = create_campaign(
            subject="We have missed you: a private viewing of the autumn collection",
            body=(
                "It has been a while. Come and see the new high-jewellery pieces before anyone "
                "else, with a glass of champagne, and have your favourite pieces cleaned for "
                "free while you browse."
            ),
            subject_zh="好久不见：秋季新品私享鉴赏",
            body_zh="好久不见。诚邀您抢先鉴赏全新高级珠宝系列，品一杯香槟，并在选购时免费清洗您心爱的珠宝。",
            segment="at_risk",
            reward_id=None,
            event_id=None,
            staff=staff,
        )
        start_sending(win_back, staff=staff)
        while win_back.status == "sending":
            send_campaign_batch(win_back)
    refresh_segments(now=now)
    create_campaign(
        subject="Members' shopping day: double points all weekend",
        body=(
            "On our annual members' shopping day every purchase earns double points, gift "
            "wrapping is free and our jewellers engrave on the spot."
        ),
        subject_zh="会员购物日：周末双倍积分",
        body_zh="年度会员购物日期间，每笔消费均可获得双倍积分，免费礼品包装，珠宝师现场刻字。",
        segment="champions",
        reward_id=None,
        event_id=None,
        staff=staff,
    )
    db.session.flush()
    return [f"campaigns: {opted} members opted in, a win-back sent, a draft waiting"]
