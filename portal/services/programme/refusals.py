"""What a rule answers when it says no. Services raise these; the request edge
(portal/web/edge.py) turns each kind into a status, and templates put the code into words.

- `Invalid`: the input breaks a rule (a page answers 422 with the messages beside the fields);
- `Conflict`: the input is fine but the state of things refuses it now (409);
- `Forbidden`: this person may not do this (403);
- `Missing`: the thing asked for is not there for this person (404).

`code` is stable for programs (the API's `error`, tests), `errors` maps a field to what is wrong
with it, and `values` carries the numbers a sentence needs.
"""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    code = "refused"

    def __init__(
        self,
        message: Any = None,
        *,
        code: str | None = None,
        errors: dict[str, Any] | None = None,
        **values: Any,
    ):
        # The message stays lazy (translated when shown); str() of the refusal words it.
        super().__init__(message if message is not None else (code or self.code))
        self.message = message
        if code is not None:
            self.code = code
        self.errors: dict[str, Any] = dict(errors or {})
        self.values = values

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else self.code

    def messages(self) -> dict[str, str]:
        return {name: str(text) for name, text in self.errors.items()}


class Invalid(Refused):
    code = "invalid_input"


class Conflict(Refused):
    code = "conflict"


class Forbidden(Refused):
    code = "forbidden"


class Missing(Refused):
    code = "not_found"
