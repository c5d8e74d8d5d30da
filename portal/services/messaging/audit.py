"""The audit log people read: who did what to which record, and for which member.

Rows are only ever added (portal/models/audit.py: the database refuses changes).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import has_request_context

from portal.clock import utcnow
from portal.extensions import client_address, db
from portal.logs import current_request_id
from portal.models import AuditEntry, Member
from portal.models.base import Model

logger = logging.getLogger(__name__)


def _member_concerned(
    target: Model | None, member: Member | None, details: dict[str, Any] | None
) -> int | None:
    if member is not None:
        return member.id
    if isinstance(target, Member):
        return target.id
    from_details = (details or {}).get("member_id")
    if isinstance(from_details, int):
        return from_details
    from_target = getattr(target, "member_id", None)
    return from_target if isinstance(from_target, int) else None


def record_audit(
    action: str,
    *,
    actor: Member | None,
    target: Model | None = None,
    member: Member | None = None,
    summary: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add a row to the audit log. `member` is the member the action concerns when neither the
    target (a member, or a row with a member_id) nor details["member_id"] say it."""
    # current_user is a proxy: the row names the object behind it.
    target = getattr(target, "_get_current_object", lambda: target)()
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=type(target).__tablename__ if target is not None else None,
        target_id=getattr(target, "id", None),
        member_id=_member_concerned(target, member, details),
        summary=summary,
        details=details,
        ip_address=client_address() if has_request_context() else None,
        request_id=current_request_id(),
        created_at=utcnow(),
    )
    db.session.add(entry)
    db.session.flush()
    logger.info("audit %s by %r on %r", action, actor, target)
    return entry
