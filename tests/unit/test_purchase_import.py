"""The rules of the CSV import: which files are read, and what each row becomes."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from portal.services.purchases.csv_file import ImportRejected, read_rows, read_upload
from portal.services.purchases.csv_import import (
    CONFLICT,
    DUPLICATE,
    IMPORT,
    INVALID,
    RECORDED,
    plan_import,
)

HEADER = "member,receipt_no,amount,currency,purchased_at,store\n"


def test_a_byte_order_mark_and_crlf_are_fine():
    text = read_upload(io.BytesIO(("\ufeff" + HEADER + "a@b.c,R-1,1,CNY,2026-01-01,\r\n").encode()))
    rows = read_rows(text)
    assert rows[0].cells["member"] == "a@b.c" and rows[0].number == 2


def test_headers_are_read_whatever_their_case_and_order():
    rows = read_rows(
        "Store, AMOUNT ,member,receipt_no,currency,purchased_at\nIFC,5,a@b.c,R,CNY,x\n"
    )
    assert rows[0].cells == {
        "store": "IFC",
        "amount": "5",
        "member": "a@b.c",
        "receipt_no": "R",
        "currency": "CNY",
        "purchased_at": "x",
    }


def test_blank_rows_are_left_out_but_numbering_follows_the_file():
    rows = read_rows(HEADER + "a,1,1,CNY,x,\n,,,,,\n\nb,2,1,CNY,x,\n")
    assert [row.number for row in rows] == [2, 5]


def test_a_row_with_too_many_cells_is_refused():
    with pytest.raises(ImportRejected, match="Row 2 has more cells"):
        read_rows(HEADER + "a@b.c,R-1,1,234.00,CNY,2026-01-01,IFC\n")


def test_a_quoted_amount_with_a_comma_is_one_cell():
    rows = read_rows(HEADER + 'a@b.c,R-1,"1,234.00",CNY,2026-01-01,IFC\n')
    assert rows[0].cells["amount"] == "1,234.00"


@pytest.fixture
def lin(create_member):
    return create_member(name="Lin Mei", email="lin.mei@example.com")


def test_each_row_gets_one_status(lin, create_purchase, clock):
    create_purchase(lin, amount="100.00", receipt_no="R-OLD")
    create_purchase(lin, amount="100.00", receipt_no="R-OTHER")
    rows = read_rows(
        HEADER
        + "lin.mei@example.com,R-1,100.00,CNY,2026-06-01 10:00,\n"
        + "lin.mei@example.com,R-1,100.00,CNY,2026-06-01 10:00,\n"
        + "lin.mei@example.com,R-OLD,100.00,CNY,2026-06-01 10:00,\n"
        + "lin.mei@example.com,R-OTHER,999.00,CNY,2026-06-01 10:00,\n"
        + "lin.mei@example.com,R-2,,CNY,2026-06-01 10:00,\n"
    )
    plan = plan_import(rows)
    assert [row.status for row in plan.rows] == [IMPORT, DUPLICATE, RECORDED, CONFLICT, INVALID]
    assert plan.rows[4].errors == {"amount": "Enter an amount, such as 123.45."}
    assert plan.rows[0].estimated_points == 100
    assert len(plan.to_import) == 1 and plan.skipped == 4


def test_an_item_error_is_shown_under_its_column(lin, clock):
    rows = read_rows(
        "member,receipt_no,amount,currency,purchased_at,store,name,quantity,unit_price\n"
        "lin.mei@example.com,R-1,100.00,CNY,2026-06-01 10:00,,Ring,zero,\n"
    )
    [row] = plan_import(rows).rows
    assert row.status == INVALID
    assert set(row.errors) == {"quantity", "unit_price"}


def test_the_fingerprint_changes_with_what_would_be_imported(lin, clock):
    body = HEADER + "lin.mei@example.com,R-1,100.00,CNY,2026-06-01 10:00,\n"
    first = plan_import(read_rows(body)).fingerprint()
    assert first == plan_import(read_rows(body)).fingerprint()
    assert first != plan_import(read_rows(body.replace("100.00", "100.01"))).fingerprint()


def test_a_date_is_read_in_the_programme_zone(lin, clock):
    [row] = plan_import(
        read_rows(HEADER + "lin.mei@example.com,R-1,1,CNY,2026-06-01 08:00,\n")
    ).rows
    assert row.purchase.purchased_at == datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
