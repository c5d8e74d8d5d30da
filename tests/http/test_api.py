"""The till API (DESIGN.md, "API"): Bearer tokens, purchases, returns, member lookup."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import ApiToken, LedgerEntry, Purchase
from portal.services.purchases.api_tokens import create_api_token, revoke_api_token


@pytest.fixture
def api_token(app):
    _token, plaintext = create_api_token("Shanghai IFC till 1")
    db.session.commit()
    return plaintext


@pytest.fixture
def api(client, api_token):
    """api.post(path, json) / api.get(path) with the till's token."""

    class Till:
        headers = {"Authorization": f"Bearer {api_token}"}

        def post(self, path, json=None, **kwargs):
            return client.post(path, json=json, headers=self.headers, **kwargs)

        def get(self, path):
            return client.get(path, headers=self.headers)

    return Till()


@pytest.fixture
def sale(member, clock):
    """A valid purchase body for the `member` fixture."""
    return {
        "member": member.email,
        "receipt_no": "SH01-2026-000123",
        "amount": "1234.50",
        "currency": "CNY",
        "purchased_at": (clock.now() - timedelta(minutes=10)).isoformat(),
        "store": "Shanghai IFC",
        "items": [
            {"sku": "PD-18K-07", "name": "18K gold pendant", "quantity": 1, "unit_price": "1234.50"}
        ],
    }


def earn_count():
    return db.session.scalar(
        select(db.func.count(LedgerEntry.id)).where(LedgerEntry.kind == "earn")
    )


def test_a_purchase_is_recorded_with_its_points(api, sale, member):
    response = api.post("/api/v1/purchases", sale)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    purchase = db.session.get(Purchase, body["purchase_id"])
    assert body == {
        "purchase_id": purchase.id,
        "points_awarded": 1234,
        "balance": 1234,
        "tier": "member",
    }
    assert purchase.amount == 123450 and purchase.channel == "api"
    assert purchase.api_token_id is not None
    assert [(i.name, i.quantity, i.unit_price) for i in purchase.items] == [
        ("18K gold pendant", 1, 123450)
    ]
    db.session.refresh(member)
    assert member.points_balance == 1234


def test_the_member_may_be_given_by_card_number(api, sale, member):
    sale["member"] = " ".join(member.card_number[i : i + 4] for i in range(0, 12, 4))
    assert api.post("/api/v1/purchases", sale).status_code == 201


def test_json_numbers_are_read_exactly(api, sale):
    response = api.post(
        "/api/v1/purchases",
        None,
        data=json.dumps(sale | {"receipt_no": "R-9", "amount": "AMOUNT", "items": []}).replace(
            '"AMOUNT"', "19.99"
        ),
        content_type="application/json",
    )
    assert response.status_code == 201
    assert db.session.get(Purchase, response.get_json()["purchase_id"]).amount == 1999


def test_the_same_receipt_again_answers_200_with_the_same_body(api, sale):
    first = api.post("/api/v1/purchases", sale)
    again = api.post("/api/v1/purchases", sale)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert earn_count() == 1


