from sentra_documents.domain.agency_checks import (
    CheckAnswer,
    ChecksState,
    combine,
    required_checks,
)
from sentra_shared.events import Agency, ApplicationKind, CheckOutcome
from sentra_shared.reasons import BilingualText, Reason

PASSED = CheckAnswer(CheckOutcome.PASSED)
RECORD = Reason(code="SKCK_NOT_ISSUED", text=BilingualText(id="Ada catatan.", en="A record."))


def test_every_kind_is_checked_by_dukcapil_and_placement_by_seven_agencies():
    assert all(Agency.DUKCAPIL in required_checks(kind) for kind in ApplicationKind)
    assert len(required_checks(ApplicationKind.PLACEMENT)) == 7
    assert Agency.BANK not in required_checks(ApplicationKind.KUR_LOAN)  # credit asks the bank


def test_pending_until_every_required_agency_answered():
    required = (Agency.DUKCAPIL, Agency.IMIGRASI)
    assert combine(required, {Agency.DUKCAPIL: PASSED}).state is ChecksState.PENDING
    assert combine(required, dict.fromkeys(required, PASSED)).state is ChecksState.PASSED


def test_a_failed_check_rejects_with_the_agency_reasons():
    required = (Agency.DUKCAPIL, Agency.POLRI)
    answers = {Agency.DUKCAPIL: PASSED, Agency.POLRI: CheckAnswer(CheckOutcome.FAILED, (RECORD,))}
    assert combine(required, answers).reasons == (RECORD,)


def test_a_failure_without_reasons_still_gets_one():
    answers = {Agency.DUKCAPIL: CheckAnswer(CheckOutcome.FAILED)}
    result = combine((Agency.DUKCAPIL,), answers)
    assert result.state is ChecksState.FAILED
    assert [r.code for r in result.reasons] == ["AGENCY_CHECK_FAILED"]
    assert "dukcapil" in result.reasons[0].text.en
