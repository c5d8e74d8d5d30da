"""The till and shop API as a contract: the pydantic models that describe each body once
(`schemas`), the reading of a request against them (`reading`), and the OpenAPI 3.1 document
written from them (`document`).

This package belongs to the web layer, beside `portal/routes/api.py`: services never import it.
The models check the *shape* of what arrives (types, lengths, patterns, counts, ASCII digits);
the programme's own rules (a known member, the programme's currency, the currency's decimals,
no date in the future, `max_purchase_amount`) stay in `portal/services/purchases/input.py`,
the one reader that the desk form and the CSV import share with the API.
"""
