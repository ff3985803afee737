from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sentra_documents.domain.identifiers import IdentifierKind, mask, phone_key
from sentra_documents.domain.identity import age_on
from sentra_documents.domain.intake import verify_intake
from sentra_documents.domain.nik import Nik, Sex
from sentra_documents.domain.placement import (
    REQUIRED_DOCUMENTS,
    DocumentKind,
    PlacementApplication,
    PlacementOutcome,
    RecruiterLicence,
    assess_placement,
    decide_outcome,
)
from sentra_documents.domain.reasons import DocumentsReason as R
from sentra_documents.domain.reasons import reason
from sentra_documents.domain.red_flags import FeePayment, PayeeKind, SharingThresholds
from sentra_documents.domain.tables import JobCategory, fee_ceiling_in_force, moratorium_in_force
from sentra_shared.facts import medical_certificate_last_valid_day

TODAY = date(2025, 6, 2)
LICENCES = {
    "SIP3MI-001": RecruiterLicence(
        licence_number="SIP3MI-001",
        holder="PT Contoh",
        valid_from=date(2010, 1, 1),
        valid_until=date(2030, 12, 31),
    ),
    "SIP3MI-OLD": RecruiterLicence(
        licence_number="SIP3MI-OLD",
        holder="PT Lama",
        valid_from=date(2010, 1, 1),
        valid_until=date(2024, 12, 31),
    ),
    "SIP3MI-REV": RecruiterLicence(
        licence_number="SIP3MI-REV",
        holder="PT Dicabut",
        valid_from=date(2010, 1, 1),
        valid_until=date(2030, 12, 31),
        revoked_on=date(2025, 6, 1),
    ),
}


def nik_for(birth: date, sex: Sex = Sex.FEMALE) -> str:
    return Nik("33", "14", "01", birth, sex, "0001").format()


def application(**changes):
    birth = changes.pop("birth", date(1995, 8, 17))
    base = dict(
        application_id="app-1",
        nik=nik_for(birth),
        birth_date_on_documents=birth,
        sex_on_documents=Sex.FEMALE,
        destination_country="TW",
        job=JobCategory.MANUFACTURING,
        recruiter_licence_number="SIP3MI-001",
        documents=frozenset(REQUIRED_DOCUMENTS),
        medical_certificate_issued_on=date(2025, 5, 1),
        passport_number="C1234567",
        phone_number="081234567890",
        bank_account="1234-5678-90",
    )
    base.update(changes)
    return PlacementApplication(**base)


def codes(reasons):
    return {r.code for r in reasons}


def assess(app, on=TODAY, **kwargs):
    return assess_placement(app, on=on, licences=LICENCES, **kwargs)


def test_complete_application_is_eligible():
    decision = assess(application())
    assert decision.outcome is PlacementOutcome.ELIGIBLE
    assert decision.reasons == () and decision.flags == ()


def test_the_day_someone_turns_18():
    birthday = date(2007, 6, 2)
    assert (
        assess(application(birth=birthday), on=date(2025, 6, 2)).outcome
        is PlacementOutcome.ELIGIBLE
    )
    the_day_before = assess(application(birth=birthday), on=date(2025, 6, 1))
    assert the_day_before.outcome is PlacementOutcome.NEEDS_REVIEW
    assert R.UNDER_MINIMUM_AGE in codes(the_day_before.reasons)
    assert R.FLAG_UNDER_AGE in codes(the_day_before.flags)


def test_leap_day_birthday_turns_older_on_1_march():
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


def test_every_missing_article_13_document_is_named():
    decision = assess(application(documents=frozenset({DocumentKind.KTP})))
    assert decision.outcome is PlacementOutcome.INELIGIBLE
    assert {r.code for r in decision.reasons} == {
        f"MISSING_{k.name}" for k in REQUIRED_DOCUMENTS if k is not DocumentKind.KTP
    }