@pytest.mark.parametrize("change", [{"amount": "1234.51"}, {"member": "other.member@example.com"}])
def test_the_same_receipt_with_another_member_or_amount_is_409(api, sale, create_member, change):
    create_member(email="other.member@example.com")
    assert api.post("/api/v1/purchases", sale).status_code == 201
    response = api.post("/api/v1/purchases", sale | change)
    assert response.status_code == 409
    assert response.get_json()["error"] == "conflict"
    assert "receipt_no" in response.get_json()["errors"]
    assert earn_count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer mlp_not-a-real-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
    ],
)
def test_without_a_valid_token_the_answer_is_401_json(client, sale, headers):
    response = client.post("/api/v1/purchases", json=sale, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert db.session.scalar(select(db.func.count(Purchase.id))) == 0


def test_a_revoked_token_is_refused_and_a_used_one_remembers_when(client, sale, api_token):
    token = db.session.scalar(select(ApiToken))
    assert token.last_used_at is None
    headers = {"Authorization": f"Bearer {api_token}"}
    assert client.post("/api/v1/purchases", json=sale, headers=headers).status_code == 201
    db.session.refresh(token)
    assert token.last_used_at is not None
    revoke_api_token(token)
    db.session.commit()
    sale["receipt_no"] = "SH01-2026-000124"
    assert client.post("/api/v1/purchases", json=sale, headers=headers).status_code == 401


def test_only_the_hash_of_a_token_is_stored(api_token):
    token = db.session.scalar(select(ApiToken))
    assert api_token not in (token.token_hash, token.prefix)
    assert len(token.token_hash) == 64 and api_token.startswith(token.prefix)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"amount": "12.345"}, "amount", "at most 2 decimals"),
        ({"amount": "-10.00"}, "amount", "negative"),
        ({"amount": "0"}, "amount", "more than zero"),
        ({"amount": "999999999999"}, "amount", "too large"),
        ({"amount": "twelve"}, "amount", "number"),
        ({"amount": None}, "amount", "Enter an amount"),
        ({"member": "nobody@example.com"}, "member", "No member"),
        ({"member": "660000000000"}, "member", "not a valid card number"),
        ({"member": ""}, "member", "email or card number"),
        ({"currency": "USD"}, "currency", "CNY only"),
        ({"currency": "XYZ"}, "currency", "not a currency"),
        ({"currency": None}, "currency", "currency code"),
        ({"purchased_at": "2099-01-01T00:00:00+08:00"}, "purchased_at", "future"),
        ({"purchased_at": "last Tuesday"}, "purchased_at", "ISO 8601"),
        ({"receipt_no": ""}, "receipt_no", "receipt number"),
        ({"receipt_no": "R" * 65}, "receipt_no", "at most 64"),
        ({"receipt_no": "SH01/2026 01"}, "receipt_no", "only letters"),
        ({"items": "a ring"}, "items", "list"),
        (
            {"items": [{"name": "Ring", "quantity": 0, "unit_price": "10"}]},
            "items[0].quantity",
            "at least 1",
        ),
        ({"items": [{"quantity": 1, "unit_price": "10"}]}, "items[0].name", "name"),
        ({"items": [{"name": "Ring", "unit_price": "1.001"}]}, "items[0].unit_price", "decimals"),
        ({"items": ["Ring"]}, "items[0]", "name"),
        ({"store": "S" * 101}, "store", "100"),
    ],
)
def test_bad_input_is_422_with_a_message_for_the_field(api, sale, change, field, words):
    response = api.post("/api/v1/purchases", sale | change)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid_input"
    assert words in body["errors"][field]
    assert db.session.scalar(select(db.func.count(Purchase.id))) == 0


def test_every_wrong_field_is_reported_at_once(api, sale):
    response = api.post("/api/v1/purchases", sale | {"amount": "abc", "currency": "EUR"})
    assert set(response.get_json()["errors"]) == {"amount", "currency"}


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", ""])
def test_a_body_that_is_not_a_json_object_is_422(api, raw):
    response = api.post("/api/v1/purchases", None, data=raw, content_type="application/json")
    assert response.status_code == 422
    assert "body" in response.get_json()["errors"]


# -- returns -----------------------------------------------------------------------------------


@pytest.fixture
def recorded(api, sale):
    assert api.post("/api/v1/purchases", sale).status_code == 201
    return sale["receipt_no"]


