"""The KPI dashboard's numbers as CSV: points and counts as integers, rates as decimals with
RATE_DECIMALS places (0.2500), NPS with one decimal, money in minor units; an empty cell when
there is nothing to divide (no answers, nothing issued), never a misleading 0."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

RATE_DECIMALS = 4


def exported(value: Any, kind: str) -> str:
    """A figure for the CSV: integers, rates with 4 decimals, NPS with one."""
    if value is None:
        return ""
    if kind == "rate":
        return f"{float(value):.{RATE_DECIMALS}f}"
    if kind == "score":
        return f"{float(value):.1f}"
    return str(int(value))


def to_csv(header: list[str], rows: Iterable[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        # A cell starting with = + - @ would be read as a formula by a spreadsheet.
        writer.writerow(["'" + cell if _is_formula(cell) else cell for cell in row])
    return out.getvalue()


def _is_formula(cell: str) -> bool:
    if cell[:1] in ("=", "+", "@"):
        return True
    if not cell.startswith("-"):
        return False
    try:
        Fraction(cell)
    except ValueError:
        return True
    return False