def test_medical_certificate_valid_three_months():
    issued = date(2025, 3, 2)
    assert medical_certificate_last_valid_day(issued) == date(2025, 6, 1)
    assert (
        assess(application(medical_certificate_issued_on=issued), on=date(2025, 6, 1)).outcome
        is PlacementOutcome.ELIGIBLE
    )
    expired = assess(application(medical_certificate_issued_on=issued), on=date(2025, 6, 2))
    assert codes(expired.reasons) == {R.MEDICAL_CERTIFICATE_EXPIRED}
    assert medical_certificate_last_valid_day(date(2024, 11, 30)) == date(2025, 2, 28)
    assert codes(assess(application(medical_certificate_issued_on=None)).reasons) == {
        R.MEDICAL_CERTIFICATE_UNDATED
    }


@pytest.mark.parametrize(
    ("licence", "code"),
    [
        (None, R.RECRUITER_NOT_LICENSED),
        ("SIP3MI-999", R.RECRUITER_NOT_LICENSED),
        ("SIP3MI-OLD", R.RECRUITER_LICENCE_NOT_VALID),
        ("SIP3MI-REV", R.RECRUITER_LICENCE_NOT_VALID),
    ],
)
def test_recruiter_must_hold_a_valid_licence(licence, code):
    decision = assess(application(recruiter_licence_number=licence))
    assert decision.outcome is PlacementOutcome.INELIGIBLE and codes(decision.reasons) == {code}


def test_middle_east_domestic_work_moratorium_from_1_july_2015():
    domestic_saudi = application(destination_country="SA", job=JobCategory.DOMESTIC_WORKER)
    blocked = assess(
        domestic_saudi,
        on=date(2015, 7, 1),
    )
    assert R.DESTINATION_UNDER_MORATORIUM in codes(blocked.reasons)
    assert "260/2015" in blocked.reasons[-1].text.en
    assert moratorium_in_force("SA", JobCategory.DOMESTIC_WORKER, date(2015, 6, 30)) is None
    assert moratorium_in_force("SA", JobCategory.MANUFACTURING, date(2025, 1, 1)) is None
    assert moratorium_in_force("AE", JobCategory.ELDERLY_CAREGIVER, date(2025, 1, 1)) is not None


def test_hong_kong_domestic_worker_cost_structure_2012():
    on = date(2020, 1, 6)
    hk = dict(
        destination_country="HK",
        job=JobCategory.DOMESTIC_WORKER,
        medical_certificate_issued_on=date(2020, 1, 2),
    )
    at_ceiling = application(
        **hk, fees=(FeePayment(amount_idr=14_780_400, payee=PayeeKind.RECRUITER_COMPANY_ACCOUNT),)
    )
    assert assess(at_ceiling, on=on).outcome is PlacementOutcome.ELIGIBLE
    over = application(
        **hk, fees=(FeePayment(amount_idr=14_780_401, payee=PayeeKind.RECRUITER_COMPANY_ACCOUNT),)
    )
    assert codes(assess(over, on=on).reasons) == {R.FEES_ABOVE_OFFICIAL_COST}


def test_zero_cost_jobs_since_15_july_2021():
    assert (
        fee_ceiling_in_force("HK", JobCategory.DOMESTIC_WORKER, date(2021, 7, 14)).max_fee_idr
        == 14_780_400
    )
    assert (
        fee_ceiling_in_force("HK", JobCategory.DOMESTIC_WORKER, date(2021, 7, 15)).max_fee_idr == 0
    )
    charged = application(
        destination_country="HK",
        job=JobCategory.DOMESTIC_WORKER,
        fees=(FeePayment(amount_idr=1, payee=PayeeKind.RECRUITER_COMPANY_ACCOUNT),),
    )
    assert codes(assess(charged).reasons) == {R.FEES_ABOVE_OFFICIAL_COST}


