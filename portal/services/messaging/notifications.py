"""In-app notifications, with a copy by mail, written in the caller's transaction."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from flask_babel import force_locale
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from portal.clock import utcnow
from portal.database import changed_rows
from portal.extensions import db
from portal.models import Member, Notification
from portal.services.messaging.mail import queue_mail

if TYPE_CHECKING:
    from flask_babel.speaklater import LazyString

logger = logging.getLogger(__name__)


def notify_member(
    member: Member,
    kind: str,
    *,
    title: str | LazyString,
    body: str | LazyString = "",
    link: tuple[str, dict[str, Any]] | None = None,
    dedupe_key: str | None = None,
    email: bool = True,
) -> Notification | None:
    """Tell a member something, once per `dedupe_key`. `title` and `body` may be lazy strings:
    they are rendered in the member's own language. `link` is (endpoint, arguments) of the page
    with the details."""
    link_endpoint, link_args = link if link is not None else (None, None)
    if dedupe_key is not None and db.session.scalar(
        select(Notification.id).where(Notification.dedupe_key == dedupe_key)
    ):
        return None
    with force_locale(member.locale or "en"):
        title_text, body_text = str(title), str(body)
    notification = Notification(
        member_id=member.id,
        kind=kind,
        title=title_text,
        body=body_text,
        link_endpoint=link_endpoint,
        link_args=link_args,
        dedupe_key=dedupe_key,
        created_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(notification)
    except IntegrityError:
        return None  # written by a concurrent run of the same job
    if email:
        queue_mail(
            member.email,
            "notification",
            member=member,
            dedupe_key=f"mail:{dedupe_key}" if dedupe_key else None,
            title=title_text,
            body=body_text,
            link_endpoint=link_endpoint,
            link_args=link_args or {},
        )
    logger.info("notified %r: %s", member, kind)
    return notification


def unread_count(member: Member) -> int:
    return db.session.execute(
        select(func.count(Notification.id)).where(
            Notification.member_id == member.id, Notification.read_at.is_(None)
        )
    ).scalar_one()


def mark_all_read(member: Member) -> int:
    """Mark the member's unread notifications read; returns how many there were."""
    return changed_rows(
        db.session.execute(
            update(Notification)
            .where(Notification.member_id == member.id, Notification.read_at.is_(None))
            .values(read_at=utcnow())
        )
    )
