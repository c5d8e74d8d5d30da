"""CSV files of purchases uploaded by staff, kept between their preview and their import."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.models.base import Model, UTCDateTime

if TYPE_CHECKING:
    from portal.models.members import Member


class PurchaseImport(Model):
    """An uploaded CSV, stored in the database (not on one web host's disk) so that the
    import step reads exactly the file that was previewed, whichever host serves it. `digest`
    (SHA-256 of `content`) is carried by the preview's form: a file changed in between is
    refused. `imported_at` is set in the import's own transaction, so it happens once."""

    __tablename__ = "purchase_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)
    filename: Mapped[str] = mapped_column(String(200), default="")
    content: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    imported_count: Mapped[int | None] = mapped_column(Integer)
    skipped_count: Mapped[int | None] = mapped_column(Integer)

    uploaded_by: Mapped[Member | None] = relationship("Member")

    def __repr__(self) -> str:
        return f"<PurchaseImport {self.id} {self.filename!r}>"
