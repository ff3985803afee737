"""The field types of the intake forms: what each kind of value must be at the edge.

Text is composed (NFC) and refuses invisible and control characters, identifiers take
ASCII digits and letters only, numbers and booleans must be JSON numbers and booleans,
dates are ISO strings within plausible bounds. What passes can be stored, compared and
sent to an agency as it is. Every type carries `CHECKED`, which the guard test looks for.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    Strict,
    StringConstraints,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError
from sentra_shared.calendar import WIB
from sentra_shared.clock import now

from sentra_documents.domain import intake, text


class EdgeChecked:
    """Marks a field type that applies the edge rules (the guard test looks for it)."""


CHECKED = EdgeChecked()


def _composed_visible_text(value: Any) -> Any:
    # Only strings; anything else is refused by the (strict) string check that follows.
    if not isinstance(value, str):
        return value
    composed = text.normalise(value)
    refused = text.refused_character(composed)
    if refused is not None:
        raise PydanticCustomError(
            "text_refused_character",
            "Text may not contain {character}: control, invisible formatting, surrogate, "
            "private use, unassigned or line separator characters are refused",
            {"character": refused},
        )
    return composed


def _shape(min_length: int, max_length: int, pattern: str) -> StringConstraints:
    return StringConstraints(
        strict=True,
        strip_whitespace=True,
        min_length=min_length,
        max_length=max_length,
        pattern=pattern,
    )


_VISIBLE = BeforeValidator(_composed_visible_text)
_LINE = text.SINGLE_LINE_PATTERN

# Single-line visible text: names as on the documents (letters of any script).
Name = Annotated[str, _shape(2, 120, _LINE), _VISIBLE, CHECKED]
FreeText = Annotated[str, _shape(3, 60, _LINE), _VISIBLE, CHECKED]
# Identifiers: ASCII only. `\d` would also match Arabic-Indic and other digits, which
# the NIK rules, the agencies and the banks do not read as digits.
Nik = Annotated[str, _shape(16, 16, r"^[0-9]{16}$"), _VISIBLE, CHECKED]
Phone = Annotated[str, _shape(8, 16, r"^\+?[0-9]{8,15}$"), _VISIBLE, CHECKED]
Email = Annotated[str, _shape(5, 254, r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), _VISIBLE, CHECKED]
CountryCode = Annotated[str, _shape(2, 2, r"^[A-Z]{2}$"), _VISIBLE, CHECKED]
PassportNumber = Annotated[str, _shape(6, 12, r"^[A-Za-z0-9]{6,12}$"), _VISIBLE, CHECKED]
AccountNumber = Annotated[str, _shape(5, 34, r"^[0-9 -]{5,34}$"), _VISIBLE, CHECKED]
ForeignAccount = Annotated[str, _shape(5, 34, r"^[0-9A-Za-z-]{5,34}$"), _VISIBLE, CHECKED]
SwiftBic = Annotated[str, _shape(8, 11, r"^[A-Za-z0-9]{8,11}$"), _VISIBLE, CHECKED]
# A tracking code as the applicant got it: two groups of five from Crockford's alphabet
# (no I, L, O or U), the hyphen optional, either case.
_CODE = "[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{5}"
TrackingCode = Annotated[str, _shape(10, 11, f"^{_CODE}-?{_CODE}$"), _VISIBLE, CHECKED]

# Numbers and yes/no: a JSON number or boolean, never "5000000", 5000000.0 or "yes".
Rupiah = Annotated[int, Field(strict=True, gt=0, le=1_000_000_000), CHECKED]
Won = Annotated[int, Field(strict=True, gt=0, le=1_000_000_000), CHECKED]
Months = Annotated[int, Field(strict=True, gt=0, le=120), CHECKED]
YesNo = Annotated[bool, Strict(), CHECKED]

# Validation context key set when a form is read back from storage.
STORED_FORM = "stored_form"

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date_string(value: Any) -> Any:
    # Lax date parsing would also take 0 (1970-01-01) or a datetime string.
    if not (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        raise PydanticCustomError("date_type", "Input should be a date written YYYY-MM-DD")
    return value


def _today() -> date:
    return now().astimezone(WIB).date()


def _date_rule(rule: Callable[[date, date], str | None], kind: str) -> AfterValidator:
    def check(value: date, info: ValidationInfo) -> date:
        # These rules judge a date against the day of submission. A stored form was judged
        # on its own day (an applicant who was 100 then, or a departure a hundred years
        # back by now, must still load): `read_stored_form` says so in the context.
        if (info.context or {}).get(STORED_FORM):
            return value
        problem = rule(value, _today())
        if problem is not None:
            raise PydanticCustomError(kind, "Input should be {rule}", {"rule": problem})
        return value

    return AfterValidator(check)


_ISO = BeforeValidator(_iso_date_string)
BirthDate = Annotated[
    date, _ISO, _date_rule(intake.birth_date_problem, "birth_date_not_plausible"), CHECKED
]
IssueDate = Annotated[
    date, _ISO, _date_rule(intake.issue_date_problem, "issue_date_not_plausible"), CHECKED
]
EventDate = Annotated[date, _ISO, _date_rule(intake.date_problem, "date_not_plausible"), CHECKED]
PastDate = Annotated[
    date, _ISO, _date_rule(intake.past_date_problem, "past_date_not_plausible"), CHECKED
]
