"""Reading a CSV file of purchases that staff upload: its encoding, size, header and rows, and
the template offered for download. What each row becomes is purchase_import.py."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from typing import IO

from flask_babel import lazy_gettext as _l

from portal.services.programme.refusals import Invalid

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
COLUMNS = ("member", "receipt_no", "amount", "currency", "purchased_at", "store")
ITEM_COLUMNS = ("sku", "name", "quantity", "unit_price")
# An upload that was previewed but never imported is deleted after this long.
# The first bytes of files people often pick by mistake.
SAVE_AS_CSV = _l(
    "This is an Excel workbook, not a CSV file. In Excel, choose Save As › CSV UTF-8, then "
    "upload that file."
)
NOT_CSV_SIGNATURES = (
    (b"PK\x03\x04", SAVE_AS_CSV),
    (b"\xd0\xcf\x11\xe0", SAVE_AS_CSV),
    (b"%PDF", _l("This is a PDF file, not a CSV file.")),
    (b"\x89PNG", _l("This is a picture, not a CSV file.")),
    (b"\xff\xd8\xff", _l("This is a picture, not a CSV file.")),
)


class ImportRejected(Invalid):
    """The file as a whole cannot be used; the message says why and what to do."""


# -- reading the file ------------------------------------------------------------------------


def read_upload(stream: IO[bytes]) -> str:
    """The text of an uploaded CSV file: at most 2 MB of UTF-8 (a byte order mark, as Excel
    writes it, is fine). Raises ImportRejected."""
    content = stream.read(MAX_IMPORT_BYTES + 1)
    if len(content) > MAX_IMPORT_BYTES:
        raise ImportRejected(
            _l("The file is larger than 2 MB. Split it into smaller files of at most 5,000 rows.")
        )
    if not content.strip():
        raise ImportRejected(_l("The file is empty."))
    for signature, message in NOT_CSV_SIGNATURES:
        if content.startswith(signature):
            raise ImportRejected(message)
    if b"\x00" in content:
        raise ImportRejected(_l("This is not a CSV file: it contains binary data."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected(
            _l("The file is not saved as UTF-8. In Excel, choose Save As › CSV UTF-8.")
        ) from None
    return text


def digest_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class CsvRow:
    number: int  # the row's number as a spreadsheet shows it (the header is row 1)
    cells: dict[str, str]


def read_rows(text: str) -> list[CsvRow]:
    """The data rows under a header of COLUMNS (and optionally ITEM_COLUMNS), blank rows left
    out. Raises ImportRejected for a wrong header, an unreadable line or too many rows."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise ImportRejected(_l("The file is empty."))
        names = [cell.strip().lower() for cell in header]
        _check_header(names)
        rows: list[CsvRow] = []
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_IMPORT_ROWS:
                raise ImportRejected(
                    _l(
                        "The file has more than %(count)s purchases. Split it into files of at "
                        "most %(count)s rows.",
                        count=f"{MAX_IMPORT_ROWS:,}",
                    )
                )
            if len(cells) > len(names):
                raise ImportRejected(
                    _l(
                        "Row %(row)d has more cells than the header has columns. Check for a "
                        "comma inside an amount or a name without quotes.",
                        row=number,
                    )
                )
            padded = cells + [""] * (len(names) - len(cells))
            rows.append(CsvRow(number, {n: v.strip() for n, v in zip(names, padded, strict=True)}))
    except csv.Error as error:
        raise ImportRejected(
            _l("Line %(line)d of the file cannot be read as CSV.", line=reader.line_num)
        ) from error
    if not rows:
        raise ImportRejected(_l("The file has a header but no purchases under it."))
    return rows


def _check_header(names: list[str]) -> None:
    expected = ", ".join(COLUMNS)
    missing = [name for name in COLUMNS if name not in names]
    unknown = [name for name in names if name not in COLUMNS + ITEM_COLUMNS]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if missing or unknown or repeated:
        problems = []
        if missing:
            problems.append(str(_l("missing: %(names)s", names=", ".join(missing))))
        if unknown:
            shown = ", ".join(name or str(_l("(empty)")) for name in unknown[:5])
            problems.append(str(_l("not known: %(names)s", names=shown)))
        if repeated:
            problems.append(str(_l("twice: %(names)s", names=", ".join(repeated))))
        raise ImportRejected(
            _l(
                "The first row must name the columns %(expected)s (and optionally sku, name, "
                "quantity, unit_price). Columns %(problems)s. Download the template to see "
                "the layout.",
                expected=expected,
                problems="; ".join(problems),
            )
        )


TEMPLATE_ROWS = (
    (
        "demo@example.com",
        "SH01-20260601-0001",
        "12800.00",
        "CNY",
        "2026-06-01 14:30",
        "Shanghai IFC",
        "RG-18K-0412",
        "18K rose gold ring",
        "1",
        "12800.00",
    ),
    (
        "8000 0000 0011",
        "BJ02-20260602-0017",
        "3650.50",
        "CNY",
        "2026-06-02T11:05:00+08:00",
        "Beijing SKP",
        "",
        "",
        "",
        "",
    ),
)


def template_csv() -> str:
    """The layout to fill in, with two example rows (with a BOM so Excel reads it as UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS + ITEM_COLUMNS)
    writer.writerows(TEMPLATE_ROWS)
    return "\ufeff" + buffer.getvalue()
