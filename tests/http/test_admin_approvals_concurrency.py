"""Two admins approve the same points request at the same moment, each in their own
transaction: one approval writes the ledger entry, the other is told the request was already
decided. Runs on the suite's database (PostgreSQL with DATABASE_URL)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from portal.database import writing_transactions
from portal.extensions import db
from portal.models import LedgerEntry, Member, PointsAdjustmentRequest
from portal.services.members.adjustments import (
    AlreadyDecided,
    adjust_or_request_points,
    approve_request,
)
from portal.services.points.ledger import ledger_sum


def test_two_admins_approving_at_once_write_the_points_once(app, create_member, staff):
    lin = create_member(name="Lin Mei")
    admins = [create_member(name=f"Admin {n}", role="admin") for n in range(2)]
    outcome = adjust_or_request_points(lin, 900, reason="Lost receipt", staff=staff)
    db.session.commit()
    request_id = outcome.request.id
    admin_ids = [admin.id for admin in admins]
    start = threading.Barrier(2)
    results: list[str] = []

    def approve(admin_id: int) -> None:
        # Each thread is a writing transaction, as an admin's POST is (BEGIN IMMEDIATE on
        # SQLite).
        start.wait()
        with app.app_context(), writing_transactions():
            waiting = db.session.get(PointsAdjustmentRequest, request_id)
            admin = db.session.get(Member, admin_id)
            try:
                approve_request(waiting, admin=admin)
                db.session.commit()
                results.append("approved")
            except AlreadyDecided:
                db.session.rollback()
                results.append("already decided")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve, args=(admin_id,)) for admin_id in admin_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["already decided", "approved"]
    db.session.rollback()  # end this thread's own snapshot, to read what the admins wrote
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 1
    member = db.session.get(Member, lin.id)
    assert member.points_balance == 900 == ledger_sum(member)
    assert db.session.get(PointsAdjustmentRequest, request_id).status == "approved"