def test_fees_with_no_cost_structure_go_to_a_person():
    paid = application(
        fees=(FeePayment(amount_idr=5_000_000, payee=PayeeKind.RECRUITER_COMPANY_ACCOUNT),)
    )
    decision = assess(paid)
    assert decision.outcome is PlacementOutcome.NEEDS_REVIEW
    assert codes(decision.flags) == {R.FLAG_FEES_WITHOUT_COST_STRUCTURE}


def test_fees_paid_to_a_personal_account_are_flagged_not_rejected():
    decision = assess(
        application(fees=(FeePayment(amount_idr=2_000_000, payee=PayeeKind.PERSONAL_ACCOUNT),))
    )
    assert decision.outcome is PlacementOutcome.NEEDS_REVIEW
    assert R.FLAG_FEES_TO_PERSONAL_ACCOUNT in codes(decision.flags)
    assert (
        "Rp 2.000.000"
        in next(f for f in decision.flags if f.code == R.FLAG_FEES_TO_PERSONAL_ACCOUNT).text.id
    )


def test_passport_and_visa_without_contract():
    decision = assess(
        application(documents=frozenset(REQUIRED_DOCUMENTS) - {DocumentKind.WORK_CONTRACT})
    )
    assert decision.outcome is PlacementOutcome.NEEDS_REVIEW
    assert codes(decision.flags) == {R.FLAG_VISA_WITHOUT_WORK_CONTRACT}
    assert codes(decision.reasons) == {R.MISSING_WORK_CONTRACT}


def test_identity_mismatch_is_flagged():
    decision = assess(application(sex_on_documents=Sex.MALE))
    assert codes(decision.flags) == {R.NIK_SEX_MISMATCH}


def test_same_passport_on_another_applicant_is_flagged():
    decision = assess(application(), shared_holders={IdentifierKind.PASSPORT: 2})
    assert codes(decision.flags) == {R.FLAG_SHARED_PASSPORT}
    assert "2" in decision.flags[0].text.en


def test_shared_phone_threshold_is_a_parameter():
    assert assess(application(), shared_holders={IdentifierKind.PHONE: 2}).flags == ()
    assert codes(assess(application(), shared_holders={IdentifierKind.PHONE: 3}).flags) == {
        R.FLAG_SHARED_PHONE
    }
    four = SharingThresholds(phone=4)
    assert (
        assess(application(), shared_holders={IdentifierKind.PHONE: 3}, thresholds=four).flags == ()
    )
    # Alone with its own identifiers, an applicant shares nothing.
    assert assess(application(), shared_holders=dict.fromkeys(IdentifierKind, 1)).flags == ()


def test_a_personal_fee_payee_shared_by_many_applicants_is_flagged():
    decision = assess(application(), shared_holders={IdentifierKind.FEE_PAYEE: 3})
    assert codes(decision.flags) == {R.FLAG_SHARED_FEE_PAYEE}


def test_identifiers_are_normalised_and_masked_and_company_payees_left_out():
    fees = (
        FeePayment(amount_idr=1, payee=PayeeKind.PERSONAL_ACCOUNT, payee_account="987-654-321"),
        FeePayment(
            amount_idr=1, payee=PayeeKind.RECRUITER_COMPANY_ACCOUNT, payee_account="111222333"
        ),
        FeePayment(amount_idr=1, payee=PayeeKind.CASH),
    )
    found = {i.kind: i for i in application(fees=fees, passport_number="c 123-4567").identifiers()}
    assert set(found) == set(IdentifierKind)
    assert found[IdentifierKind.PASSPORT].key == "C1234567"
    assert found[IdentifierKind.PASSPORT].masked == "C12***67"
    assert found[IdentifierKind.PHONE].key == "6281234567890"
    assert found[IdentifierKind.PHONE].masked == "+62812******90"
    assert found[IdentifierKind.FEE_PAYEE].key == "987654321"
    assert phone_key("0812 3456 7890") == phone_key("+62 812-3456-7890") == "6281234567890"
    assert mask("1234") == "****"


