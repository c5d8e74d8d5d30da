"""The live API against its own OpenAPI document (schemathesis): whatever a client sends, no
answer is a 5xx, every status is documented and every body matches its schema.

A fixed seed and a bounded number of examples per call keep it repeatable and under a minute,
on SQLite and on PostgreSQL (DATABASE_URL).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as fixed_seed
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.api.document import openapi_document
from portal.extensions import db
from portal.services.purchases.api_tokens import create_api_token
from tests.conftest import served

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_API": "100000 per minute"}


@pytest.fixture
def live_api(app, member, create_purchase, clock):
    create_purchase(member, "1234.00", receipt_no="SH01-2026-000123")
    _token, plaintext = create_api_token("Schemathesis till")
    db.session.commit()
    clock.advance(minutes=1)
    with served(app) as base_url:
        yield base_url, plaintext


OPERATION_IDS = [
    "recordPurchase",
    "previewPurchase",
    "recordReturn",
    "findMember",
    "findVoucher",
    "fulfilVoucher",
]


def operation_named(operation_id: str):
    schema = schemathesis.openapi.from_dict(openapi_document())
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.definition.raw.get("operationId") == operation_id:
            return operation
    raise LookupError(operation_id)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_the_api_answers_every_input_as_its_document_says(operation_id, mode, live_api):
    """Positive examples follow the schemas; negative ones break them on purpose (wrong types,
    too long, missing fields) and must be refused with a documented 4xx, never a 5xx."""
    base_url, plaintext = live_api
    operation = operation_named(operation_id)

    @fixed_seed(19)
    @settings(
        max_examples=20,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case):
        case.call_and_validate(
            base_url=base_url + "/api/v1",
            headers={"Authorization": f"Bearer {plaintext}"},
            checks=CHECKS,
        )

    call()


def test_every_operation_of_the_document_is_run_above():
    document = openapi_document()
    found = [entry["operationId"] for path in document["paths"].values() for entry in path.values()]
    assert sorted(found) == sorted(OPERATION_IDS)