def test_a_partial_return_reverses_points_in_proportion(api, recorded, member):
    response = api.post(f"/api/v1/purchases/{recorded}/return", {"amount": "617.25"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["points_reversed"] == 617  # floor(1234 x 617.25 / 1234.50)
    assert body["balance"] == 1234 - 617
    assert body["amount"] == "617.25" and body["returned_total"] == "617.25"
    rest = api.post(f"/api/v1/purchases/{recorded}/return", {"amount": "617.25"})
    assert rest.get_json()["points_reversed"] == 617
    assert rest.get_json()["balance"] == 0


def test_a_return_with_a_known_return_id_answers_200_once_recorded(api, recorded):
    path = f"/api/v1/purchases/{recorded}/return"
    first = api.post(path, {"amount": "100.00", "return_id": "RT-77"})
    again = api.post(path, {"amount": "100.00", "return_id": "RT-77"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    other = api.post(path, {"amount": "50.00", "return_id": "RT-77"})
    assert other.status_code == 409


@pytest.mark.parametrize(("given", "kept"), [("R" * 64, "R" * 64), (4711, "4711")])
def test_a_return_id_of_up_to_64_characters_or_a_number_is_kept_as_text(api, recorded, given, kept):
    response = api.post(
        f"/api/v1/purchases/{recorded}/return", {"amount": "1.00", "return_id": given}
    )
    assert response.status_code == 201
    assert response.get_json()["return_id"] == kept


@pytest.mark.parametrize("given", ["R" * 65, True, ["RT-1"], 1.5])
def test_a_return_id_longer_than_64_characters_or_not_text_is_422(api, recorded, given):
    response = api.post(
        f"/api/v1/purchases/{recorded}/return", {"amount": "1.00", "return_id": given}
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"return_id"}


def test_a_return_larger_than_what_is_left_is_422(api, recorded):
    path = f"/api/v1/purchases/{recorded}/return"
    assert api.post(path, {"amount": "1000.00"}).status_code == 201
    response = api.post(path, {"amount": "234.51"})
    assert response.status_code == 422
    assert "left to return" in response.get_json()["errors"]["amount"]


@pytest.mark.parametrize("amount", ["0", "-1", "abc", "1.001", None])
def test_a_return_with_a_bad_amount_is_422(api, recorded, amount):
    response = api.post(f"/api/v1/purchases/{recorded}/return", {"amount": amount})
    assert response.status_code == 422 and "amount" in response.get_json()["errors"]


def test_a_return_on_an_unknown_receipt_is_404(api):
    response = api.post("/api/v1/purchases/NOPE-1/return", {"amount": "1.00"})
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_a_return_needs_a_token(client, recorded):
    response = client.post(f"/api/v1/purchases/{recorded}/return", json={"amount": "1.00"})
    assert response.status_code == 401


# -- member lookup -------------------------------------------------------------------------------


def test_the_till_looks_a_member_up_by_card_number(api, recorded, member):
    response = api.get(f"/api/v1/members/{member.card_number}")
    assert response.status_code == 200
    assert response.get_json() == {
        "name": "Lin Mei",
        "tier": "member",
        "balance": 1234,
        "card_number": member.card_number,
        "status": "active",
    }


def test_an_unknown_or_mistyped_card_number_is_404(api, member):
    wrong_digit = member.card_number[:-1] + str((int(member.card_number[-1]) + 1) % 10)
    assert api.get(f"/api/v1/members/{wrong_digit}").status_code == 404
    from portal.services.members.cards import luhn_check_digit

    nobody = "66123456789" + luhn_check_digit("66123456789")
    assert nobody != member.card_number
    assert api.get(f"/api/v1/members/{nobody}").status_code == 404
    assert api.get("/api/v1/members/abc").status_code == 404


def test_member_lookup_needs_a_token(client, member):
    assert client.get(f"/api/v1/members/{member.card_number}").status_code == 401


def test_create_api_token_prints_the_token_on_its_last_line(runner, client, sale):
    result = runner.invoke(args=["create-api-token", "Online shop"])
    assert result.exit_code == 0, result.output
    plaintext = result.output.strip().splitlines()[-1]
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == "Online shop"))
    assert token is not None and plaintext.startswith(token.prefix)
    response = client.post(
        "/api/v1/purchases", json=sale, headers={"Authorization": f"Bearer {plaintext}"}
    )
    assert response.status_code == 201