def test_the_same_value_hashes_alike_only_under_the_same_key_and_kind():
    [nik] = [i for i in application().identifiers() if i.kind is IdentifierKind.NIK]
    assert nik.key_hash(b"k1") == nik.key_hash(b"k1")
    assert nik.key_hash(b"k1") != nik.key_hash(b"k2")
    assert nik.key not in nik.key_hash(b"k1").hex()


def test_a_medical_certificate_dated_in_the_future_is_refused():
    decision = assess(application(medical_certificate_issued_on=date(2025, 6, 3)))
    assert codes(decision.reasons) == {R.MEDICAL_CERTIFICATE_DATED_IN_FUTURE}


def test_intake_flags_identity_signals_and_rejects_only_malformed_niks():
    born = date(1995, 8, 17)
    assert verify_intake(nik_for(born), born, "F", TODAY).outcome is PlacementOutcome.ELIGIBLE
    mismatch = verify_intake(nik_for(born), date(1995, 8, 18), "F", TODAY)
    assert mismatch.outcome is PlacementOutcome.NEEDS_REVIEW
    assert codes(mismatch.flags) == {R.NIK_BIRTH_DATE_MISMATCH}
    child = date(2010, 1, 1)
    under_age = verify_intake(nik_for(child), child, "F", TODAY)
    assert under_age.outcome is PlacementOutcome.NEEDS_REVIEW
    assert codes(under_age.flags) == {R.FLAG_UNDER_AGE}
    malformed = verify_intake("3314", born, "F", TODAY)
    assert malformed.outcome is PlacementOutcome.INELIGIBLE
    assert codes(malformed.reasons) == {R.NIK_NOT_SIXTEEN_DIGITS}


FLAG_MAKERS = {
    "personal_fee": lambda kw, holders: kw.update(
        fees=(FeePayment(amount_idr=1_000_000, payee=PayeeKind.CASH),)
    ),
    "no_contract": lambda kw, holders: kw.update(
        documents=frozenset(REQUIRED_DOCUMENTS) - {DocumentKind.WORK_CONTRACT}
    ),
    "sex_mismatch": lambda kw, holders: kw.update(sex_on_documents=Sex.MALE),
    "shared_bank": lambda kw, holders: holders.update({IdentifierKind.BANK_ACCOUNT: 3}),
}


def build(makers):
    kwargs, holders = {}, {}
    for name in sorted(makers):
        FLAG_MAKERS[name](kwargs, holders)
    return assess(application(**kwargs), shared_holders=holders)


@given(st.sets(st.sampled_from(sorted(FLAG_MAKERS))), st.data())
def test_adding_a_red_flag_never_clears_a_case(more, data):
    fewer = data.draw(st.sets(st.sampled_from(sorted(more))) if more else st.just(set()))
    smaller, larger = build(fewer), build(more)
    assert codes(smaller.flags) <= codes(larger.flags)
    if more:
        assert larger.outcome is PlacementOutcome.NEEDS_REVIEW


@given(
    st.lists(st.sampled_from(list(R)), max_size=3),
    st.lists(st.sampled_from(list(R)), min_size=1, max_size=3),
)
def test_any_flag_means_a_person_reviews(reason_codes, flag_codes):
    reasons = tuple(reason(c, **_dummy_params()) for c in reason_codes)
    flags = tuple(reason(c, **_dummy_params()) for c in flag_codes)
    assert decide_outcome(reasons, flags) is PlacementOutcome.NEEDS_REVIEW


def _dummy_params():
    names = [
        "province",
        "regency",
        "nik_date",
        "document_date",
        "age",
        "minimum",
        "issued_on",
        "last_valid_day",
        "licence",
        "country",
        "job",
        "regulation",
        "paid",
        "ceiling",
        "count",
        "amount",
        "step",
        "agency",
    ]
    return dict.fromkeys(names, "x")
