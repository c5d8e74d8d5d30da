"""Demo surveys: the always-open "Tell us about your visit" (an NPS question and a comment)
and a post-purchase survey, answered by members over the last weeks through the real rules
with the clock moved back: comments in each moderation state, replies, a few testimonials,
and follow-up cases open, overdue and resolved with goodwill points. Lin Mei
(demo@example.com) has answered once (with a reply) and is asked about her latest purchase."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.clock import moved_to, utcnow
from portal.extensions import db
from portal.models import FollowUpCase, Member, Purchase, Survey, SurveyAnswer
from portal.services.members.accounts import find_member_by_email
from portal.services.surveys.answering import QuestionAnswer, submit_answer
from portal.services.surveys.building import QuestionDraft, SurveyDraft, create_survey
from portal.services.surveys.cases import log_contact, resolve_case
from portal.services.surveys.invitations import find_waiting, invite_after_purchase
from portal.services.surveys.moderation import moderate_answer, reply_to_answer

VISIT_TITLE = "Tell us about your visit"
SURVEYS_SINCE_DAYS = 1000

# (days ago, NPS, comment, quote as, moderation, hide reason)
VISIT_ANSWERS = [
    (40, 10, "The engraving on my ring is perfect and the advisor was so patient.",
     "Sophie, Shanghai", "approved", None),
    (33, 9, "店员非常热情，还帮我免费清洗了手镯。", "王女士，北京", "approved", None),
    (26, 9, "Beautiful boutique, and my watch strap was changed while I waited.",
     "J. Chen", "approved", None),
    (12, 8, "Nice, but call me on 13800138000 about the matching earrings.", None, "pending",
     None),
    (9, 2, "The repair took three weeks and nobody called me back.", None, "pending", None),
    (5, 7, "Add me on 微信号: lily_pearl88 for the catalogue", None, "hidden", "personal_data"),
    (3, 4, "The shop was too crowded on Saturday.", None, "flagged", None),
    (1, 5, "My order arrived with a scratch on the clasp.", None, "pending", None),
]  # fmt: skip


def _visit_survey(staff: Member) -> Survey:
    return create_survey(
        SurveyDraft(
            title=VISIT_TITLE,
            title_zh="告诉我们您的到访体验",
            intro="Two questions, one minute. Every answer is read by our team.",
            intro_zh="两个问题，一分钟。每一份回答我们的团队都会认真阅读。",
            trigger="always",
            points=50,
            quotable=True,
            questions=[
                QuestionDraft(
                    "nps",
                    "How likely are you to recommend our boutiques to a friend?",
                    "您向朋友推荐我们门店的可能性有多大？",
                ),
                QuestionDraft(
                    "text",
                    "What made your visit good, or what could we do better?",
                    "这次到访有哪些让您满意之处，或我们可以改进什么？",
                    required=False,
                    max_length=1000,
                ),
            ],
        ),
        staff=staff,
    )


def _purchase_survey(staff: Member) -> Survey:
    return create_survey(
        SurveyDraft(
            title="How was your purchase?",
            title_zh="您对这次购买满意吗？",
            trigger="purchase",
            points=30,
            quotable=True,
            questions=[
                QuestionDraft(
                    "csat",
                    "How satisfied are you with your purchase?",
                    "您对这次购买的满意度如何？",
                ),
                QuestionDraft(
                    "single",
                    "Who helped you choose?",
                    "是谁帮您挑选的？",
                    required=False,
                    choices=[
                        {"en": "A sales advisor", "zh": "销售顾问"},
                        {"en": "I chose on my own", "zh": "我自己挑选"},
                    ],
                ),
                QuestionDraft(
                    "text", "Anything else?", "还有其他意见吗？", required=False, max_length=500
                ),
            ],
        ),
        staff=staff,
    )


def _answer(
    member: Member, survey: Survey, nps: int, text: str, quote: str | None
) -> SurveyAnswer | None:
    waiting = find_waiting(member, survey, None)
    if waiting is None:
        return None
    nps_question, text_question = survey.questions
    return submit_answer(
        member,
        waiting,
        {nps_question.id: QuestionAnswer(number=nps), text_question.id: QuestionAnswer(text=text)},
        consent_quote=quote is not None,
        display_name=quote or "",
    )


def seed_surveys() -> list[str]:
    staff = find_member_by_email("staff@example.com")
    lin = find_member_by_email("demo@example.com")
    if staff is None or lin is None:
        return ["surveys: no demo staff or member"]
    if db.session.scalar(select(Survey.id).where(Survey.title == VISIT_TITLE).limit(1)):
        return ["surveys: already there"]
    now = utcnow()
    with moved_to(now - timedelta(days=SURVEYS_SINCE_DAYS)):  # since the club's first year
        visit = _visit_survey(staff)
        purchase_survey = _purchase_survey(staff)
    members = list(
        db.session.scalars(
            select(Member)
            .where(Member.role == "member", Member.id != lin.id)
            .order_by(Member.id)
            .limit(len(VISIT_ANSWERS))
        )
    )
    answers = []
    for member, (days, nps, text, quote, state, reason) in zip(
        members, VISIT_ANSWERS, strict=False
    ):
        with moved_to(now - timedelta(days=days)):
            answer = _answer(member, visit, nps, text, quote)
        if answer is None:
            continue
        answers.append(answer)
        if state != "pending":
            with moved_to(now - timedelta(days=days) + timedelta(hours=3)):
                action = {"approved": "approve", "hidden": "hide", "flagged": "flag"}[state]
                moderate_answer(answer, action, staff=staff, reason=reason)
    # Lin answered six weeks ago and staff replied; now she is asked about her last purchase.
    with moved_to(now - timedelta(days=45)):
        lins = _answer(lin, visit, 9, "Lovely service at IFC, thank you!", None)
    if lins is not None:
        with moved_to(now - timedelta(days=44)):
            moderate_answer(lins, "approve", staff=staff)
            reply_to_answer(
                lins, "Thank you, Lin! We look forward to seeing you again.", staff=staff
            )
    latest = db.session.scalar(
        select(Purchase).where(Purchase.member_id == lin.id).order_by(Purchase.purchased_at.desc())
    )
    if latest is not None:
        invite_after_purchase(latest, now=now - timedelta(hours=2))
    db.session.flush()
    # Cases: the oldest detractor's is resolved with goodwill; a two-day-old one is overdue; the
    # newest is open and within its 48 hours.
    cases = list(db.session.scalars(select(FollowUpCase).order_by(FollowUpCase.created_at)))
    if cases:
        first = cases[0]
        with moved_to(first.created_at + timedelta(hours=20)):
            log_contact(
                first,
                "call",
                "Called her; the repair is done and will be delivered free.",
                staff=staff,
            )
            reply_to_answer(
                db.session.get_one(SurveyAnswer, first.answer_id),
                "We are very sorry about the wait. Our boutique manager will call you today.",
                staff=staff,
            )
        with moved_to(first.created_at + timedelta(days=2)):
            resolve_case(
                first,
                staff=staff,
                resolution="Repair delivered, apology made.",
                goodwill_points=300,
            )
    db.session.flush()
    del purchase_survey
    return [f"surveys: 2 surveys, {len(answers) + (1 if lins else 0)} answers, {len(cases)} cases"]
