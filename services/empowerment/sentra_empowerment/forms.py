"""What an owner submits over HTTP to register a business, validated at the edge.

The house style of the documents intake: text is composed (NFC) and refuses invisible and
control characters, identifiers take ASCII only, numbers must be JSON numbers, dates ISO
strings within plausible bounds; an invalid form answers 422 naming each field and stores
nothing.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError
from sentra_shared.calendar import WIB
from sentra_shared.clock import now
from sentra_shared.events import Channel, Language
from sentra_shared.events.empowerment import BusinessStage, OwnerRole, Sector
from sentra_shared.regions import regency_name

from sentra_empowerment.domain.business import (
    MAX_PRICE_IDR,
    MAX_PRODUCTS,
    CatalogueConsent,
    birth_date_problem,
    normalise,
    refused_character,
)


def _visible(multiline: bool) -> BeforeValidator:
    def check(value: Any) -> Any:
        if not isinstance(value, str):
            return value  # refused by the strict string check that follows
        composed = normalise(value)
        refused = refused_character(composed, multiline=multiline)
        if refused is not None:
            raise PydanticCustomError(
                "text_refused_character",
                "Text may not contain {character}: control, invisible formatting, "
                "surrogate, private use or unassigned characters are refused",
                {"character": refused},
            )
        return composed

    return BeforeValidator(check)


def _text(low: int, high: int, pattern: str | None = None) -> StringConstraints:
    return StringConstraints(
        strict=True, strip_whitespace=True, min_length=low, max_length=high, pattern=pattern
    )


Name = Annotated[str, _text(2, 120), _visible(False)]
Description = Annotated[str, _text(3, 1000), _visible(True)]
Phone = Annotated[str, _text(8, 16, r"^\+?[0-9]{8,15}$"), _visible(False)]
Email = Annotated[str, _text(5, 254, r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), _visible(False)]
Price = Annotated[int, Field(strict=True, gt=0, le=MAX_PRICE_IDR)]

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_date(value: Any) -> Any:
    if not (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        raise PydanticCustomError("date_type", "Input should be a date written YYYY-MM-DD")
    return value


def _plausible_birth(born: date) -> date:
    problem = birth_date_problem(born, now().astimezone(WIB).date())
    if problem is not None:
        raise PydanticCustomError(
            "birth_date_not_plausible", "Input should be {rule}", {"rule": problem}
        )
    return born


def _known_regency(code: str) -> str:
    if regency_name(code) is None:
        raise PydanticCustomError(
            "regency_unknown", "Input should be a known regency or city code (Kemendagri)"
        )
    return code


BirthDate = Annotated[date, BeforeValidator(iso_date), AfterValidator(_plausible_birth)]
RegencyCode = Annotated[str, _text(4, 4, r"^[0-9]{4}$"), AfterValidator(_known_regency)]


class Form(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Contact(Form):
    """How a person opening a case (a business owner, an asker) is told, and in which
    language: each channel chosen once, and reachable."""

    phone: Phone | None = Field(default=None, description="8-15 ASCII digits, optional +.")
    email: Email | None = None
    channels: tuple[Channel, ...] = Field(default=("sms",), min_length=1, max_length=2)
    language: Language = Field(default="id", description="id (Bahasa Indonesia) or en.")

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("each channel once")
        if "email" in self.channels and self.email is None:
            raise ValueError("the email channel needs an email address")
        if "sms" in self.channels and self.phone is None:
            raise ValueError("the sms channel needs a phone number")
        return self


class Owner(Contact):
    full_name: Name = Field(description="2-120 visible characters, composed (NFC).")
    role: OwnerRole = Field(description="returnee (purna PMI) or family (of a worker abroad).")
    date_of_birth: BirthDate = Field(
        description="YYYY-MM-DD, for an age of 15 to 100; with the tracking code it opens "
        "the status page."
    )


class Product(Form):
    name: Name
    description: Description
    price_idr: Price | None = Field(
        default=None, description="Whole rupiah, a JSON integer, 1 to 1,000,000,000."
    )


class BusinessDetails(Form):
    name: Name
    sector: Sector
    regency_code: RegencyCode = Field(description="A known regency or city code, e.g. 3301.")
    stage: BusinessStage
    products: tuple[Product, ...] = Field(default=(), max_length=MAX_PRODUCTS)


class BusinessForm(Form):
    owner: Owner
    business: BusinessDetails
    catalogue: CatalogueConsent = Field(
        description="none: not public; listing: the business and its products are listed; "
        "listing_and_contact: also the owner's phone and email."
    )


class EnrolmentForm(Form):
    programme_id: Annotated[str, _text(1, 80)]
