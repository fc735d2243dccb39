"""Domain errors: a stable code plus the values a friendly message needs, and the input it concerns."""

from __future__ import annotations

from typing import Any

# The input a code is about, named as the command's option (`value=`, `close=`, …) and as every form's
# field: a form shows the message under it. Codes absent here concern no single input (a refused move).
FIELD_OF_CODE: dict[str, str] = {
    "value_not_positive": "value",
    "amount_too_large": "value",
    "chances_not_positive": "chances",
    "chances_out_of_range": "chances",
    "close_date_required": "close",
    "close_date_before_change": "close",
    "date_before_last_change": "date",
    "date_before_creation": "date",
    "close_code_required": "code",
    "unknown_close_code": "code",
    "close_code_wrong_type": "code",
    "won_amount_not_positive": "amount",
    "won_amount_not_allowed": "amount",
    "reason_too_long": "reason",
    "quote_too_long": "quote",
    "description_required": "description",
    "description_too_long": "description",
    "contact_required": "contact",
    "unknown_contact": "contact",
    "ambiguous_contact": "contact",
    "unknown_salesperson": "owner",
    "not_allowed_owner": "owner",
    "unknown_user": "owner",
    "cycle_required": "cycle",
    "unknown_cycle": "cycle",
    "cycle_blocked": "cycle",
    "bad_priority": "priority",
}


class DomainError(Exception):
    """A rule was broken. `code` is the spec's error code; `params` fill the message.

    `field` names the input the error concerns (FIELD_OF_CODE unless the raiser says otherwise), or
    None when it concerns none in particular.
    """

    def __init__(self, code: str, /, *, field: str | None = None, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params: dict[str, Any] = params
        self.field: str | None = field or FIELD_OF_CODE.get(code)

    def __str__(self) -> str:
        details = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.code}({details})" if details else self.code
