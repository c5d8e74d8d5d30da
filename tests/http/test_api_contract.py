"""The till API as a contract (DESIGN.md, "API"): the document, the docs page, scopes, token
expiry and revocation, rate limits, hostile input, max_purchase_amount, preview, vouchers."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from openapi_spec_validator import validate
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Purchase, Redemption
from portal.models.purchases import EARLIER_SCOPES
from portal.services.programme.settings import update_setting
from portal.services.purchases.api_tokens import create_api_token
from portal.services.rewards.redemption import redeem


def bearer(plaintext: str) -> dict:
    return {"Authorization": f"Bearer {plaintext}"}


@pytest.fixture
def token(app):
    _row, plaintext = create_api_token("Shanghai IFC till 1")
    db.session.commit()
    return plaintext


@pytest.fixture
def sale(member, clock):
    return {
        "member": member.email,
        "receipt_no": "SH01-2026-000900",
        "amount": "1234.50",
        "currency": "CNY",
        "purchased_at": (clock.now() - timedelta(minutes=10)).isoformat(),
        "store": "Shanghai IFC",
        "items": [{"sku": "PD-1", "name": "Pendant", "quantity": 1, "unit_price": "1234.50"}],
    }


def purchase_count() -> int:
    return db.session.scalar(select(func.count(Purchase.id)))


# -- the document and the page -------------------------------------------------------------


def test_the_document_is_valid_openapi_3_1_and_needs_no_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    validate(document)
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    purchase = document["paths"]["/purchases"]["post"]
    assert {"200", "201", "401", "403", "409", "413", "422", "429"} <= set(purchase["responses"])
    body = document["components"]["schemas"]["PurchaseBody"]
    assert body["properties"]["items"]["maxItems"] == 200
    assert body["properties"]["receipt_no"]["maxLength"] == 64


def test_every_api_route_is_in_the_document_and_the_other_way_round(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    documented = {
        (method.upper(), "/api/v1" + path.replace("{", "<").replace("}", ">"))
        for path, entries in document["paths"].items()
        for method in entries
    }
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == documented


def test_the_docs_page_shows_every_call_with_a_curl_example_under_the_csp(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for route in (
        "POST /api/v1/purchases",
        "POST /api/v1/purchases/preview",
        "GET /api/v1/members/{card_number}",
        "GET /api/v1/vouchers/{code}",
        "POST /api/v1/vouchers/{code}/fulfil",
    ):
        assert route in page
    assert page.count("curl -sS -X") == 6
    assert "Retry-After" in page and "revoke-api-token" in page
    assert "Authorization: Bearer &lt;token&gt;" in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "https://" not in page.split("<main", 1)[0]  # nothing loaded from elsewhere


# -- tokens ---------------------------------------------------------------------------------


def test_a_token_without_the_scope_gets_403_json(client, member):
    _row, plaintext = create_api_token("Shop lookups", scopes=["members:read"])
    db.session.commit()
    response = client.post("/api/v1/purchases/preview", json={}, headers=bearer(plaintext))
    assert response.status_code == 403
    assert response.get_json()["error"] == "scope_missing"
    assert (
        client.get(f"/api/v1/members/{member.card_number}", headers=bearer(plaintext)).status_code
        == 200
    )


def test_a_token_made_before_scopes_keeps_purchases_and_member_lookup_only(client, member, sale):
    # What migration 0010 gives the tokens made before it (test_migrations checks that).
    _row, plaintext = create_api_token("Old till", scopes=EARLIER_SCOPES.split())
    db.session.commit()
    assert client.post("/api/v1/purchases", json=sale, headers=bearer(plaintext)).status_code == 201
    assert (
        client.get(f"/api/v1/members/{member.card_number}", headers=bearer(plaintext)).status_code
        == 200
    )
    assert (
        client.get("/api/v1/vouchers/ABCD-EFGH-JKMN", headers=bearer(plaintext)).status_code == 403
    )


def test_an_expired_token_is_refused_from_its_expiry_on(client, member, clock):
    _row, plaintext = create_api_token("Pop-up till", expires_at=clock.now() + timedelta(days=1))
    db.session.commit()
    path = f"/api/v1/members/{member.card_number}"
    clock.advance(days=1, seconds=-1)
    assert client.get(path, headers=bearer(plaintext)).status_code == 200
    clock.advance(seconds=1)
    assert client.get(path, headers=bearer(plaintext)).status_code == 401


def test_revoke_api_token_by_name_stops_it_at_once(runner, client, member):
    created = runner.invoke(
        args=["create-api-token", "Beijing SKP till", "--scope", "members:read"]
    )
    plaintext = created.output.strip().splitlines()[-1]
    path = f"/api/v1/members/{member.card_number}"
    assert client.get(path, headers=bearer(plaintext)).status_code == 200
    result = runner.invoke(args=["revoke-api-token", "Beijing SKP till"])
    assert result.exit_code == 0, result.output
    assert "revoked" in result.output
    assert client.get(path, headers=bearer(plaintext)).status_code == 401
    again = runner.invoke(args=["revoke-api-token", "Beijing SKP till"])
    assert again.exit_code != 0 and "No live API token" in again.output


def test_a_store_token_records_its_own_store_only(client, sale):
    _row, plaintext = create_api_token("Chengdu till", store="Chengdu IFS")
    db.session.commit()
    response = client.post("/api/v1/purchases", json=sale, headers=bearer(plaintext))
    assert response.status_code == 422
    assert "Chengdu IFS" in response.get_json()["errors"]["store"]
    sale["store"] = ""
    assert client.post("/api/v1/purchases", json=sale, headers=bearer(plaintext)).status_code == 201
    assert db.session.scalar(select(Purchase.store)) == "Chengdu IFS"


class TestRateLimit:
    @pytest.fixture
    def app_overrides(self):
        return {"RATELIMIT_API": "3 per minute"}

    def test_the_fourth_call_in_a_minute_is_429_with_retry_after(self, client, token, member):
        path = f"/api/v1/members/{member.card_number}"
        for _ in range(3):
            allowed = client.get(path, headers=bearer(token))
            assert allowed.status_code == 200 and "Retry-After" not in allowed.headers
        response = client.get(path, headers=bearer(token))
        assert response.status_code == 429
        assert response.get_json()["error"] == "too_many_requests"
        assert 0 < int(response.headers["Retry-After"]) <= 60
        _row, other = create_api_token("Another till")
        db.session.commit()
        assert client.get(path, headers=bearer(other)).status_code == 200  # counted per token


# -- hostile input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "purchased_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "0001-01-01"]
)
def test_dates_outside_datetimes_range_are_422_on_the_field(client, token, sale, purchased_at):
    response = client.post(
        "/api/v1/purchases", json=sale | {"purchased_at": purchased_at}, headers=bearer(token)
    )
    assert response.status_code == 422
    assert "purchased_at" in response.get_json()["errors"]


def test_a_body_nested_ten_thousand_deep_is_a_4xx_json(client, token):
    body = '{"member": ' + "[" * 10_000 + "]" * 10_000 + "}"
    response = client.post(
        "/api/v1/purchases", data=body, content_type="application/json", headers=bearer(token)
    )
    assert response.status_code == 422
    assert "8 levels" in response.get_json()["errors"]["body"]


def test_a_body_over_64_kib_is_413_json(client, token, sale):
    sale["store"] = "x" * (65 * 1024)
    response = client.post("/api/v1/purchases", json=sale, headers=bearer(token))
    assert response.status_code == 413
    assert response.get_json()["error"] == "too_large"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "\u0661\u0662\u0663"}, "amount"),  # Arabic-Indic digits
        ({"amount": "1e3"}, "amount"),
        ({"amount": True}, "amount"),
        ({"member": "6" * 300}, "member"),
        ({"items": [{"name": "Ring", "unit_price": "1"}] * 201}, "items"),
        (
            {"items": [{"name": "Ring", "unit_price": "1", "quantity": "\uff11"}]},
            "items[0].quantity",
        ),
        ({"items": [{"name": "Ring", "unit_price": "1", "quantity": True}]}, "items[0].quantity"),
        ({"items": [{"name": "R" * 201, "unit_price": "1"}]}, "items[0].name"),
        ({"purchased_at": "2026-06-01T10:00:00" + "0" * 60}, "purchased_at"),
    ],
)
def test_hostile_fields_are_422_naming_the_field(client, token, sale, change, field):
    response = client.post("/api/v1/purchases", json=sale | change, headers=bearer(token))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert purchase_count() == 0


# -- the largest purchase -------------------------------------------------------------------


def test_the_api_takes_max_purchase_amount_and_refuses_one_fen_more(client, token, sale):
    at_limit = sale | {"amount": "2000000.00", "items": []}
    assert client.post("/api/v1/purchases", json=at_limit, headers=bearer(token)).status_code == 201
    over = sale | {"receipt_no": "SH01-2026-000901", "amount": "2000000.01", "items": []}
    response = client.post("/api/v1/purchases", json=over, headers=bearer(token))
    assert response.status_code == 422
    assert "record it at the desk" in response.get_json()["errors"]["amount"]
    assert purchase_count() == 1


def test_max_purchase_amount_is_a_setting(client, token, sale):
    update_setting("max_purchase_amount", 1000)
    db.session.commit()
    response = client.post("/api/v1/purchases", json=sale, headers=bearer(token))
    assert response.status_code == 422 and "1,000" in response.get_json()["errors"]["amount"]


# -- preview --------------------------------------------------------------------------------


def test_a_preview_tells_the_points_and_records_nothing(client, token, sale, member):
    del sale["receipt_no"]
    response = client.post("/api/v1/purchases/preview", json=sale, headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "recorded": False,
        "points_awarded": 1234,
        "balance": 0,
        "balance_after": 1234,
        "tier": "member",
        "multiplier": "1.0",
        "birthday_month": False,
    }
    assert purchase_count() == 0


def test_a_preview_refuses_what_recording_would(client, token, sale):
    response = client.post(
        "/api/v1/purchases/preview", json=sale | {"amount": "2000000.01"}, headers=bearer(token)
    )
    assert response.status_code == 422 and "amount" in response.get_json()["errors"]


# -- vouchers -------------------------------------------------------------------------------


@pytest.fixture
def voucher(member, give_points, create_reward):
    give_points(member, 1000)
    redemption = redeem(member, create_reward(), idempotency_key=uuid.uuid4().hex)
    db.session.commit()
    return redemption


def test_a_voucher_is_looked_up_fulfilled_once_and_a_retry_gets_the_first_answer(
    client, token, voucher, member
):
    code = voucher.voucher_code_display.lower().replace("-", " ")
    found = client.get(f"/api/v1/vouchers/{code}", headers=bearer(token))
    assert found.status_code == 200
    assert found.get_json()["usable"] is True and found.get_json()["status"] == "issued"
    assert found.get_json()["member"]["card_number"] == member.card_number
    first = client.post(f"/api/v1/vouchers/{code}/fulfil", headers=bearer(token))
    again = client.post(f"/api/v1/vouchers/{code}/fulfil", headers=bearer(token))
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.get_json() == first.get_json()
    assert first.get_json()["status"] == "fulfilled" and first.get_json()["usable"] is False
    _row, other = create_api_token("Another till")
    db.session.commit()
    elsewhere = client.post(f"/api/v1/vouchers/{code}/fulfil", headers=bearer(other))
    assert elsewhere.status_code == 409
    assert elsewhere.get_json()["error"] == "voucher_fulfilled"


def test_an_expired_voucher_is_not_usable_and_cannot_be_fulfilled(client, token, voucher, clock):
    clock.set(voucher.valid_until)
    path = f"/api/v1/vouchers/{voucher.voucher_code}"
    assert client.get(path, headers=bearer(token)).get_json()["refusal"] == "expired"
    response = client.post(path + "/fulfil", headers=bearer(token))
    assert response.status_code == 409 and response.get_json()["error"] == "voucher_expired"
    assert db.session.get(Redemption, voucher.id).status == "issued"


def test_an_unknown_voucher_is_404(client, token):
    assert client.get("/api/v1/vouchers/NOPE", headers=bearer(token)).status_code == 404
    assert client.post("/api/v1/vouchers/NOPE/fulfil", headers=bearer(token)).status_code == 404


def test_the_json_of_the_answers_is_what_the_document_describes(client, token, sale):
    body = client.post("/api/v1/purchases", json=sale, headers=bearer(token)).get_json()
    document = client.get("/api/v1/openapi.json").get_json()
    schema = document["components"]["schemas"]["PurchaseAnswer"]
    assert set(body) == set(schema["properties"]) == set(schema["required"])
    assert json.dumps(body)  # plain JSON, no Decimal


def test_a_receipt_still_being_recorded_elsewhere_is_409_in_progress_with_retry_after(
    client, token, sale, monkeypatch
):
    from sqlalchemy.exc import OperationalError

    import portal.routes.api as api_routes

    def locked(*args, **kwargs):
        raise OperationalError("INSERT INTO purchases", {}, Exception("database is locked"))

    monkeypatch.setattr(api_routes, "record_checked_purchase", locked)
    response = client.post("/api/v1/purchases", json=sale, headers=bearer(token))
    assert response.status_code == 409
    assert response.get_json()["error"] == "in_progress"
    assert response.headers["Retry-After"] == "1"


def test_the_card_qr_payload_finds_the_member_as_the_number_does(client, token, member):
    from portal.web.card_qr import card_qr_svg

    assert card_qr_svg(member.card_number)  # the code holds the card's 12 digits, nothing else
    scanned = f"{member.card_number[:4]} {member.card_number[4:8]}-{member.card_number[8:]}"
    response = client.get(f"/api/v1/members/{scanned}", headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json()["card_number"] == member.card_number
