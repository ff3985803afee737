"""What the messages say: the first one gives the tracking code, a rejection says what to
correct, where to go and what to bring, an approval what the bank does and by when."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sentra_notifications.domain import compose
from sentra_notifications.domain.notice import Notice
from sentra_notifications.domain.templates import LANGUAGES
from sentra_shared.events import (
    ApplicantContact,
    ApplicationKind,
    ApplicationSubmitted,
    CreditOutcome,
    CreditScreened,
    DocumentsRejected,
    Event,
    RefundPaid,
)
from sentra_shared.reasons import BilingualText, Reason

APP = uuid.uuid4()
AT = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
TRACKING_CODE = "7K3QD-9XWM2"


def reason(code: str) -> Reason:
    return Reason(code=code, text=BilingualText(id="Alasan penolakan.", en="Why it was refused."))


def contact() -> ApplicantContact:
    return ApplicantContact(
        channels=("sms",),
        phone="+6281234567890",
        tracking_code=TRACKING_CODE,
        date_of_birth=date(1996, 3, 14),
    )


def notice_of(event: Event) -> Notice:
    notice = compose(event)
    assert notice is not None
    return notice


def test_the_first_message_gives_the_tracking_code_and_what_it_opens() -> None:
    told = notice_of(
        ApplicationSubmitted(
            application_id=APP,
            occurred_at=AT,
            kind=ApplicationKind.KUR_LOAN,
            regency_code="3314",
            contact=contact(),
        )
    )
    for lang in LANGUAGES:
        assert TRACKING_CODE in told.message(lang) and TRACKING_CODE in told.subject(lang)
    assert "tanggal lahir" in told.message_id and "halaman status" in told.message_id
    assert "date of birth" in told.message_en and "status page" in told.message_en
    without_contact = notice_of(
        ApplicationSubmitted(
            application_id=APP, occurred_at=AT, kind=ApplicationKind.KUR_LOAN, regency_code="3314"
        )
    )
    assert "kode lacak" not in without_contact.message_id
    assert "LTSA" in without_contact.message_en  # told where to ask instead

    # What the timeline and the status page keep: the same words, the code blotted out.
    shown = told.masking(TRACKING_CODE)
    masked = "".join("-" if c == "-" else "\u2022" for c in TRACKING_CODE)
    for lang in LANGUAGES:
        assert TRACKING_CODE not in shown.message(lang) + shown.subject(lang)
        assert shown.message(lang) == told.message(lang).replace(TRACKING_CODE, masked)
    assert told.masking(None) is told


def test_a_rejection_names_what_to_correct_where_to_go_and_what_to_bring() -> None:
    nik, medical = reason("NIK_INVALID_SERIAL"), reason("MEDICAL_CERTIFICATE_EXPIRED")
    told = notice_of(
        DocumentsRejected(
            application_id=APP,
            occurred_at=AT,
            kind=ApplicationKind.PLACEMENT,
            reasons=(nik, medical),
        )
    )
    assert told.final
    assert "Disdukcapil" in told.message_id and "civil registry" in told.message_en
    assert "3 bulan" in told.message_id and "3 months" in told.message_en
    assert "LTSA" in told.message_id and "family card" in told.message_en
    assert "apply again" in told.message_en
    # A confirmed red flag: come in person, never "apply again" (and never the flag).
    confirmed = notice_of(
        DocumentsRejected(
            application_id=APP,
            occurred_at=AT,
            kind=ApplicationKind.PLACEMENT,
            reasons=(reason("REVIEW_CONFIRMED_RED_FLAGS"),),
        )
    )
    assert "in person" in confirmed.message_en and "apply again" not in confirmed.message_en


def test_an_approval_says_what_the_bank_does_and_by_when() -> None:
    told = notice_of(
        CreditScreened(
            application_id=APP,
            occurred_at=AT,
            outcome=CreditOutcome.APPROVED,
            amount_idr=50_000_000,
            bank_decision_due=date(2026, 12, 2),
        )
    )
    assert "Bank wajib memutuskan paling lambat 2 Desember 2026" in told.message_id
    assert "The bank must decide by 2 December 2026" in told.message_en
    assert "passport" in told.message_en  # what to have ready when the bank calls


def test_a_credit_history_rejection_says_how_to_see_the_record() -> None:
    told = notice_of(
        CreditScreened(
            application_id=APP,
            occurred_at=AT,
            outcome=CreditOutcome.REJECTED,
            amount_idr=50_000_000,
            reasons=(reason("SLIK_NON_PERFORMING"),),
        )
    )
    assert "iDebKu" in told.message_id and "OJK" in told.message_en
    assert "Rp 50.000.000" in told.message_id


def test_won_are_written_the_readers_way() -> None:
    paid = notice_of(
        RefundPaid(
            application_id=APP,
            occurred_at=AT,
            amount_krw=400_000,
            amount_idr=4_560_000,
            paid_on=date(2026, 12, 1),
            paid_late=True,
        )
    )
    assert "KRW 400.000" in paid.message_id and "KRW 400,000" in paid.message_en
    assert "1 Desember 2026" in paid.message_id and "Maaf" in paid.message_id
