"""The message templates: every notice renders in both languages from sample events of
every variant (kind, outcome, step, remedy), with no missing fact (StrictUndefined), no
untranslated text, no template in one language only, and no template left unused."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import get_args

import pytest
from jinja2 import meta
from sentra_notifications.domain import compose, credit, documents, insurance
from sentra_notifications.domain.deadlines import PARTY_NAMES
from sentra_notifications.domain.notice import Notice
from sentra_notifications.domain.templates import (
    BLOCKS,
    LANGUAGES,
    SMS_BLOCK,
    environment,
    template_name,
)
from sentra_notifications.handlers import APPLICANT_FACING
from sentra_shared.calendar import WIB
from sentra_shared.events import (
    ApplicantContact,
    ApplicantNotificationFailed,
    ApplicationFlagged,
    ApplicationKind,
    ApplicationReviewed,
    ApplicationSubmitted,
    AwardAssessed,
    BorrowerRole,
    BusinessRegistered,
    ClaimOutcome,
    ConsultationAnswered,
    ConsultationReceived,
    ConsultationSubject,
    CreditDeadlineEscalated,
    CreditDeadlineOverdue,
    CreditOutcome,
    CreditScreened,
    CriterionScore,
    DeadlineStep,
    DocumentsDeadlineEscalated,
    DocumentsDeadlineOverdue,
    DocumentsRejected,
    DocumentsVerified,
    DormantClaimReferred,
    EmpowermentDeadlineEscalated,
    EmpowermentDeadlineOverdue,
    EmpowermentStep,
    Event,
    InsuranceDeadlineEscalated,
    InsuranceDeadlineOverdue,
    LoanDecided,
    LoanOutcome,
    LoanScheme,
    Milestone,
    MilestoneKind,
    ProgrammeEnrolled,
    ProgressRecorded,
    RefundClaimAssessed,
    RefundPaid,
    ReviewDecision,
    Sector,
)
from sentra_shared.reasons import BilingualText, Reason

APP = uuid.uuid4()
AT = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
TRACKING_CODE = "7K3QD-9XWM2"


def reason(code: str) -> Reason:
    return Reason(
        code=code,
        text=BilingualText(id="Keterangan alasan penolakan.", en="Explanation of the reason."),
    )


# One reason code per remedy each service's notices advise, plus one no rule knows.
DOCUMENT_CODES = [prefix for prefix, _ in documents.REMEDY_BY_PREFIX] + ["AGENCY_CHECK_FAILED"]
CREDIT_CODES = [*credit.REMEDIES, "BANK_REJECTED_WITHOUT_REASON"]
CLAIM_CODES = [*insurance.REMEDIES, "ALREADY_PAID"]


def contact() -> ApplicantContact:
    return ApplicantContact(
        channels=("sms",),
        phone="+6281234567890",
        tracking_code=TRACKING_CODE,
        date_of_birth=date(1996, 3, 14),
    )


PARTY_OF = {
    DeadlineStep.AGENCY_CHECK: "imigrasi",
    DeadlineStep.OFFICER_REVIEW: "officer",
    DeadlineStep.BANK_CHECK: "bank",
    DeadlineStep.BANK_DECISION: "bank",
    DeadlineStep.INSURER_CHECK: "insurer",
    DeadlineStep.INSURER_PAYOUT: "insurer",
}
# Who owes the empowerment service's answers: organisers report, desks answer.
ORGANISERS = ("disnaker", "bank", "trade_office")
DESKS = {
    "placement": "placement_desk",
    "credit": "credit_desk",
    "refund": "refund_desk",
    "product": "product_desk",
}


def deadline_samples() -> Iterator[Event]:
    due = datetime(2026, 11, 25, tzinfo=WIB)
    steps_of = {
        (DocumentsDeadlineOverdue, DocumentsDeadlineEscalated): (
            [(DeadlineStep.AGENCY_CHECK, party) for party in PARTY_NAMES]
            + [(DeadlineStep.AGENCY_CHECK, "a_new_agency")]
        ),
        (CreditDeadlineOverdue, CreditDeadlineEscalated): [],
        (InsuranceDeadlineOverdue, InsuranceDeadlineEscalated): [],
    }
    # Every step through every owning service's events: the wording is the step's.
    for (overdue, escalated), agency_steps in steps_of.items():
        steps = agency_steps + [(step, PARTY_OF[step]) for step in DeadlineStep]
        for step, party in steps:
            common = dict(
                application_id=APP,
                occurred_at=AT,
                step=step,
                party=party,
                request_id=uuid.uuid4(),
                requested_at=AT - timedelta(days=3),
                due_at=due,
            )
            yield overdue(**common)
            yield escalated(
                **common, supervisor="Polda Jawa Tengah", escalated_for_at=due + timedelta(days=3)
            )
    empowerment_steps = [(EmpowermentStep.PROGRAMME_REPORT, p) for p in ORGANISERS] + [
        (EmpowermentStep.CONSULTATION_ANSWER, desk) for desk in DESKS.values()
    ]
    for e_step, party in empowerment_steps:
        common = dict(
            application_id=APP,
            occurred_at=AT,
            step=e_step,
            party=party,
            request_id=uuid.uuid4(),
            requested_at=AT - timedelta(days=3),
            due_at=due,
        )
        yield EmpowermentDeadlineOverdue(**common)
        yield EmpowermentDeadlineEscalated(
            **common, supervisor="OJK", escalated_for_at=due + timedelta(days=3)
        )


# A desk's answer, quoted as given (in the asker's language): short, and long enough to be
# cut for SMS.
SHORT_ANSWER = "KUR Mikro needs no collateral up to Rp 100 million."
LONG_ANSWER = " ".join(["Placement goes only through a licensed recruiter (SIP3MI)."] * 12)
ANSWERS = (SHORT_ANSWER, LONG_ANSWER)


def empowerment_samples() -> Iterator[Event]:
    e = {"application_id": APP, "occurred_at": AT}
    for sector in get_args(Sector):
        for listed in (True, False):
            yield BusinessRegistered(
                **e,
                owner_role="family",
                sector=sector,
                regency_code="3314",
                stage="idea",
                listed=listed,
                contact=contact(),
            )
    for organiser in ORGANISERS:
        yield ProgrammeEnrolled(
            **e,
            programme_id="digital-2026",
            programme_title="Digital Marketing 2026",
            organiser=organiser,
            starts_on=date(2026, 12, 1),
            ends_on=date(2026, 12, 19),
            report_due=datetime(2026, 12, 30, tzinfo=WIB),
        )
    milestone_sets = [(), *([kind] for kind in get_args(MilestoneKind)), get_args(MilestoneKind)]
    for kinds in milestone_sets:
        for late in (False, True):
            yield ProgressRecorded(
                **e,
                programme_id="digital-2026",
                completed=True,
                sessions_held=6,
                sessions_attended=6,
                milestones=tuple(
                    Milestone(kind=kind, achieved_on=date(2026, 12, 5 + i))
                    for i, kind in enumerate(kinds)
                ),
                reported_late=late,
            )
    yield ProgressRecorded(
        **e,
        programme_id="digital-2026",
        completed=False,
        sessions_held=6,
        sessions_attended=0,
        reasons=(reason("PARTICIPANT_ABSENT"),),
        reported_late=False,
    )
    for nominated in (True, False):
        for full in (True, False):
            yield AwardAssessed(
                **e,
                award="purna-pmi-2026",
                criteria_version="2026-1",
                scores=(
                    CriterionScore(
                        criterion="milestones",
                        points=Decimal(10 if full else "6.5"),
                        max_points=Decimal(10),
                        explanation=reason("MILESTONES"),
                    ),
                ),
                total=Decimal(10 if full else "6.5"),
                threshold=Decimal(7 if nominated else 12),
                nominated=nominated,
            )
    for subject, desk in DESKS.items():
        yield ConsultationReceived(
            **e,
            asker_role="buyer",
            subject=subject,
            desk=desk,
            answer_due=datetime(2026, 11, 30, tzinfo=WIB),
            contact=contact(),
        )
        for answer in ANSWERS:
            for late in (False, True):
                yield ConsultationAnswered(**e, desk=desk, answer=answer, answered_late=late)


def samples() -> Iterator[Event]:
    e = {"application_id": APP, "occurred_at": AT}
    for kind in ApplicationKind:
        yield ApplicationSubmitted(**e, kind=kind, regency_code="3314", contact=contact())
        yield ApplicationSubmitted(**e, kind=kind, regency_code="3314")
        yield ApplicationFlagged(
            **e, kind=kind, flag_codes=("FLAG_SHARED_PHONE",), review_due=AT + timedelta(days=3)
        )
        for decision in ReviewDecision:
            yield ApplicationReviewed(
                **e, kind=kind, decision=decision, officer_id="officer-1", reason="Checked."
            )
        yield DocumentsVerified(**e, kind=kind)
        for code in DOCUMENT_CODES:
            yield DocumentsRejected(**e, kind=kind, reasons=(reason(code),))
        yield DocumentsRejected(**e, kind=kind, reasons=tuple(map(reason, DOCUMENT_CODES)))
    for outcome in CreditOutcome:
        for codes in [[], *([code] for code in CREDIT_CODES), CREDIT_CODES]:
            for due in (date(2026, 12, 2), None):
                yield CreditScreened(
                    **e,
                    outcome=outcome,
                    amount_idr=50_000_000,
                    reasons=tuple(map(reason, codes)),
                    bank_decision_due=due,
                )
        # A family's or a returnee's loan, under KUR or the regional bank's programme.
        for role in get_args(BorrowerRole):
            for scheme in get_args(LoanScheme):
                yield CreditScreened(
                    **e,
                    outcome=outcome,
                    amount_idr=50_000_000,
                    bank_decision_due=date(2026, 12, 2),
                    borrower_role=role,
                    scheme=scheme,
                )
    for late in (False, True):
        yield LoanDecided(
            **e, outcome=LoanOutcome.DISBURSED, amount_disbursed_idr=50_000_000, decided_late=late
        )
        yield LoanDecided(
            **e, outcome=LoanOutcome.REJECTED, reasons=(reason("X"),), decided_late=late
        )
        yield RefundPaid(
            **e, amount_krw=400_000, amount_idr=4_560_000, paid_on=date(2026, 12, 1), paid_late=late
        )
    for outcome in ClaimOutcome:
        for codes in [[], *([code] for code in CLAIM_CODES)]:
            for known in (True, False):
                yield RefundClaimAssessed(
                    **e,
                    outcome=outcome,
                    amount_krw=400_000 if known else None,
                    amount_idr=4_560_000 if known else None,
                    last_claim_day=date(2027, 1, 1) if known else None,
                    reasons=tuple(map(reason, codes)),
                    payout_due=date(2026, 12, 9) if known else None,
                )
    for amount in (400_000, None):
        yield DormantClaimReferred(
            **e,
            amount_krw=amount,
            last_claim_day=date(2022, 1, 1),
            instructions=(reason("DORMANT_BRING_PASSPORT"),),
        )
    yield from deadline_samples()
    yield from empowerment_samples()
    for channel in ("sms", "email"):
        yield ApplicantNotificationFailed(
            **e, channel=channel, about=LoanDecided.ce_type(), attempts=6, reason="SMTP 451"
        )


SAMPLES = list(samples())


def notices() -> list[Notice]:
    return [notice for event in SAMPLES if (notice := compose(event)) is not None]


# Words that give away a sentence left in the other language.
ENGLISH = frozenset(
    ("the", "your", "you", "and", "is", "are", "was", "will", "has", "have", "been", "with",
     "please", "must", "by", "of", "to", "not", "for", "this", "we", "it")
)  # fmt: skip
INDONESIAN = frozenset(
    ("anda", "dan", "yang", "untuk", "dengan", "tidak", "akan", "sudah", "telah", "kami",
     "ini", "atau", "ke", "di", "dari", "oleh", "paling", "lambat")
)  # fmt: skip


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def test_the_samples_cover_every_event_type_and_variant() -> None:
    # Applicant-facing events, and the failure the delivery worker tells on the timeline.
    assert {type(e) for e in SAMPLES} == {*APPLICANT_FACING, ApplicantNotificationFailed}
    seen = {(type(e).__name__, str(v)) for e in SAMPLES for v in vars(e).values()}
    for enum, owners in (
        (ApplicationKind, ("ApplicationSubmitted", "ApplicationFlagged", "DocumentsRejected")),
        (ReviewDecision, ("ApplicationReviewed",)),
        (CreditOutcome, ("CreditScreened",)),
        (LoanOutcome, ("LoanDecided",)),
        (ClaimOutcome, ("RefundClaimAssessed",)),
        (DeadlineStep, ("CreditDeadlineOverdue", "InsuranceDeadlineEscalated")),
        (EmpowermentStep, ("EmpowermentDeadlineOverdue", "EmpowermentDeadlineEscalated")),
    ):
        for owner in owners:
            assert {(owner, str(v)) for v in enum} <= seen, (owner, enum.__name__)
    for values, owner in (
        (get_args(Sector), "BusinessRegistered"),
        (get_args(ConsultationSubject), "ConsultationReceived"),
        (get_args(BorrowerRole), "CreditScreened"),
        (get_args(LoanScheme), "CreditScreened"),
    ):
        assert {(owner, v) for v in values} <= seen, owner
    remedies = (
        {documents.remedy(c) for c in DOCUMENT_CODES}
        | {credit.remedy(c) for c in CREDIT_CODES}
        | {insurance.remedy(c) for c in CLAIM_CODES}
    )
    assert remedies == {
        *(topic for _, topic in documents.REMEDY_BY_PREFIX),
        *credit.REMEDIES.values(),
        *insurance.REMEDIES.values(),
        "ask",
    }


def unquoted(text: str, event: Event) -> str:
    """The text without the desk's answer, which is quoted in the asker's language as given
    (whole, or its first part)."""
    if isinstance(event, ConsultationAnswered):
        return re.sub(r'"[^"]*"', '""', text)
    return text


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: type(e).__name__)
def test_every_notice_is_written_in_both_languages(event: Event) -> None:
    notice = compose(event)  # a fact a template names but nobody gathered fails here
    if notice is None:
        assert isinstance(event, ApplicationReviewed)
        assert event.decision is ReviewDecision.CONFIRMED
        return
    for lang in LANGUAGES:
        subject, message, sms = notice.subject(lang), notice.message(lang), notice.sms(lang)
        assert 10 < len(subject) <= 120 and "\n" not in subject
        assert len(message) > 60 and len(sms) > 60
        for text in (subject, message, sms):
            assert not set("{}%#") & set(text), text  # no template syntax left over
            assert "  " not in text and text == text.strip()
            assert not re.search(r"[.;:!?][A-Za-z]", text), text  # sentences run together
            assert text.isascii(), text  # GSM-7 for SMS: one curly quote halves a segment
    assert notice.subject_id != notice.subject_en
    assert notice.message_id != notice.message_en
    for text in (notice.subject_id, notice.message_id, notice.sms("id")):
        text = unquoted(text, event)
        assert not words(text) & ENGLISH, (words(text) & ENGLISH, text)
    for text in (notice.subject_en, notice.message_en, notice.sms("en")):
        text = unquoted(text, event)
        assert not words(text) & INDONESIAN, (words(text) & INDONESIAN, text)
    for r in (*getattr(event, "reasons", ()), *getattr(event, "instructions", ())):
        assert r.text.id in notice.message_id and r.text.en in notice.message_en
    # The internal id is ours, never the applicant's to see.
    assert str(APP) not in notice.message_id + notice.message_en
    assert APP.hex not in notice.message_id + notice.message_en


def test_every_template_exists_in_every_language_and_has_a_subject_and_message() -> None:
    env = environment()
    by_lang = {
        lang: {n.split("/", 1)[1] for n in env.list_templates() if n.startswith(f"{lang}/")}
        for lang in LANGUAGES
    }
    assert by_lang["id"] == by_lang["en"]
    assert set(env.list_templates()) == {f"{lang}/{n}" for lang in LANGUAGES for n in by_lang[lang]}
    for name in env.list_templates():
        template = env.get_template(name)
        if name.split("/")[-1].startswith("_"):
            continue  # partials: macros the notices import
        assert set(BLOCKS) <= set(template.blocks) <= {*BLOCKS, SMS_BLOCK}, name
    # The SMS block is a notice's in both languages or in neither: only a desk's answer
    # can grow too long for an SMS.
    sms_of = {
        lang: {
            n.split("/", 1)[1]
            for n in env.list_templates()
            if n.startswith(f"{lang}/") and SMS_BLOCK in env.get_template(n).blocks
        }
        for lang in LANGUAGES
    }
    assert sms_of["id"] == sms_of["en"] == {"consultation_answered.j2"}


def test_every_template_file_is_used_by_some_event() -> None:
    env = environment()
    used = {template_name(notice.status, lang) for notice in notices() for lang in LANGUAGES}
    for name in list(used):
        source = env.loader.get_source(env, name)[0]  # type: ignore[union-attr]
        used |= {str(n) for n in meta.find_referenced_templates(env.parse(source)) if n}
    assert used == set(env.list_templates())


def test_the_templates_are_read_on_first_use_not_at_import() -> None:
    probe = (
        "import sentra_notifications.handlers\n"
        "from sentra_notifications.domain.templates import environment\n"
        "print(environment.cache_info().currsize)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"
