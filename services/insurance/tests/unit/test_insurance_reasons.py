from sentra_insurance.domain.reasons import CATALOGUE, InsuranceReason


def test_every_reason_code_has_text_in_both_languages():
    assert CATALOGUE.missing(list(InsuranceReason)) == []


def test_both_languages_use_the_same_placeholders():
    assert CATALOGUE.mismatched_placeholders() == []
