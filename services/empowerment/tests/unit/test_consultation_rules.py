"""The pure consultation rules: routing, what the asker is told, the status, the input."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import get_args

import pytest
from sentra_empowerment.domain.consultation import (
    DESK_OF_SUBJECT,
    ConsultationStatus,
    answer_for_asker,
    birth_date_problem,
    desk_for,
    is_listed,
    product_reference_problem,
    question_problem,
    status_of,
)
from sentra_shared.events import (
    AGENCY_REASON_CODES,
    DESK_EXCHANGES,
    Agency,
    CheckOutcome,
    ConsultationSubject,
)
from sentra_shared.reasons import Reason

AT = datetime(2027, 3, 1, 3, 0, tzinfo=UTC)


def test_each_subject_goes_to_its_own_desk_and_every_desk_has_a_subject() -> None:
    assert desk_for("placement") is Agency.PLACEMENT_DESK
    assert desk_for("credit") is Agency.CREDIT_DESK
    assert desk_for("refund") is Agency.REFUND_DESK
    assert desk_for("product") is Agency.PRODUCT_DESK
    assert set(DESK_OF_SUBJECT) == set(get_args(ConsultationSubject))
    assert set(DESK_OF_SUBJECT.values()) == set(DESK_EXCHANGES)


def test_a_passed_reply_is_told_as_the_desk_wrote_it() -> None:
    told = answer_for_asker(CheckOutcome.PASSED, "Datang ke LTSA hari Senin.", (), "id")
    assert told == "Datang ke LTSA hari Senin."


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_failed_reply_tells_the_asker_the_desks_reason_in_their_language(
    language: str,
) -> None:
    text = AGENCY_REASON_CODES[Agency.CREDIT_DESK]["OUT_OF_SCOPE"]
    reason = Reason(code="OUT_OF_SCOPE", text=text)
    told = answer_for_asker(CheckOutcome.FAILED, None, (reason,), language)  # type: ignore[arg-type]
    assert told == getattr(text, language)
    assert told.startswith("Pertanyaan ini bukan" if language == "id" else "This question")


def test_two_reasons_are_both_told() -> None:
    codes = AGENCY_REASON_CODES[Agency.PRODUCT_DESK]
    reasons = tuple(Reason(code=c, text=codes[c]) for c in ("OUT_OF_SCOPE", "NOT_ENOUGH_DETAIL"))
    told = answer_for_asker(CheckOutcome.FAILED, None, reasons, "en")
    assert told == f"{codes['OUT_OF_SCOPE'].en} {codes['NOT_ENOUGH_DETAIL'].en}"


def test_status_an_answer_comes_first_even_after_escalation() -> None:
    assert status_of(answered_at=None, escalated_at=None) is ConsultationStatus.AWAITING_ANSWER
    assert status_of(answered_at=None, escalated_at=AT) is ConsultationStatus.ESCALATED
    assert status_of(answered_at=AT, escalated_at=None) is ConsultationStatus.ANSWERED
    assert status_of(answered_at=AT, escalated_at=AT) is ConsultationStatus.ANSWERED


def test_only_a_product_question_names_a_business_and_only_a_listed_one() -> None:
    some_id = "8b0e5f0a-7a53-4c4e-9a55-3f0f7a1b2c3d"
    assert product_reference_problem("product", None, None) is None
    assert product_reference_problem("credit", None, None) is None
    assert product_reference_problem("product", some_id, True) is None
    assert product_reference_problem("credit", some_id, True) == (
        "a business is named only in a question about a product"
    )
    unknown = "no business with this id is listed in the catalogue"
    assert product_reference_problem("product", some_id, None) == unknown
    assert product_reference_problem("product", some_id, False) == unknown


def test_listed_means_the_owner_agreed_to_the_catalogue() -> None:
    assert is_listed("listing") and is_listed("listing_and_contact")
    assert not is_listed("none")


def test_a_question_may_have_line_breaks_but_no_invisible_characters() -> None:
    assert question_problem("Berapa bunga KUR?\nDan tenornya?\tTerima kasih") is None
    assert question_problem("Apakah bisa dikirim ke 東京?") is None
    assert question_problem("Halo\u200bapa kabar") == "a question without the character U+200B"
    assert question_problem("bell\x07") == "a question without the character U+0007"
    assert question_problem("line\u2028sep") == "a question without the character U+2028"


def test_birth_date_in_the_past_and_plausible() -> None:
    today = date(2027, 3, 1)
    assert birth_date_problem(date(1985, 1, 1), today) is None
    assert birth_date_problem(today, today) == "a birth date in the past"
    assert birth_date_problem(date(1906, 1, 1), today) == "a birth date at most 120 years back"
    assert birth_date_problem(date(1907, 1, 1), today) is None
