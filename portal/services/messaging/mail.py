"""Outgoing mail: queued in the outbox table inside the caller's transaction. Delivery, after
the commit and in its own transactions, is delivery.py."""

from __future__ import annotations

import logging
from typing import Any

from flask import render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.clock import utcnow
from portal.extensions import db
from portal.models import Member, OutboxMessage

logger = logging.getLogger(__name__)

# Ids of the messages queued in the current transaction, for delivery once it commits.
QUEUED_IN_SESSION = "outbox_ids"


def render_mail(
    template: str, *, member: Member | None = None, locale: str | None = None, **context: Any
) -> tuple[str, str, str | None]:
    """The subject, text and HTML (or None) of `email/<template>` in the reader's language."""
    with force_locale(locale or (member.locale if member else None) or "en"):
        context.setdefault("member", member)
        subject = render_template(f"email/{template}.subject.txt", **context).strip()
        body_text = render_template(f"email/{template}.txt", **context)
        try:
            body_html = render_template(f"email/{template}.html", **context)
        except TemplateNotFound:  # an HTML part is optional
            body_html = None
    return subject, body_text, body_html


def write_and_discard_mail(template: str, **context: Any) -> None:
    """Render a mail and write it in a savepoint that is rolled back: the work of queueing one,
    keeping nothing (an unknown address asking for a reset costs what a known one does)."""
    subject, body_text, body_html = render_mail(template, **context)
    savepoint = db.session.begin_nested()
    db.session.add(
        OutboxMessage(
            to_address="nobody@invalid",
            subject=subject,
            body_text=body_text,
            body_html=body_html,
            created_at=utcnow(),
        )
    )
    db.session.flush()
    savepoint.rollback()


def queue_mail(
    to_address: str,
    template: str,
    *,
    member: Member | None = None,
    locale: str | None = None,
    dedupe_key: str | None = None,
    **context: Any,
) -> OutboxMessage | None:
    """Render `email/<template>.txt` (and `.html` when present) in the reader's language and
    add it to the outbox. With a `dedupe_key` the same message is queued only once."""
    if dedupe_key is not None and db.session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    ):
        return None
    subject, body_text, body_html = render_mail(template, member=member, locale=locale, **context)
    message = OutboxMessage(
        member_id=member.id if member else None,
        to_address=to_address,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        dedupe_key=dedupe_key,
        created_at=utcnow(),
    )
    if dedupe_key is None:
        db.session.add(message)
        db.session.flush()
    else:
        try:
            with db.session.begin_nested():
                db.session.add(message)
        except IntegrityError:
            return None
    db.session.info.setdefault(QUEUED_IN_SESSION, []).append(message.id)
    return message
