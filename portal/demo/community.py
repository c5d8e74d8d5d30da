"""The crowd's life in the club beyond shopping, by the real services at the time it happened:
friends who came through a member's link (and links opened by people who never joined), the
answers to the post-purchase and visit surveys with their moderation, replies and follow-up
cases, and members' evenings over three years with guests, waitlists, cancellations, check-ins
and no-shows (community_events.py)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy import select

from portal.clock import utcnow
from portal.demo.people import Person
from portal.extensions import db
from portal.models import Member, Purchase, ReferralLinkOpen, Survey, SurveyInvitation
from portal.services.programme.local_time import local_date
from portal.services.referrals.attribution import Visitor, attribute_friend
from portal.services.surveys.answering import QuestionAnswer, submit_answer
from portal.services.surveys.cases import case_for, log_contact, resolve_case
from portal.services.surveys.invitations import find_waiting
from portal.services.surveys.moderation import moderate_answer, reply_to_answer

if TYPE_CHECKING:
    from portal.demo.timeline import Club
    from portal.models import SurveyAnswer

# what each mood gives: NPS range, CSAT range
SCORES = {"delighted": ((9, 10), (5, 5)), "content": ((7, 9), (4, 5)), "unhappy": ((2, 8), (1, 4))}
COMMENTS = {
    ("high", "en"): [
        "Our advisor remembered my anniversary and had the ring ready, beautifully wrapped.",
        "The cleaning while I waited made my old bracelet look new.",
        "Lovely tea, no pressure to buy, and the engraving was perfect.",
        "Delivered the next day in Shanghai, exactly as promised.",
    ],
    ("high", "zh_Hans"): [
        "顾问记得我的结婚纪念日，礼物包装得非常精美。",
        "现场清洗后手镯像新的一样，服务很贴心。",
        "店里环境很好，没有推销压力，刻字也很完美。",
        "第二天就送到了，和承诺的一样准时。",
    ],
    ("mid", "en"): [
        "Good service, though I waited a while at the counter on Saturday.",
        "Nice pieces; I would like more choice in smaller sizes.",
        "Fine overall, the online order took four days.",
    ],
    ("mid", "zh_Hans"): [
        "服务不错，就是周末排队时间有点长。",
        "款式好看，希望小尺寸的选择更多一些。",
        "总体满意，网上订单四天才到。",
    ],
    ("low", "en"): [
        "The resizing took three weeks and nobody called me.",
        "The clasp broke after a month and the shop asked me to come back twice.",
        "Too crowded during the sale; I left without being served.",
        "Call me on 13912345678, the watch still runs fast after servicing.",
    ],
    ("low", "zh_Hans"): [
        "改圈等了三个星期，也没有人通知我。",
        "扣头一个月就坏了，来回跑了两次店里。",
        "活动期间人太多，没有人接待我就走了。",
        "请加我微信号 pearl_lover_88 联系，手表保养后还是走快。",
    ],
}
REPLIES = {
    "en": "Thank you for telling us. Our boutique manager will look into it personally.",
    "zh_Hans": "感谢您的反馈，我们的店长会亲自跟进。",
}
RESOLUTIONS = [
    ("Called the member, apologised and arranged a free cleaning.", 200),
    ("Repair redone at no charge and delivered home.", 300),
    ("Explained the waiting times; offered a private appointment next visit.", 0),
    ("Replaced the clasp on the spot; member satisfied.", 500),
]


def _band(score: int, kind: str) -> str:
    if kind == "nps":
        return "high" if score >= 9 else "mid" if score >= 7 else "low"
    return "high" if score >= 5 else "mid" if score >= 3 else "low"


class Community:
    def __init__(self, club: Club):
        self.programme = club
        self.visit: Survey | None = None
        self.purchase_survey: Survey | None = None

    @property
    def now(self) -> datetime:
        return self.programme.now

    def schedule(self) -> None:
        surveys = list(db.session.scalars(select(Survey).where(Survey.active.is_(True))))
        self.visit = next((s for s in surveys if s.trigger == "always"), None)
        self.purchase_survey = next((s for s in surveys if s.trigger == "purchase"), None)
        for person in self.programme.people:
            rng = person.rng
            if person.purchases and rng.random() < 0.45:
                visit = rng.choice(person.purchases)
                self.programme.later(
                    visit.when + timedelta(hours=rng.uniform(3, 60)),
                    partial(self.answer_visit, person, rng),
                )
            self._link_opens(person, rng)

    # -- referrals ---------------------------------------------------------------------------

    def attribute(self, person: Person, friend: Member, referrer: Member) -> None:
        device = f"demo-crowd-device-{person.index}"
        self.open_link(referrer, device)
        attribute_friend(friend, referrer, channel="link", visitor=Visitor(device=device))

    def open_link(self, referrer: Member, device: str) -> None:
        """A browser opened the referrer's link (counted once a day). Written in the seed's
        transaction: record_link_opened's own short transaction would wait on it on SQLite."""
        day = local_date()
        if db.session.scalar(
            select(ReferralLinkOpen.id).where(
                ReferralLinkOpen.referrer_id == referrer.id,
                ReferralLinkOpen.device == device,
                ReferralLinkOpen.opened_on == day,
            )
        ):
            return
        db.session.add(
            ReferralLinkOpen(
                referrer_id=referrer.id,
                device=device,
                opened_on=day,
                opened_at=utcnow(),
            )
        )

    def _link_opens(self, person: Person, rng: random.Random) -> None:
        """Links shared by the regulars and opened by friends who did not join (yet)."""
        if person.profile not in ("champion", "loyal", "regular") or rng.random() > 0.5:
            return
        for n in range(rng.randint(1, 5)):
            when = person.joined_at + timedelta(days=rng.uniform(10, 900))
            device = f"demo-crowd-browser-{person.index}-{n}"
            self.programme.later(when, partial(self._open_own_link, person, device))

    def _open_own_link(self, person: Person, device: str) -> None:
        self.open_link(self.programme.members[person.index], device)

    # -- surveys -----------------------------------------------------------------------------

    def after_purchase(
        self, person: Person, member: Member, purchase: Purchase, rng: random.Random
    ) -> None:
        invitation = db.session.scalar(
            select(SurveyInvitation).where(SurveyInvitation.purchase_id == purchase.id)
        )
        if invitation is None or rng.random() > 0.42:
            return
        when = invitation.invited_at + timedelta(days=rng.uniform(0.1, 9))
        invitation_id = invitation.id
        self.programme.later(when, lambda: self.answer_purchase(person, member, invitation_id, rng))

    def answer_purchase(
        self, person: Person, member: Member, invitation_id: int, rng: random.Random
    ) -> None:
        survey = self.purchase_survey
        if survey is None:
            return
        waiting = find_waiting(member, survey, invitation_id)
        if waiting is None:
            return
        csat_question, choice_question, text_question = survey.questions
        score = rng.randint(*SCORES[person.mood][1])
        answers = {
            csat_question.id: QuestionAnswer(number=score),
            choice_question.id: QuestionAnswer(choices=(0 if rng.random() < 0.7 else 1,)),
        }
        text = ""
        if rng.random() < (0.6 if score <= 2 else 0.25):
            text = rng.choice(COMMENTS[(_band(score, "csat"), person.locale)])
            answers[text_question.id] = QuestionAnswer(text=text)
        answer = submit_answer(member, waiting, answers)
        self._after_answer(person, answer, rng)

    def answer_visit(self, person: Person, rng: random.Random) -> None:
        survey = self.visit
        member = self.programme.members.get(person.index)
        if survey is None or member is None:
            return
        waiting = find_waiting(member, survey, None)
        if waiting is None:
            return
        nps_question, text_question = survey.questions
        score = rng.randint(*SCORES[person.mood][0])
        answers = {nps_question.id: QuestionAnswer(number=score)}
        text = ""
        if rng.random() < 0.55:
            text = rng.choice(COMMENTS[(_band(score, "nps"), person.locale)])
            answers[text_question.id] = QuestionAnswer(text=text)
        # Promoters of long ago let us quote them (the newest quotes stay the curated ones).
        quote = bool(text) and score >= 9 and rng.random() < 0.3
        quote = quote and waiting.survey.quotable and self.now - utcnow() > timedelta(days=60)
        answer = submit_answer(
            member,
            waiting,
            answers,
            consent_quote=quote,
            display_name=_display_name(person) if quote else "",
        )
        self._after_answer(person, answer, rng)

    def _after_answer(self, person: Person, answer: SurveyAnswer, rng: random.Random) -> None:
        staff = self.programme.staff
        if staff is None:
            return
        submitted = answer.submitted_at
        if answer.moderation == "pending":
            when = submitted + timedelta(hours=rng.uniform(5, 70))
            if when < self.now - timedelta(days=2):
                self.programme.later(when, lambda: self._moderate(person, answer, rng))
        case = case_for(answer)
        if case is None:
            return
        contact = submitted + timedelta(hours=rng.uniform(6, 40))
        resolution, goodwill = rng.choice(RESOLUTIONS)
        note = "Called the member; listened and promised a follow-up."
        if contact < self.now - timedelta(days=1):
            self.programme.later(contact, lambda: log_contact(case, "call", note, staff=staff))
        resolve_at = contact + timedelta(days=rng.uniform(1, 4))
        if resolve_at < self.now - timedelta(days=3):
            self.programme.later(
                resolve_at,
                lambda: resolve_case(
                    case, staff=staff, resolution=resolution, goodwill_points=goodwill
                ),
            )

    def _moderate(self, person: Person, answer: SurveyAnswer, rng: random.Random) -> None:
        staff = self.programme.staff
        if staff is None:
            return
        text = answer.free_text
        if "微信" in text or any(ch.isdigit() for ch in text):
            moderate_answer(answer, "hide", staff=staff, reason="personal_data")
            return
        choice = rng.random()
        if choice < 0.07:
            moderate_answer(answer, "flag", staff=staff)
            return
        moderate_answer(answer, "approve", staff=staff)
        low = (answer.nps_score is not None and answer.nps_score <= 6) or (
            answer.csat_score is not None and answer.csat_score <= 2
        )
        if low or choice > 0.9:
            reply_to_answer(answer, REPLIES[person.locale], staff=staff)


def _display_name(person: Person) -> str:
    if person.locale == "zh_Hans" and not person.name.isascii():
        return person.name[0] + ("先生" if person.index % 3 == 0 else "女士")
    first, *rest = person.name.split()
    return f"{first} {rest[0][0]}." if rest else first
