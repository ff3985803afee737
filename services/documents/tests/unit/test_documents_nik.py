from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sentra_documents.domain.nik import (
    InvalidNik,
    Nik,
    Sex,
    cross_check_identity,
    parse_nik,
    resolve_birth_year,
)
from sentra_documents.domain.reasons import DocumentsReason
from sentra_shared.regions import (
    CENTRAL_JAVA_REGENCIES,
    PROGRAM_SENDING_REGENCIES,
    is_program_sending_regency,
    regency_name,
)

TODAY = date(2025, 6, 2)


def codes(reasons):
    return {r.code for r in reasons}


def test_woman_from_sragen_has_day_plus_forty():
    nik = parse_nik("3314015708950001", reference_date=TODAY)
    assert nik.sex is Sex.FEMALE
    assert nik.birth_date == date(1995, 8, 17)
    assert nik.regency_code == "3314"
    assert regency_name(nik.regency_code) == "Kabupaten Sragen"


def test_man_from_cilacap():
    nik = parse_nik("3301020501010002", reference_date=TODAY)
    assert (nik.sex, nik.birth_date, nik.district, nik.serial) == (
        Sex.MALE,
        date(2001, 1, 5),
        "02",
        "0002",
    )


def test_two_digit_year_is_resolved_against_the_reference_date_not_the_clock():
    assert parse_nik("3301020501010002", reference_date=date(2000, 6, 1)).birth_date == date(
        1901, 1, 5
    )
    # Born on the reference day itself still belongs to this century.
    assert resolve_birth_year(25, 6, 2, TODAY) == 2025
    assert resolve_birth_year(25, 6, 3, TODAY) == 1925


def test_29_february_1900_does_not_exist():
    # 29 Feb of year "00": 2000-02-29 is after the reference, 1900 was not a leap year.
    with pytest.raises(InvalidNik) as invalid:
        parse_nik("3301022902000001", reference_date=date(1999, 1, 1))
    assert codes(invalid.value.reasons) == {DocumentsReason.NIK_INVALID_BIRTH_DATE}
    assert parse_nik("3301022902000001", reference_date=TODAY).birth_date == date(2000, 2, 29)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("331401570895000", DocumentsReason.NIK_NOT_SIXTEEN_DIGITS),
        ("33140157089500012", DocumentsReason.NIK_NOT_SIXTEEN_DIGITS),
        ("33140157O8950001", DocumentsReason.NIK_NOT_SIXTEEN_DIGITS),
        ("9914015708950001", DocumentsReason.NIK_UNKNOWN_PROVINCE),
        ("3330015708950001", DocumentsReason.NIK_UNKNOWN_REGENCY),
        ("3200015708950001", DocumentsReason.NIK_UNKNOWN_REGENCY),
        ("3314005708950001", DocumentsReason.NIK_INVALID_DISTRICT),
        ("3314013208950001", DocumentsReason.NIK_INVALID_BIRTH_DATE),
        ("3314017208950001", DocumentsReason.NIK_INVALID_BIRTH_DATE),
        ("3314015713950001", DocumentsReason.NIK_INVALID_BIRTH_DATE),
        ("3314015708950000", DocumentsReason.NIK_INVALID_SERIAL),
    ],
)
def test_invalid_niks_say_why(raw, code):
    with pytest.raises(InvalidNik) as raised:
        parse_nik(raw, reference_date=TODAY)
    assert code in codes(raised.value.reasons)


def test_central_java_has_35_regencies_and_cities():
    assert len(CENTRAL_JAVA_REGENCIES) == 35
    assert all(code.startswith("33") for code in CENTRAL_JAVA_REGENCIES)


def test_the_nine_sending_regencies():
    expected = {
        "3314": "Kabupaten Sragen",
        "3301": "Kabupaten Cilacap",
        "3302": "Kabupaten Banyumas",
        "3307": "Kabupaten Wonosobo",
        "3329": "Kabupaten Brebes",
        "3327": "Kabupaten Pemalang",
        "3324": "Kabupaten Kendal",
        "3318": "Kabupaten Pati",
        "3315": "Kabupaten Grobogan",
    }
    assert {code: regency_name(code) for code in PROGRAM_SENDING_REGENCIES} == expected
    assert is_program_sending_regency("3314")
    assert not is_program_sending_regency("3374")  # Kota Semarang


def test_cross_check_against_other_documents():
    nik = parse_nik("3314015708950001", reference_date=TODAY)
    assert (
        cross_check_identity(
            nik, birth_date_on_documents=date(1995, 8, 17), sex_on_documents=Sex.FEMALE
        )
        == ()
    )
    mismatch = cross_check_identity(
        nik, birth_date_on_documents=date(1997, 8, 17), sex_on_documents=Sex.MALE
    )
    assert codes(mismatch) == {
        DocumentsReason.NIK_BIRTH_DATE_MISMATCH,
        DocumentsReason.NIK_SEX_MISMATCH,
    }
    assert "1995-08-17" in mismatch[0].text.id and "1997-08-17" in mismatch[0].text.en


@st.composite
def valid_niks(draw):
    reference = draw(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)))
    # Any date within the last 99 years resolves back to itself.
    birth = draw(
        st.dates(
            min_value=max(date(1900, 1, 1), reference - timedelta(days=99 * 365)),
            max_value=reference,
        )
    )
    regency = draw(st.sampled_from(sorted(CENTRAL_JAVA_REGENCIES)))
    nik = Nik(
        province=regency[:2],
        regency=regency[2:],
        district=f"{draw(st.integers(1, 99)):02d}",
        birth_date=birth,
        sex=draw(st.sampled_from(Sex)),
        serial=f"{draw(st.integers(1, 9999)):04d}",
    )
    return nik, reference


@given(valid_niks())
def test_parse_format_round_trip(case):
    nik, reference = case
    text = nik.format()
    assert len(text) == 16 and text.isdigit()
    assert parse_nik(text, reference_date=reference) == nik
    assert parse_nik(text, reference_date=reference).format() == text


@given(st.text(max_size=20))
def test_parsing_never_crashes_on_garbage(raw):
    try:
        parse_nik(raw, reference_date=TODAY)
    except InvalidNik as invalid:
        assert invalid.reasons
