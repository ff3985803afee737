"""Business rules: the catalogue consent, the tracking code, text and birth dates."""

from __future__ import annotations

from datetime import date

from sentra_empowerment.domain.business import (
    CatalogueConsent,
    birth_date_problem,
    refused_character,
)


def test_only_a_listing_is_public_and_contact_only_with_consent() -> None:
    assert not CatalogueConsent.NONE.listed and not CatalogueConsent.NONE.shows_contact
    assert CatalogueConsent.LISTING.listed and not CatalogueConsent.LISTING.shows_contact
    both = CatalogueConsent.LISTING_AND_CONTACT
    assert both.listed and both.shows_contact


def test_invisible_characters_are_refused_but_a_description_may_hold_lines() -> None:
    assert refused_character("Keripik\u200btempe") == "U+200B (Cf)"
    assert refused_character("baris satu\nbaris dua") == "U+000A (Cc)"
    assert refused_character("baris satu\nbaris dua", multiline=True) is None


def test_an_owner_is_between_15_and_100_years_old() -> None:
    today = date(2027, 1, 1)
    assert birth_date_problem(date(1990, 4, 2), today) is None
    assert birth_date_problem(date(2027, 1, 1), today) == "a birth date in the past"
    assert birth_date_problem(date(2015, 1, 1), today) is not None
    assert birth_date_problem(date(2011, 12, 31), today) is None
