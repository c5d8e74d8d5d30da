"""Importing purchases from a CSV file that staff upload: read the file, preview what each row
will become (or why it is wrong), then import every valid row in one transaction.

The file is kept in the database between the two steps (models/imports.py). The import step
reads that stored copy again, checks it is the file that was previewed (its SHA-256) and
validates it again: what it imports is decided on the server, never taken from the browser.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from portal.clock import utcnow
from portal.database import changed_rows
from portal.extensions import db
from portal.models import Member, Purchase, PurchaseImport, Tier
from portal.services.messaging.audit import record_audit
from portal.services.points.earning import compute_earning
from portal.services.programme.money import amount_text
from portal.services.programme.refusals import Conflict
from portal.services.programme.settings import programme_settings
from portal.services.purchases.csv_file import COLUMNS, ITEM_COLUMNS, CsvRow, digest_of, read_rows
from portal.services.purchases.input import InvalidPurchase, PurchaseInput, parse_purchase
from portal.services.purchases.recording import check_amount_for_channel, record_checked_purchase

logger = logging.getLogger(__name__)

KEEP_UNIMPORTED = timedelta(days=2)


class ImportChanged(Conflict):
    """The stored file, or what it would import, is not what the preview showed."""


# -- the preview -----------------------------------------------------------------------------

IMPORT, INVALID, DUPLICATE, RECORDED, CONFLICT = (
    "import",
    "invalid",
    "duplicate",
    "recorded",
    "conflict",
)


@dataclass
class PlannedRow:
    number: int
    cells: dict[str, str]
    status: str = IMPORT
    purchase: PurchaseInput | None = None
    errors: dict[str, str] = field(default_factory=dict)
    estimated_points: int | None = None
    existing: Purchase | None = None

    @property
    def will_import(self) -> bool:
        return self.status == IMPORT


@dataclass
class ImportPlan:
    rows: list[PlannedRow]

    @property
    def to_import(self) -> list[PlannedRow]:
        return [row for row in self.rows if row.status == IMPORT]

    def purchases_to_import(self) -> list[tuple[int, PurchaseInput]]:
        """Each row to import, by its number, with the purchase it records (every row that
        passed the checks has one)."""
        return [(row.number, row.purchase) for row in self.to_import if row.purchase is not None]

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def skipped(self) -> int:
        return len(self.rows) - len(self.to_import)

    @property
    def total_amount(self) -> int:
        return sum(purchase.amount for _, purchase in self.purchases_to_import())

    @property
    def estimated_points(self) -> int:
        return sum(row.estimated_points or 0 for row in self.to_import)

    def fingerprint(self) -> str:
        """What the import would write: changes when any row to import changes."""
        lines = [
            f"{number}|{purchase.receipt_no}|{purchase.member.id}|"
            f"{purchase.amount}|{purchase.purchased_at.isoformat()}"
            for number, purchase in self.purchases_to_import()
        ]
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _raw_purchase(cells: dict[str, str]) -> dict[str, Any]:
    raw: dict[str, Any] = {name: cells.get(name, "") for name in COLUMNS}
    if any(cells.get(name) for name in ITEM_COLUMNS):
        item: dict[str, str | None] = {"sku": cells.get("sku", ""), "name": cells.get("name", "")}
        if cells.get("quantity"):
            item["quantity"] = cells["quantity"]
        item["unit_price"] = cells.get("unit_price") or None
        raw["items"] = [item]
    return raw


def _column_of(error_key: str) -> str:
    """`items[0].unit_price` -> `unit_price`: a CSV row has at most one item."""
    if error_key.startswith("items"):
        return error_key.rsplit(".", 1)[-1] if "." in error_key else "name"
    return error_key


def plan_import(rows: list[CsvRow], *, now: datetime | None = None) -> ImportPlan:
    """Check every row as the API would (services/purchase_input.py), then against the other
    rows of the file and the receipts already recorded. Estimated points use each member's
    tier today (an upgrade during the import may give more)."""
    planned: list[PlannedRow] = []
    for row in rows:
        entry = PlannedRow(row.number, row.cells)
        try:
            entry.purchase = parse_purchase(_raw_purchase(row.cells), now=now)
            check_amount_for_channel(entry.purchase.amount, entry.purchase.currency, "import")
        except InvalidPurchase as invalid:
            entry.purchase = None
            entry.status = INVALID
            for key, message in invalid.errors.items():
                entry.errors.setdefault(_column_of(key), str(message))
        planned.append(entry)

    first_row_of: dict[str, int] = {}
    for entry in planned:
        if entry.purchase is None:
            continue
        receipt = entry.purchase.receipt_no
        if receipt in first_row_of:
            entry.status = DUPLICATE
            entry.errors["receipt_no"] = str(
                _l(
                    "Receipt %(receipt)s is already in row %(row)d of this file.",
                    receipt=receipt,
                    row=first_row_of[receipt],
                )
            )
        else:
            first_row_of[receipt] = entry.number

    existing = _recorded_receipts(list(first_row_of))
    tiers = {tier.code: tier for tier in db.session.scalars(select(Tier))}
    for entry in planned:
        checked = entry.purchase
        if entry.status != IMPORT or checked is None:
            continue
        found = existing.get(checked.receipt_no)
        if found is not None:
            entry.existing = found
            if found.member_id == checked.member.id and found.amount == checked.amount:
                entry.status = RECORDED
            else:
                entry.status = CONFLICT
                entry.errors["receipt_no"] = str(
                    _l(
                        "Receipt %(receipt)s is already recorded for another member or amount.",
                        receipt=checked.receipt_no,
                    )
                )
            continue
        entry.estimated_points = compute_earning(
            checked.member,
            tiers[checked.member.tier_code],
            amount=checked.amount,
            currency=checked.currency,
            purchased_at=checked.purchased_at,
        ).points
    return ImportPlan(planned)


def _recorded_receipts(receipts: list[str]) -> dict[str, Purchase]:
    found: dict[str, Purchase] = {}
    for start in range(0, len(receipts), 500):
        chunk = receipts[start : start + 500]
        for purchase in db.session.scalars(select(Purchase).where(Purchase.receipt_no.in_(chunk))):
            found[purchase.receipt_no] = purchase
    return found


# -- storing and importing -------------------------------------------------------------------


def store_upload(text: str, *, filename: str, row_count: int, staff: Member) -> PurchaseImport:
    """Keep a checked file until it is imported (or for KEEP_UNIMPORTED)."""
    upload = PurchaseImport(
        token=secrets.token_urlsafe(32)[:43],
        filename=(filename or "")[:200],
        content=text,
        digest=digest_of(text),
        row_count=row_count,
        uploaded_by_id=staff.id,
        created_at=utcnow(),
    )
    db.session.add(upload)
    db.session.flush()
    logger.info("purchase file %r uploaded by %r: %d rows", upload, staff, row_count)
    return upload


def find_upload(token: str, staff: Member) -> PurchaseImport | None:
    """The staff member's own upload; None for an unknown token or somebody else's."""
    if not token or len(token) > 43:
        return None
    return db.session.scalar(
        select(PurchaseImport).where(
            PurchaseImport.token == token, PurchaseImport.uploaded_by_id == staff.id
        )
    )


def stored_plan(upload: PurchaseImport, *, now: datetime | None = None) -> ImportPlan:
    """Read and check the stored file again. Raises ImportChanged when it is not the file
    that was uploaded."""
    if digest_of(upload.content) != upload.digest:
        raise ImportChanged
    return plan_import(read_rows(upload.content), now=now)


@dataclass
class ImportResult:
    imported: int
    skipped: int
    points: int


def import_purchases(
    upload: PurchaseImport, *, digest: str, fingerprint: str, staff: Member
) -> ImportResult:
    """Record every valid row of the previewed file (channel "import"), all in the caller's
    transaction: a failure on any row leaves nothing recorded. Refuses (ImportChanged) when the
    stored file's digest is not the previewed one, or the rows to import are not those the
    preview showed (a receipt recorded meanwhile, a member who left)."""
    if upload.imported_at is not None:
        raise ValueError("this file is already imported")
    if not secrets.compare_digest(digest, upload.digest):
        raise ImportChanged
    plan = stored_plan(upload)
    if not secrets.compare_digest(fingerprint, plan.fingerprint()):
        raise ImportChanged
    points = 0
    imported = 0
    for _, checked in plan.purchases_to_import():
        purchase, created = record_checked_purchase(checked, channel="import", recorded_by=staff)
        if created:
            imported += 1
            points += purchase.points_awarded
    skipped = len(plan.rows) - imported
    upload.imported_at = utcnow()
    upload.imported_count = imported
    upload.skipped_count = skipped
    record_audit(
        "purchase.import",
        actor=staff,
        target=upload,
        summary=(
            f"{imported} purchases imported from {upload.filename or 'a CSV file'}, "
            f"{skipped} rows skipped"
        ),
        details={
            "imported": imported,
            "skipped": skipped,
            "points": points,
            "rows": len(plan.rows),
            "amount": amount_text(plan.total_amount, programme_settings().currency),
            "digest": upload.digest,
        },
    )
    db.session.flush()
    logger.info("%r imported by %r: %d purchases, %d skipped", upload, staff, imported, skipped)
    return ImportResult(imported=imported, skipped=skipped, points=points)


def forget_old_uploads(now: datetime | None = None) -> int:
    """Delete files previewed but never imported after KEEP_UNIMPORTED; imported ones stay as
    the record of what was imported."""
    now = now or utcnow()
    result = db.session.execute(
        delete(PurchaseImport).where(
            PurchaseImport.imported_at.is_(None), PurchaseImport.created_at < now - KEEP_UNIMPORTED
        )
    )
    return changed_rows(result) or 0
