from datetime import date

from sentra_documents.domain.agency_checks import (
    CheckAnswer,
    ChecksState,
    combine,
    required_checks,
)
from sentra_shared.events import Agency, ApplicationKind, CheckOutcome
from sentra_shared.reasons import BilingualText, Reason

PASSED = CheckAnswer(CheckOutcome.PASSED)
TODAY = date(2026, 11, 25)
RECORD = Reason(code="SKCK_NOT_ISSUED", text=BilingualText(id="Ada catatan.", en="A record."))


def test_every_kind_is_checked_by_dukcapil_and_placement_by_seven_agencies():
    assert all(Agency.DUKCAPIL in required_checks(kind) for kind in ApplicationKind)
    assert len(required_checks(ApplicationKind.PLACEMENT)) == 7
    assert Agency.BANK not in required_checks(ApplicationKind.KUR_LOAN)  # credit asks the bank


def test_pending_until_every_required_agency_answered():
    required = (Agency.DUKCAPIL, Agency.IMIGRASI)
    assert combine(required, {Agency.DUKCAPIL: PASSED}, on=TODAY).state is ChecksState.PENDING
    assert combine(required, dict.fromkeys(required, PASSED), on=TODAY).state is ChecksState.PASSED


def test_a_failed_check_rejects_with_the_agency_reasons():
    required = (Agency.DUKCAPIL, Agency.POLRI)
    answers = {Agency.DUKCAPIL: PASSED, Agency.POLRI: CheckAnswer(CheckOutcome.FAILED, (RECORD,))}
    assert combine(required, answers, on=TODAY).reasons == (RECORD,)


def test_a_failure_without_reasons_still_gets_one():
    answers = {Agency.DUKCAPIL: CheckAnswer(CheckOutcome.FAILED)}
    result = combine((Agency.DUKCAPIL,), answers, on=TODAY)
    assert result.state is ChecksState.FAILED
    assert [r.code for r in result.reasons] == ["AGENCY_CHECK_FAILED"]
    assert "dukcapil" in result.reasons[0].text.en


def test_a_document_valid_through_the_decision_day_still_counts():
    answers = {Agency.HEALTH_FACILITY: CheckAnswer(CheckOutcome.PASSED, valid_until=TODAY)}
    assert combine((Agency.HEALTH_FACILITY,), answers, on=TODAY).state is ChecksState.PASSED


def test_a_document_expired_before_the_decision_day_counts_as_failed():
    yesterday = date(2026, 11, 24)
    required = (Agency.DUKCAPIL, Agency.HEALTH_FACILITY)
    answers = {
        Agency.DUKCAPIL: PASSED,
        Agency.HEALTH_FACILITY: CheckAnswer(CheckOutcome.PASSED, valid_until=yesterday),
    }
    result = combine(required, answers, on=TODAY)
    assert result.state is ChecksState.FAILED
    (expired,) = result.reasons
    assert expired.code == "AGENCY_DOCUMENT_EXPIRED"
    assert "health_facility" in expired.text.en and "2026-11-24" in expired.text.en
    assert "health_facility" in expired.text.id and "2026-11-24" in expired.text.id


def test_an_expired_document_and_a_failed_check_give_both_reasons_in_agency_order():
    required = (Agency.HEALTH_FACILITY, Agency.POLRI)
    answers = {
        Agency.HEALTH_FACILITY: CheckAnswer(CheckOutcome.PASSED, valid_until=date(2026, 1, 1)),
        Agency.POLRI: CheckAnswer(CheckOutcome.FAILED, (RECORD,)),
    }
    result = combine(required, answers, on=TODAY)
    assert [r.code for r in result.reasons] == ["AGENCY_DOCUMENT_EXPIRED", "SKCK_NOT_ISSUED"]
