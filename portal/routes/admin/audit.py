"""Staff: the audit log, newest first, with its filters (every filtered page is a link)."""

from __future__ import annotations

from flask import request

from portal.forms.audit import AuditFilterForm
from portal.routes.admin.blueprint import bp
from portal.services.messaging.audit_log import AuditQuery, Cursor, audit_page
from portal.web.rendering import render

AUDIT_FRAGMENTS = {"audit-log": "results"}


@bp.get("/audit")
def audit():
    form = AuditFilterForm(formdata=request.args)
    valid = form.validate()
    query = form.query() if valid else AuditQuery()
    page = audit_page(query, after=Cursor.parse(request.args.get("after"))) if valid else None
    return render(
        "admin/audit/index.html",
        fragments=AUDIT_FRAGMENTS,
        status=200 if valid else 422,
        form=form,
        page=page,
        filters={
            key: value
            for key, value in request.args.items()
            if key in ("actor", "member", "action", "from", "to") and value
        },
    )
