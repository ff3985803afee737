"""What a business owner and an asker are told, and what a family's or a returnee's loan
says: the facts in each language, the final word, and an SMS that stays readable."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sentra_notifications.domain import compose
from sentra_notifications.domain.delivery import Contact, messages_for
from sentra_notifications.domain.empowerment import SMS_ANSWER_CHARS, excerpt, points
from sentra_notifications.domain.notice import Notice
from sentra_shared.calendar import WIB
from sentra_shared.events import (
    ApplicantContact,
    AwardAssessed,
    BusinessRegistered,
    ConsultationAnswered,
    ConsultationReceived,
    CreditOutcome,
    CreditScreened,
    CriterionScore,
    EmpowermentDeadlineEscalated,
    EmpowermentDeadlineOverdue,
    EmpowermentStep,
    Event,
    Milestone,
    ProgrammeEnrolled,
    ProgressRecorded,
)
from sentra_shared.reasons import BilingualText, Reason

APP = uuid.uuid4()
AT = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
CODE = "7K3QD-9XWM2"
CONTACT = ApplicantContact(
    channels=("sms", "email"),
    phone="+6281234567890",
    email="purna@example.id",
    tracking_code=CODE,
    date_of_birth=date(1978, 8, 17),
)


def told(event: Event) -> Notice:
    notice = compose(event)
    assert notice is not None
    return notice


def test_a_registered_business_gets_its_tracking_code_and_hears_about_the_catalogue() -> None:
    def registered(listed: bool) -> Notice:
        return told(
            BusinessRegistered(
                application_id=APP,
                occurred_at=AT,
                owner_role="returnee",
                sector="food_and_drink",
                regency_code="3314",
                stage="running",
                listed=listed,
                contact=CONTACT,
            )
        )

    listed, unlisted = registered(True), registered(False)
    assert listed.status == "business_registered" and not listed.final
    for lang in ("id", "en"):
        assert CODE in listed.subject(lang) and CODE in listed.message(lang)
    assert "makanan dan minuman" in listed.message_id and "food and drink" in listed.message_en
    assert "tanggal lahir" in listed.message_id and "date of birth" in listed.message_en
    assert "shown in the public catalogue" in listed.message_en
    assert "not shown in the public catalogue" in unlisted.message_en
    assert "tidak ditampilkan di katalog publik" in unlisted.message_id
    # On the timeline the code is blotted out, in every text.
    masked = listed.masking(CODE)
    assert CODE not in masked.message_en + masked.message_id + masked.subject_en


def test_enrolment_names_the_programme_its_organiser_and_its_dates() -> None:
    notice = told(
        ProgrammeEnrolled(
            application_id=APP,
            occurred_at=AT,
            programme_id="digital-2026",
            programme_title="Digital Marketing 2026",
            organiser="trade_office",
            starts_on=date(2026, 12, 1),
            ends_on=date(2026, 12, 19),
            report_due=datetime(2026, 12, 30, tzinfo=WIB),
        )
    )
    assert notice.status == "programme_enrolled" and not notice.final
    assert "Digital Marketing 2026" in notice.subject_en
    assert "from 1 December 2026 to 19 December 2026" in notice.message_en
    assert "dari 1 Desember 2026 sampai 19 Desember 2026" in notice.message_id
    assert "Disperindag" in notice.message_id and "trade office (Disperindag)" in notice.message_en


def test_progress_tells_attendance_and_milestones_in_words_in_the_order_achieved() -> None:
    notice = told(
        ProgressRecorded(
            application_id=APP,
            occurred_at=AT,
            programme_id="digital-2026",
            completed=True,
            sessions_held=6,
            sessions_attended=5,
            milestones=(
                Milestone(kind="first_sale", achieved_on=date(2026, 12, 12)),
                Milestone(kind="business_permit", achieved_on=date(2026, 12, 3)),
            ),
            reported_late=True,
        )
    )
    assert notice.status == "progress_recorded" and not notice.final
    assert "5 of 6 sessions" in notice.subject_en and "hadir 5 dari 6 sesi" in notice.subject_id
    assert (
        "achieved a business permit on 3 December 2026; a first sale on 12 December 2026."
        in notice.message_en
    )
    assert "izin usaha pada 3 Desember 2026; penjualan pertama pada 12 Desember 2026" in (
        notice.message_id
    )
    assert "came late" in notice.message_en and "terlambat" in notice.message_id


def test_an_organiser_reporting_absence_gives_its_reasons() -> None:
    absent = Reason(
        code="PARTICIPANT_ABSENT",
        text=BilingualText(id="Peserta tidak hadir.", en="The participant did not attend."),
    )
    notice = told(
        ProgressRecorded(
            application_id=APP,
            occurred_at=AT,
            programme_id="digital-2026",
            completed=False,
            sessions_held=6,
            sessions_attended=0,
            reasons=(absent,),
            reported_late=False,
        )
    )
    assert not notice.final
    assert "did not take part (0 of 6 sessions attended)" in notice.message_en
    assert "Peserta tidak hadir." in notice.message_id
    assert "The participant did not attend." in notice.message_en


def assessed(nominated: bool) -> AwardAssessed:
    def score(criterion: str, got: str, of: int, id_: str, en: str) -> CriterionScore:
        return CriterionScore(
            criterion=criterion,
            points=Decimal(got),
            max_points=Decimal(of),
            explanation=Reason(code=criterion.upper(), text=BilingualText(id=id_, en=en)),
        )

    scores = (
        score("attendance", "10", 10, "Hadir di semua sesi.", "Attended every session."),
        score(
            "milestones", "3.5", 10, "Satu dari tiga capaian.", "One milestone of three reached."
        ),
    )
    return AwardAssessed(
        application_id=APP,
        occurred_at=AT,
        award="purna-pmi-2026",
        criteria_version="2026-1",
        scores=scores,
        total=Decimal("13.5"),
        threshold=Decimal(12 if nominated else 15),
        nominated=nominated,
    )


def test_a_nomination_is_final_with_the_total_and_the_threshold() -> None:
    notice = told(assessed(nominated=True))
    assert notice.status == "award_nominated" and notice.final
    assert "scored 13.5 points" in notice.message_en and "threshold of 12" in notice.message_en
    assert "nilai 13,5" in notice.message_id and "ambang 12" in notice.message_id


def test_no_nomination_is_final_and_explains_only_the_criteria_that_fell_short() -> None:
    notice = told(assessed(nominated=False))
    assert notice.status == "award_not_nominated" and notice.final
    assert "a nomination needs 15" in notice.message_en
    assert "One milestone of three reached (3.5 of 10 points)." in notice.message_en
    assert "Satu dari tiga capaian (nilai 3,5 dari 10)." in notice.message_id
    # A criterion with full points is not a shortfall.
    assert "Attended every session" not in notice.message_en
    assert "Hadir di semua sesi" not in notice.message_id


def test_scores_read_the_way_each_language_writes_them() -> None:
    assert points(Decimal("7.50"), "id") == "7,5" and points(Decimal("7.50"), "en") == "7.5"
    assert points(Decimal("8.0"), "en") == "8" and points(Decimal("10"), "id") == "10"


def test_a_consultation_received_names_the_desk_and_its_due_day() -> None:
    notice = told(
        ConsultationReceived(
            application_id=APP,
            occurred_at=AT,
            asker_role="buyer",
            subject="product",
            desk="product_desk",
            answer_due=datetime(2026, 11, 30, 17, 0, tzinfo=WIB),
            contact=CONTACT,
        )
    )
    assert notice.status == "consultation_received" and not notice.final
    assert "the product desk, which must answer by 30 November 2026" in notice.message_en
    assert "paling lambat 30 November 2026" in notice.message_id
    assert CODE in notice.message_en and CODE in notice.subject_id


def answered(answer: str, late: bool = False) -> Notice:
    return told(
        ConsultationAnswered(
            application_id=APP,
            occurred_at=AT,
            desk="credit_desk",
            answer=answer,
            answered_late=late,
        )
    )


def test_a_short_answer_reaches_the_asker_whole_by_sms_and_email() -> None:
    answer = "KUR Mikro needs no extra collateral; apply through Sentra."
    notice = answered(answer)
    assert notice.status == "consultation_answered" and notice.final
    assert notice.sms_id is None and notice.sms_en is None
    assert f'"{answer}"' in notice.message_en and f'"{answer}"' in notice.message_id
    contact = Contact("en", ("sms", "email"), "+6281234567890", "a@example.id")
    sms, email = messages_for(notice, contact)
    assert (sms.channel, email.channel) == ("sms", "email")
    assert answer in sms.text and answer in email.text and sms.text == email.text


def test_a_long_answer_goes_by_sms_as_its_first_part_and_whole_by_email() -> None:
    sentence = "Placement goes only through a licensed recruiter (SIP3MI) at the LTSA."
    answer = " ".join([sentence] * 10)
    notice = answered(answer, late=True)
    assert notice.final and answer in notice.message_en and answer in notice.message_id
    contact = Contact("id", ("sms", "email"), "+6281234567890", "a@example.id")
    sms, email = messages_for(notice, contact)
    assert answer in email.text and answer not in sms.text
    first_part = excerpt(answer)
    assert first_part is not None and first_part in sms.text
    assert "halaman status" in sms.text and "terlambat" in sms.text
    assert notice.sms_en is not None and "status page" in notice.sms_en
    # Four concatenated segments of 153 characters at most.
    assert len(notice.sms("id")) <= 4 * 153 and len(notice.sms("en")) <= 4 * 153


def test_the_excerpt_is_cut_at_a_word_and_says_so() -> None:
    assert excerpt("short answer") is None
    text = " ".join(["kata"] * 200)
    cut = excerpt(text)
    assert cut is not None and cut.endswith("kata...")
    assert len(cut) <= SMS_ANSWER_CHARS + 3
    assert excerpt("x" * 400) == "x" * SMS_ANSWER_CHARS + "..."


def missed(cls: type[Event], step: EmpowermentStep, party: str, **extra: object) -> Notice:
    return told(
        cls(
            application_id=APP,
            occurred_at=AT,
            step=step,
            party=party,
            request_id=uuid.uuid4(),
            requested_at=AT - timedelta(days=5),
            due_at=datetime(2026, 11, 28, tzinfo=WIB),
            **extra,
        )
    )


def test_a_late_desk_is_delayed_then_escalated_as_the_final_word() -> None:
    overdue = missed(EmpowermentDeadlineOverdue, EmpowermentStep.CONSULTATION_ANSWER, "refund_desk")
    assert overdue.status == "delayed" and not overdue.final
    assert overdue.subject_en == "Sorry, the answer to your question is late"
    assert "the answer from the insurance refund desk to your question is late" in (
        overdue.message_en
    )
    escalated = missed(
        EmpowermentDeadlineEscalated,
        EmpowermentStep.CONSULTATION_ANSWER,
        "refund_desk",
        supervisor="BP2MI / KP2MI",
        escalated_for_at=datetime(2026, 12, 3, tzinfo=WIB),
    )
    assert escalated.status == "escalated" and escalated.final
    assert "BP2MI / KP2MI, who now handles it" in escalated.message_en
    assert "If a late answer still comes, we will tell you." in escalated.message_en


def test_an_organisers_late_report_is_escalated_but_the_business_stays_open() -> None:
    escalated = missed(
        EmpowermentDeadlineEscalated,
        EmpowermentStep.PROGRAMME_REPORT,
        "trade_office",
        supervisor="Pemerintah Provinsi Jawa Tengah (Biro Perekonomian)",
        escalated_for_at=datetime(2026, 12, 5, tzinfo=WIB),
    )
    assert not escalated.final
    assert "the report by the trade office (Disperindag) on your programme" in (
        escalated.message_en
    )
    assert "Berkas usaha Anda tetap diproses" in escalated.message_id


def screened(role: str, scheme: str) -> Notice:
    return told(
        CreditScreened(
            application_id=APP,
            occurred_at=AT,
            outcome=CreditOutcome.APPROVED,
            amount_idr=25_000_000,
            bank_decision_due=date(2026, 12, 2),
            borrower_role=role,
            scheme=scheme,
        )
    )


def test_credit_notices_name_a_family_or_returnee_loan_and_the_regional_programme() -> None:
    worker = screened("worker", "kur")
    assert worker.subject_en.startswith("Your KUR loan ")
    assert worker.subject_id.startswith("KUR Anda ")
    assert "passport and work agreement" in worker.message_en
    family = screened("family", "kur")
    assert "KUR loan for a migrant worker's family" in family.message_en
    assert "KUR keluarga PMI" in family.message_id
    assert "passport" not in family.message_en and "the worker's reference" in family.message_en
    returnee = screened("returnee", "regional")
    assert "regional bank's programme for returning workers" in returnee.subject_en
    assert returnee.subject_id.startswith("Kredit program bank daerah untuk purna PMI")
    assert "details of your business" in returnee.message_en
    # The same status and finality: a wording change, not a new path.
    assert {n.status for n in (worker, family, returnee)} == {"credit_approved"}
    assert not any(n.final for n in (worker, family, returnee))
