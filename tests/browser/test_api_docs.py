"""The integrators' page (/api/docs) at phone and laptop size: it fits, passes axe-core, and a
curl example copied from it records a purchase against the live portal."""

from __future__ import annotations

import json
import re

import pytest
import requests

from portal.extensions import db
from portal.services.purchases.api_tokens import create_api_token
from tests.browser.checks import check_page

pytestmark = pytest.mark.browser


def test_the_api_docs_page_reads_on_every_size(page, live_server):
    page.goto(live_server.url("/api/docs"))
    assert page.locator("h1").inner_text() == "API for tills and the online shop"
    assert page.locator("section.api-call").count() == 6
    check_page(page, "api-docs")


def test_the_purchase_example_of_the_page_works_as_written(laptop_page, live_server, member):
    _token, plaintext = create_api_token("Integrator's test till")
    db.session.commit()
    laptop_page.goto(live_server.url("/api/docs"))
    example = laptop_page.locator("#recordPurchase pre code").inner_text()
    body = json.loads(re.search(r"-d '(.*)'", example, re.S).group(1))
    body |= {"member": member.email, "purchased_at": "2026-06-15T09:00:00+08:00"}
    response = requests.post(
        live_server.url("/api/v1/purchases"),
        json=body,
        headers={"Authorization": f"Bearer {plaintext}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    assert response.json()["points_awarded"] == 1234
