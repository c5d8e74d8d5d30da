"""The staff side. Every view here needs the staff role; a member gets 403."""

from __future__ import annotations

from portal.routes.admin import home, imports, members, purchases, rewards  # noqa: F401 (views)
from portal.routes.admin.blueprint import bp

__all__ = ["bp"]
