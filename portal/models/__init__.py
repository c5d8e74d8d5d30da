"""All models, imported here so Alembic and the app see every table."""

from portal.models.audit import AuditEntry
from portal.models.calls import ReturnCall
from portal.models.events import Event, EventRsvp
from portal.models.imports import PurchaseImport
from portal.models.jobs import JobLock, JobRun
from portal.models.kpi import KpiDailyPoints, KpiPeriodMembers, KpiSummaryMark
from portal.models.ledger import LedgerEntry
from portal.models.marketing import Campaign, MarketingClick, MarketingDelivery
from portal.models.member_desk import MemberNote, PointsAdjustmentRequest
from portal.models.members import LoginSession, Member, Passkey, SpecialDate
from portal.models.messages import Notification, OutboxMessage
from portal.models.programme import Setting, Tier
from portal.models.purchases import ApiToken, Purchase, PurchaseItem, PurchaseReturn, TierChange
from portal.models.referrals import Referral, ReferralLinkOpen
from portal.models.rewards import Redemption, Reward, RewardPair
from portal.models.segments import MemberSegment
from portal.models.surveys import (
    CaseNote,
    FollowUpCase,
    Survey,
    SurveyAnswer,
    SurveyAnswerItem,
    SurveyInvitation,
    SurveyQuestion,
)

__all__ = [
    "ApiToken",
    "Campaign",
    "MarketingClick",
    "MarketingDelivery",
    "MemberSegment",
    "Purchase",
    "PurchaseImport",
    "PurchaseItem",
    "PurchaseReturn",
    "Redemption",
    "Referral",
    "ReferralLinkOpen",
    "Reward",
    "RewardPair",
    "ReturnCall",
    "CaseNote",
    "FollowUpCase",
    "Survey",
    "SurveyAnswer",
    "SurveyAnswerItem",
    "SurveyInvitation",
    "SurveyQuestion",
    "TierChange",
    "AuditEntry",
    "Event",
    "EventRsvp",
    "JobLock",
    "JobRun",
    "KpiDailyPoints",
    "KpiPeriodMembers",
    "KpiSummaryMark",
    "LedgerEntry",
    "LoginSession",
    "Member",
    "MemberNote",
    "PointsAdjustmentRequest",
    "Notification",
    "Passkey",
    "SpecialDate",
    "OutboxMessage",
    "Setting",
    "Tier",
]
