from sentra_documents.domain.placement import REQUIRED_DOCUMENTS
from sentra_documents.domain.reasons import CATALOGUE, DocumentsReason, missing_document_reason


def test_every_reason_code_has_text_in_both_languages():
    assert CATALOGUE.missing(list(DocumentsReason)) == []


def test_both_languages_use_the_same_placeholders():
    assert CATALOGUE.mismatched_placeholders() == []


def test_every_required_document_has_a_missing_reason():
    for kind in REQUIRED_DOCUMENTS:
        assert missing_document_reason(kind).code == f"MISSING_{kind.name}"
