"""The audit log people read: who did what to which record."""

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


def record_audit(
    action: str,
    *,
    actor: Member | None,
    target: Model | None = None,
    summary: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=type(target).__tablename__ if target is not None else None,
        target_id=getattr(target, "id", None),
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
