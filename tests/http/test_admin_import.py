"""Importing purchases from a CSV file: preview, then all valid rows in one transaction."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.models import AuditEntry, LedgerEntry, Member, Purchase, PurchaseImport
from portal.services.purchases import csv_file, csv_import
from tests.conftest import csrf_token_from, form_post

HEADER = "member,receipt_no,amount,currency,purchased_at,store,sku,name,quantity,unit_price\n"
CONFIRM = re.compile(r'<form method="post" action="(/admin/purchases/import/[^"]+)"')


def _upload(client, content: bytes | str, filename="purchases.csv"):
    if isinstance(content, str):
        content = content.encode("utf-8")
    token = csrf_token_from(client.get("/admin/purchases/import").get_data(as_text=True))
    return client.post(
        "/admin/purchases/import",
        data={"csrf_token": token, "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def _confirm_fields(html: str) -> dict:
    fields = dict(re.findall(r'name="(csrf_token|digest|fingerprint)"[^>]*value="([^"]+)"', html))
    assert set(fields) == {"csrf_token", "digest", "fingerprint"}, fields
    return fields


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def people(create_member, create_purchase, clock):
    lin = create_member(name="Lin Mei", email="lin.mei@example.com")
    wang = create_member(name="Wang Fang", email="wang.fang@example.com")
    create_purchase(lin, amount="500.00", receipt_no="SH01-OLD-0001")
    create_purchase(lin, amount="800.00", receipt_no="SH01-OLD-0002")
    return lin, wang


def _mixed_file(wang_card: str) -> str:
    return HEADER + (
        "lin.mei@example.com,SH01-NEW-0001,1000.00,CNY,2026-06-01 14:30,Shanghai IFC,"
        "RG-1,Gold ring,1,1000.00\n"
        f"{wang_card},BJ02-NEW-0002,250.50,cny,2026-06-02T10:00:00+08:00,Beijing SKP,,,,\n"
        "lin.mei@example.com,SH01-OLD-0001,500.00,CNY,2026-06-10 10:00,Shanghai IFC,,,,\n"
        "nobody@example.com,SH01-NEW-0003,12.345,USD,2027-01-01 10:00,,,,,\n"
        "lin.mei@example.com,SH01-NEW-0001,1000.00,CNY,2026-06-01 14:30,Shanghai IFC,,,,\n"
        "wang.fang@example.com,SH01-OLD-0002,800.00,CNY,2026-06-03 10:00,,,,,\n"
        "\n"
    )


# -- access ----------------------------------------------------------------------------------


def test_members_cannot_import(client, login, people):
    login()
    assert client.get("/admin/purchases/import").status_code == 403
    assert client.get("/admin/purchases/import/template.csv").status_code == 403
    assert _upload(client, HEADER).status_code == 403


def test_another_staff_members_upload_is_not_found(client, login, people, create_member):
    login("staff")
    response = _upload(client, _mixed_file("x"))
    preview = response.headers["Location"]
    form_post(client, "/logout", token_from="/dashboard")
    login("staff")
    assert client.get(preview).status_code == 404


# -- the preview -----------------------------------------------------------------------------


def test_the_preview_shows_each_row_and_why(client, login, people):
    lin, wang = people
    login("staff")
    card = db.session.get(Member, wang.id).card_number
    response = _upload(client, "\ufeff" + _mixed_file(card))
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)

    assert "Import 2 purchases" in html
    assert "Wang Fang" in html and "¥250.50" in html
    assert "about 1,000 points" in html and "about 250 points" in html
    assert "Already recorded, will be skipped" in html
    # Row 5: every wrong field says why.
    assert "No member has this email address." in html
    # USD is refused, so 12.345 is read as yuan: one decimal too many.
    assert "CNY amounts have at most 2 decimals." in html
    assert "This programme takes purchases in CNY only, not USD." in html
    assert "The purchase date is in the future." in html
    # Row 6 repeats row 2; row 7 names a receipt recorded for another member.
    assert "Receipt SH01-NEW-0001 is already in row 2 of this file." in html
    assert "already recorded for another member or amount" in html
    # Nothing is recorded by a preview.
    assert _count(Purchase) == 2


def test_importing_records_every_valid_row_once(client, login, people, staff):
    lin, wang = people
    login(staff)
    card = db.session.get(Member, wang.id).card_number
    preview = _upload(client, _mixed_file(card)).headers["Location"]
    fields = _confirm_fields(client.get(preview).get_data(as_text=True))

    response = client.post(preview, data=fields)
    assert response.status_code == 303
    purchases = db.session.scalars(
        select(Purchase).where(Purchase.channel == "import").order_by(Purchase.receipt_no)
    ).all()
    assert [(p.receipt_no, p.amount, p.recorded_by_id) for p in purchases] == [
        ("BJ02-NEW-0002", 25_050, staff.id),
        ("SH01-NEW-0001", 100_000, staff.id),
    ]
    assert purchases[1].items[0].name == "Gold ring"
    assert db.session.get(Member, lin.id).points_balance == 500 + 800 + 1000
    assert db.session.get(Member, wang.id).points_balance == 250
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "purchase.import"))
    assert audit.details["imported"] == 2 and audit.details["skipped"] == 4
    result = client.get(preview).get_data(as_text=True)
    assert "Purchases imported" in result and "2 purchases imported, 4 rows skipped" in result

    # The same form again imports nothing more.
    again = client.post(preview, data=fields)
    assert again.status_code == 303
    assert _count(Purchase) == 4
    assert "already imported" in client.get(preview).get_data(as_text=True)


def test_a_failure_mid_import_leaves_nothing_recorded(client, login, people, monkeypatch):
    lin, wang = people
    login("staff")
    body = HEADER + "".join(
        f"lin.mei@example.com,SH01-BULK-{n:04d},100.00,CNY,2026-06-01 10:00,,,,,\n"
        for n in range(5)
    )
    preview = _upload(client, body).headers["Location"]
    fields = _confirm_fields(client.get(preview).get_data(as_text=True))

    real = csv_import.record_checked_purchase
    calls = []

    def failing(*args, **kwargs):
        calls.append(args[0].receipt_no)
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(csv_import, "record_checked_purchase", failing)
    response = client.post(preview, data=fields)
    assert response.status_code == 500
    assert "Nothing was imported" in response.get_data(as_text=True)
    assert len(calls) == 3
    assert _count(Purchase) == 2
    assert db.session.get(Member, lin.id).points_balance == 1300
    assert (
        db.session.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.member_id == lin.id))
        == 2
    )
    assert db.session.scalar(select(PurchaseImport.imported_at)) is None

    monkeypatch.setattr(csv_import, "record_checked_purchase", real)
    assert client.post(preview, data=fields).status_code == 303
    assert _count(Purchase) == 7


def test_a_changed_stored_file_is_refused(client, login, people):
    login("staff")
    body = HEADER + "lin.mei@example.com,SH01-CHG-0001,100.00,CNY,2026-06-01 10:00,,,,,\n"
    preview = _upload(client, body).headers["Location"]
    fields = _confirm_fields(client.get(preview).get_data(as_text=True))
    db.session.execute(update(PurchaseImport).values(content=body.replace("100.00", "99999.00")))
    db.session.commit()
    response = client.post(preview, data=fields)
    assert response.status_code == 409
    assert "not the file that was uploaded" in response.get_data(as_text=True)
    assert _count(Purchase) == 2


def test_a_tampered_form_is_refused(client, login, people):
    login("staff")
    body = HEADER + "lin.mei@example.com,SH01-TMP-0001,100.00,CNY,2026-06-01 10:00,,,,,\n"
    preview = _upload(client, body).headers["Location"]
    fields = _confirm_fields(client.get(preview).get_data(as_text=True))
    response = client.post(preview, data=fields | {"digest": "0" * 64})
    assert response.status_code == 409
    assert "Nothing was imported" in response.get_data(as_text=True)
    assert _count(Purchase) == 2


def test_a_receipt_recorded_after_the_preview_makes_the_import_refused(
    client, login, people, create_purchase
):
    lin, wang = people
    login("staff")
    body = HEADER + (
        "lin.mei@example.com,SH01-RACE-0001,100.00,CNY,2026-06-01 10:00,,,,,\n"
        "lin.mei@example.com,SH01-RACE-0002,200.00,CNY,2026-06-01 11:00,,,,,\n"
    )
    preview = _upload(client, body).headers["Location"]
    fields = _confirm_fields(client.get(preview).get_data(as_text=True))
    create_purchase(db.session.get(Member, wang.id), amount="300.00", receipt_no="SH01-RACE-0002")
    response = client.post(preview, data=fields)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "changed since this preview" in html and "Import 1 purchase" in html
    assert _count(Purchase) == 3


# -- files that cannot be used ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"", "empty.csv", "The file is empty."),
        (b"PK\x03\x04" + b"\x00" * 100, "purchases.xlsx", "Excel workbook"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "photo.png", "picture, not a CSV"),
        ("receipt;amount\n".encode("utf-16"), "utf16.csv", "not a CSV file"),
        (b"member,receipt_no,amount\n", "short.csv", "missing: currency, purchased_at"),
        (
            (HEADER.replace("receipt_no", "reciept_no")).encode(),
            "typo.csv",
            "not known: reciept_no",
        ),
        (HEADER.encode(), "header-only.csv", "no purchases under it"),
        ("member,receipt_no\n".encode("gb18030") + "张三".encode("gb18030"), "gbk.csv", "UTF-8"),
    ],
)
def test_unusable_files_are_explained(client, login, people, content, filename, message):
    login("staff")
    response = _upload(client, content, filename)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html, html[html.find("field-error") - 200 :][:600]
    assert _count(PurchaseImport) == 0


def test_a_file_over_2_mb_or_5000_rows_is_refused(client, login, people):
    login("staff")
    row = "lin.mei@example.com,SH01-BIG-{:06d},100.00,CNY,2026-06-01 10:00,,,,,\n"
    too_many = HEADER + "".join(row.format(n) for n in range(5001))
    response = _upload(client, too_many)
    assert response.status_code == 422
    assert "more than 5,000 purchases" in response.get_data(as_text=True)
    too_big = HEADER + "x" * (2 * 1024 * 1024)
    response = _upload(client, too_big)
    assert response.status_code == 422
    assert "larger than 2 MB" in response.get_data(as_text=True)
    assert _count(PurchaseImport) == 0


def test_no_file_chosen(client, login):
    login("staff")
    token = csrf_token_from(client.get("/admin/purchases/import").get_data(as_text=True))
    response = client.post(
        "/admin/purchases/import", data={"csrf_token": token}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "Choose the CSV file" in response.get_data(as_text=True)


def test_the_template_can_be_downloaded_and_reads_back(client, login, app):
    login("staff")
    response = client.get("/admin/purchases/import/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    assert text.startswith("member,receipt_no,amount,currency,purchased_at,store")
    rows = csv_file.read_rows(text)
    assert len(rows) == 2 and rows[0].cells["name"] == "18K rose gold ring"


def test_a_row_above_max_purchase_amount_is_refused_and_left_for_the_desk(client, login, people):
    login("staff")
    response = _upload(
        client,
        HEADER
        + "lin.mei@example.com,SH01-BIG-0001,2000000.01,CNY,2026-06-01 14:30,Shanghai IFC,,,,\n"
        + "lin.mei@example.com,SH01-BIG-0002,2000000.00,CNY,2026-06-01 14:30,Shanghai IFC,,,,\n",
    )
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Import 1 purchase" in html
    assert "our staff record it at the desk, with a reason" in html
