"""A business of a returnee (purna PMI) or a worker's family member: what the owner may
register, and what the public catalogue may show of it.

The catalogue is the owner's choice (`CatalogueConsent`): nothing public without a
listing, and the owner's phone and email only with `listing_and_contact`. Nothing here
ever holds a NIK: registration does not ask for one.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from enum import StrEnum

# The same age bounds as an application's applicant: an owner is a person who worked
# abroad or the family of one, not a child.
YOUNGEST_OWNER_AGE = 15
OLDEST_OWNER_AGE = 100
# A registration lists a few products; the catalogue is a shop window, not a warehouse.
MAX_PRODUCTS = 20
MAX_PRICE_IDR = 1_000_000_000

# Unicode categories refused in any text: control, invisible formatting, surrogates,
# private use, unassigned, and the line and paragraph separators.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


class CatalogueConsent(StrEnum):
    NONE = "none"
    LISTING = "listing"
    LISTING_AND_CONTACT = "listing_and_contact"

    @property
    def listed(self) -> bool:
        return self is not CatalogueConsent.NONE

    @property
    def shows_contact(self) -> bool:
        return self is CatalogueConsent.LISTING_AND_CONTACT


def normalise(text: str) -> str:
    """Canonical composition (NFC), so the same name typed on two keyboards is stored and
    compared the same way."""
    return unicodedata.normalize("NFC", text)


def refused_character(text: str, *, multiline: bool = False) -> str | None:
    """The first refused character, described without echoing it ("U+200B (Cf)"), or
    None. A multi-line text (a product description) may hold line feeds."""
    for char in text:
        if multiline and char == "\n":
            continue
        category = unicodedata.category(char)
        if category in REFUSED_CATEGORIES:
            return f"U+{ord(char):04X} ({category})"
    return None


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def birth_date_problem(born: date, today: date) -> str | None:
    if born >= today:
        return "a birth date in the past"
    if not YOUNGEST_OWNER_AGE <= age_on(born, today) <= OLDEST_OWNER_AGE:
        return f"a birth date giving an age of {YOUNGEST_OWNER_AGE} to {OLDEST_OWNER_AGE} years"
    return None
