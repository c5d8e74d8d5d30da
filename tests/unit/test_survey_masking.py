"""Personal data in answers is masked for staff: phones (+86 mobiles and landlines, found with
phonenumbers), emails, card numbers with a valid check digit, 18-digit ID numbers, WeChat IDs;
ordinary numbers (receipts, counts) stay."""

from __future__ import annotations

import pytest

from portal.services.surveys.masking import MASK, mask_personal_data


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("call 13800138000", "phone"),
        ("call +86 139-1234-5678", "phone"),
        ("call +86 13912345678", "phone"),
        ("tel 021 6288 1234", "phone"),
        ("write to lin.mei@example.com", "email"),
        ("card 4111 1111 1111 1111", "card"),
        ("card 4111-1111-1111-1111", "card"),
        ("身份证 11010519491231002X", "id_number"),
        ("ID 110105194912310021", "id_number"),
        ("微信号：lin_mei88", "wechat"),
        ("WeChat: linmei_88", "wechat"),
    ],
)
def test_personal_data_is_masked(text, kind):
    masked = mask_personal_data(text)
    assert kind in masked.found
    assert MASK in masked.text
    before = masked.text.split(MASK)[0]
    assert before and text.startswith(before)  # the words before it stay


@pytest.mark.parametrize(
    "text",
    [
        "receipt SH01-2026-000123 was fine",
        "I came 3 times, 5 stars 😊",
        "店员很热情，环境很好",
        "card 4111 1111 1111 1112",  # fails the check digit
        "1380013800",  # ten digits: not a mobile
    ],
)
def test_ordinary_text_stays(text):
    masked = mask_personal_data(text)
    assert masked.text == text and masked.found == ()
