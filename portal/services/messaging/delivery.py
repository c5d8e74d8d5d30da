"""Delivery of the outbox: after the transaction that queued a message commits, in a thread
with its own database session, and again by `run-jobs` for whatever is still pending.

A slow or failing SMTP server never fails or delays the request that queued the message, and
never loses it: each message is claimed with a conditional UPDATE, sent with no transaction
open, and marked sent (or left pending with the error) in its own small commit. This is the
one place outside a request or command edge that commits, because each step must stand on its
own whatever happens to the next.

Delivery is at least once: a message is marked sent only after the server said it accepted
it, so a failure before that (refused, timed out, connection dropped, the process killed
while sending: its claim lapses after CLAIM_TIMEOUT) sends it again later. Two copies go out only
when the server accepted a message but the portal never learnt it (the reply lost, or the
process killed before marking it sent); both then carry the same Message-ID, by which mail
clients show one. At most once
would lose a password reset or a voucher mail on every such failure instead.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session
from werkzeug.local import LocalProxy

from portal.clock import utcnow
from portal.database import changed_rows, writing_transactions
from portal.extensions import db
from portal.models import OutboxMessage
from portal.services.messaging.mail import QUEUED_IN_SESSION

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=10)


_delivery_installed = False


def install_after_commit_delivery() -> None:
    """Deliver the messages a transaction queued once it has committed (and never if it rolls
    back: they are gone with it). Installed once per process, on the shared scoped session."""
    global _delivery_installed
    if _delivery_installed:
        return
    _delivery_installed = True
    event.listen(db.session, "after_commit", _deliver_committed)
    event.listen(db.session, "after_rollback", _forget_rolled_back)


def _deliver_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # SQLAlchemy also calls after_commit when a SAVEPOINT is released: not yet ours
    ids = session.info.pop(QUEUED_IN_SESSION, None)
    if not ids or not has_app_context():
        return
    app = cast(LocalProxy[Flask], current_app)._get_current_object()
    mode = app.config["MAIL_DELIVERY"]
    if mode == "off":
        return
    worker = threading.Thread(
        target=_deliver_in_context, args=(app, ids), name="mail-delivery", daemon=False
    )
    worker.start()
    if mode == "inline":
        worker.join()


def _forget_rolled_back(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT rolled back; what the outer transaction queued still stands
    session.info.pop(QUEUED_IN_SESSION, None)


def _deliver_in_context(app: Flask, ids: list[int]) -> None:
    with app.app_context(), writing_transactions():
        try:
            deliver_pending(ids=ids)
        finally:
            db.session.remove()


def deliver_pending(ids: list[int] | None = None, limit: int = 200) -> int:
    """Send pending messages (those given, or all). Each is claimed first with a conditional
    UPDATE so two workers never send the same message; returns how many were sent."""
    query = select(OutboxMessage.id).where(OutboxMessage.status != "sent")
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    candidates = db.session.scalars(query.order_by(OutboxMessage.id).limit(limit)).all()
    db.session.commit()
    sent = 0
    for message_id in candidates:
        if _claim(message_id) and _send_claimed(message_id):
            sent += 1
    return sent


def _claim(message_id: int) -> bool:
    now = utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            or_(
                OutboxMessage.status == "pending",
                (OutboxMessage.status == "sending")
                & (OutboxMessage.claimed_at < now - CLAIM_TIMEOUT),
            ),
        )
        .values(status="sending", claimed_at=now, attempts=OutboxMessage.attempts + 1)
    )
    db.session.commit()
    return changed_rows(result) == 1


def _send_claimed(message_id: int) -> bool:
    message = db.session.get_one(OutboxMessage, message_id)
    email = build_email(message)
    # No transaction stays open while the SMTP server takes its time.
    db.session.commit()
    try:
        transport_send(email, message_id=message_id)
    except Exception as exc:  # noqa: BLE001 - any failure leaves it for the next run
        logger.warning("mail %s to be retried: %s", message_id, type(exc).__name__)
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status="pending", last_error=f"{type(exc).__name__}: {exc}"[:500])
        )
        db.session.commit()
        return False
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status="sent", sent_at=utcnow(), last_error=None)
    )
    db.session.commit()
    logger.info("mail %s sent", message_id)
    return True


def message_id_header(message: OutboxMessage) -> str:
    """The same Message-ID on every attempt at one outbox message (a retry after a lost reply
    is then recognised as the same mail), unique per message and per portal (its host)."""
    domain = urlsplit(current_app.config["PORTAL_BASE_URL"]).hostname or "portal"
    return f"<outbox.{message.id}.{message.created_at:%Y%m%d%H%M%S%f}@{domain}>"


def build_email(message: OutboxMessage) -> EmailMessage:
    config = current_app.config
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.to_address
    email["Message-ID"] = message_id_header(message)
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


def transport_send(email: EmailMessage, *, message_id: int) -> None:
    """Hand the message to SMTP, or, with no MAIL_SERVER (development), write it to
    instance/outbox/ and the log so the links in it can be followed."""
    config = current_app.config
    if not config["MAIL_SERVER"]:
        outbox = Path(config["MAIL_OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        path = outbox / f"{message_id:06d}.eml"
        path.write_bytes(bytes(email))
        plain = email.get_body(preferencelist=("plain",))
        logger.info(
            "development mail to %s, %r, written to %s\n%s",
            email["To"],
            email["Subject"],
            path,
            plain.get_content() if plain is not None else "",
        )
        return
    timeout = config["MAIL_TIMEOUT"]
    smtp: smtplib.SMTP
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(
            config["MAIL_SERVER"],
            config["MAIL_PORT"],
            timeout=timeout,
            context=ssl.create_default_context(),
        )
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
    with smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)
