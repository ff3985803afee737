"""Which case an agency answer is when it cannot be applied (pure), and the operator
command's answers to bad input."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sentra_shared.answers import AnswerContent, Standing, UnexpectedCase, classify, describe
from sentra_shared.answers_command import main as sentra_answers
from sentra_shared.events import Agency, CheckOutcome, PolriCheckCompleted
from sentra_shared.events.agency_reasons import AGENCY_REASON_CODES
from sentra_shared.reasons import Reason

PASSED = AnswerContent("passed")
FAILED = AnswerContent("failed", ("SKCK_NOT_ISSUED",))


def test_the_first_answer_to_a_request_asked_is_applied() -> None:
    assert classify(Standing(known=True, asked=True), PASSED) is None


@pytest.mark.parametrize(
    ("standing", "case"),
    [
        (Standing(known=False, asked=False), UnexpectedCase.UNKNOWN_APPLICATION),
        # Nothing else matters when the application is unknown.
        (Standing(known=False, asked=True, first=PASSED), UnexpectedCase.UNKNOWN_APPLICATION),
        (Standing(known=True, asked=False), UnexpectedCase.NOT_ASKED),
        (Standing(known=True, asked=False, first=PASSED), UnexpectedCase.NOT_ASKED),
        (Standing(known=True, asked=True, first=PASSED), UnexpectedCase.ANSWERED_TWICE),
        (Standing(known=True, asked=True, first=FAILED), UnexpectedCase.CONTRADICTS_FINAL),
        # Answered, by the service's own state, but the first answer is not on record.
        (Standing(known=True, asked=True, answered=True), UnexpectedCase.CONTRADICTS_FINAL),
    ],
)
def test_answers_that_cannot_be_applied(standing: Standing, case: UnexpectedCase) -> None:
    assert classify(standing, PASSED) is case


def test_same_reasons_in_another_order_are_the_same_answer() -> None:
    first = AnswerContent.stored("failed", ["B", "A", "A"])
    again = AnswerContent("failed", ("A", "B"))
    assert classify(Standing(known=True, asked=True, first=first), again) is (
        UnexpectedCase.ANSWERED_TWICE
    )


def test_other_reasons_with_the_same_outcome_contradict() -> None:
    first = AnswerContent("failed", ("SKCK_NOT_ISSUED",))
    other = AnswerContent("failed", ("SKCK_EXPIRED",))
    assert classify(Standing(known=True, asked=True, first=first), other) is (
        UnexpectedCase.CONTRADICTS_FINAL
    )


def test_content_of_an_answer_is_its_outcome_and_codes() -> None:
    code = "SKCK_NOT_ISSUED"
    answer = PolriCheckCompleted(
        application_id=uuid.uuid4(),
        occurred_at=datetime(2026, 11, 2, tzinfo=UTC),
        request_id=uuid.uuid4(),
        outcome=CheckOutcome.FAILED,
        reasons=(Reason(code=code, text=AGENCY_REASON_CODES[Agency.POLRI][code]),),
    )
    assert AnswerContent.of(answer) == AnswerContent("failed", (code,))


def test_the_operator_reads_what_happened_without_personal_data() -> None:
    assert describe(UnexpectedCase.CONTRADICTS_FINAL, "loan case", PASSED, FAILED) == (
        "the request was answered failed (SKCK_NOT_ISSUED) and decided on; this answer says passed"
    )
    assert describe(UnexpectedCase.UNKNOWN_APPLICATION, "claim", FAILED, None) == (
        "no claim with this id here; the answer says failed (SKCK_NOT_ISSUED)"
    )
    assert "never sent" in describe(UnexpectedCase.NOT_ASKED, "application", PASSED, None)
    assert "another event id" in describe(UnexpectedCase.ANSWERED_TWICE, "claim", PASSED, PASSED)


def test_the_operator_command_says_which_database_it_cannot_reach(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Port 1 on loopback: nothing listens there, the connection is refused at once.
    monkeypatch.setenv("SENTRA_CREDIT_DATABASE_URL", "postgresql://ops:s3cret@127.0.0.1:1/credit")
    assert sentra_answers(["list", "--service", "credit"]) == 2
    error = capsys.readouterr().err
    assert "cannot reach the credit database" in error
    assert "s3cret" not in error  # never the URL, which may hold a password


def test_a_resolution_needs_who_and_why(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        sentra_answers(["resolve", str(uuid.uuid4()), "--by", "siti", "--note", "   "])
    assert refused.value.code == 2
    assert "--note: must not be blank" in capsys.readouterr().err
