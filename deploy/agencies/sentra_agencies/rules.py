"""What each built-in agency answers: pure, deterministic sandbox rules.

Sandbox conventions (documented for agencies and testers in deploy/agencies/README.md):
by the NIK's serial (its last 4 digits) 9999 is unknown to Dukcapil, 9998 has a police
record, 9997 has SLIK collectibility 5 (loss), 9996 collectibility 2 (special mention),
9995 is refused the loan by the bank. For the insurer, a passport name with the word
UNKNOWN is not insured, and a casualty is on file only for a name with the word CASUALTY.
Programme organisers report every session attended, unless the participant's name has
the word ABSENT; the milestones reported grow with the business's stage (see
`_milestones`). Desks answer every question with the desk's standing advice, in the
asker's language (a question with the word UNANSWERED is never answered: `timing`).
Everything else passes.

An answer depends only on the request and the day it takes effect (`on`), never on when
it happens to be sent: a request answered again after a restart gets the same content,
which Sentra's inbox recognises as a duplicate.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sentra_shared.calendar import WIB
from sentra_shared.events import (
    AGENCY_REASON_CODES,
    ANSWER_TO,
    Agency,
    AgencyCheckCompleted,
    AgencyCheckRequested,
    BankCheckRequested,
    BankLoanRequested,
    CheckOutcome,
    ConsultationRequested,
    DukcapilCheckRequested,
    HealthFacilityCheckRequested,
    InsurerCheckRequested,
    InsurerPayoutRequested,
    ParticipationRequested,
    PolriCheckRequested,
)
from sentra_shared.events.agency_reasons import PARTICIPATION_REASON_CODES
from sentra_shared.facts import medical_certificate_last_valid_day
from sentra_shared.reasons import Reason

UNKNOWN_NIK_SERIAL = "9999"
POLICE_RECORD_SERIAL = "9998"
SLIK_LOSS_SERIAL = "9997"
SLIK_SPECIAL_MENTION_SERIAL = "9996"
LOAN_REFUSED_SERIAL = "9995"
UNKNOWN_TO_INSURER_WORD = "UNKNOWN"
CASUALTY_ON_FILE_WORD = "CASUALTY"
ABSENT_PARTICIPANT_WORD = "ABSENT"

EPS_RETURN_COST_KRW = 400_000  # Return Cost insurance for Indonesian workers
# The rate the sandbox insurer credits rupiah at; a real insurer states its own.
SANDBOX_IDR_PER_KRW = Decimal("11.40")
# Plausible sandbox amounts (KRW, inclusive, in steps of 10,000) for claims whose amount
# depends on the worker's history, which the sandbox does not have: departure guarantee
# (severance, about a month's wage per year worked), wage arrears (guaranteed up to
# 2,000,000 KRW), casualty (an injury benefit).
SANDBOX_AMOUNT_RANGE_KRW: dict[str, tuple[int, int]] = {
    "departure_guarantee": (2_000_000, 8_000_000),
    "wage_arrears_guarantee": (200_000, 2_000_000),
    "casualty": (500_000, 3_000_000),
}


def _reason(agency: Agency, code: str) -> Reason:
    # The code and its text from the agency's published list: a code not on it would be
    # refused by Sentra, so a typo fails here, at import, rather than in a reply.
    return Reason(code=code, text=AGENCY_REASON_CODES[agency][code])


NIK_NOT_REGISTERED = _reason(Agency.DUKCAPIL, "NIK_NOT_REGISTERED")
POLICE_RECORD = _reason(Agency.POLRI, "SKCK_NOT_ISSUED")
SLIK_BAD_HISTORY = _reason(Agency.BANK, "SLIK_COLLECTIBILITY_5")
REPAYMENT_CAPACITY_INSUFFICIENT = _reason(Agency.BANK, "REPAYMENT_CAPACITY_INSUFFICIENT")
NOT_INSURED = _reason(Agency.INSURER, "EPS_INSURANCE_NOT_FOUND")
NO_CASUALTY_ON_FILE = _reason(Agency.INSURER, "NO_CASUALTY_ON_FILE")
PARTICIPANT_ABSENT = Reason(
    code="PARTICIPANT_ABSENT", text=PARTICIPATION_REASON_CODES["PARTICIPANT_ABSENT"]
)

# What each desk tells an asker in the sandbox: its standing advice, in both languages.
DESK_ADVICE: dict[str, tuple[str, str]] = {
    "placement": (
        "Penempatan resmi hanya melalui P3MI berizin (SIP3MI) dan dilayani di LTSA; biaya "
        "penempatan yang sah tercantum dalam struktur biaya resmi. Jangan membayar calo.",
        "Placement goes only through a licensed recruiter (SIP3MI) and is served at the "
        "one-roof centre; the lawful costs are in the official cost structure. Never pay a "
        "broker.",
    ),
    "credit": (
        "KUR Mikro dan program bank daerah untuk purna PMI dan keluarga tidak memerlukan "
        "agunan tambahan; ajukan melalui layanan Sentra, bank akan memeriksa SLIK Anda.",
        "KUR Mikro and the regional bank's programme for returnees and families need no "
        "extra collateral; apply through Sentra and the bank checks your SLIK history.",
    ),
    "refund": (
        "Klaim asuransi EPS diajukan paling lambat 3 tahun setelah kepulangan; setelah itu "
        "dana dititipkan di HRD Korea dan diklaim di sana.",
        "EPS insurance is claimed within 3 years of departure from Korea; after that the "
        "money is held by HRD Korea and claimed there.",
    ),
    "product": (
        "Pemilik usaha yang setuju dihubungi tercantum kontaknya di katalog; Disperindag "
        "dapat mempertemukan pembeli dengan usaha purna PMI.",
        "Businesses that agreed to be contacted show their contact in the catalogue; the "
        "trade office can put buyers in touch with returnees' businesses.",
    ),
}


def reply_id(request_id: uuid.UUID, agency: str) -> uuid.UUID:
    """The same request always gets the same reply id, so a repeated reply is a duplicate."""
    return uuid.uuid5(request_id, agency)


def answer(
    request: AgencyCheckRequested, at: datetime, on: date | None = None
) -> AgencyCheckCompleted:
    """The agency's answer to `request`, decided at `at`, taking effect on `on` (the day a
    certificate is issued, a loan disbursed, a payout made; default: `at`'s day in WIB)."""
    result_type = ANSWER_TO[type(request)]
    return result_type(
        event_id=reply_id(request.event_id, request.agency.value),
        application_id=request.application_id,
        occurred_at=at,
        request_id=request.event_id,
        **_findings(request, on or at.astimezone(WIB).date()),
    )


def _findings(request: AgencyCheckRequested, on: date) -> dict[str, Any]:
    serial = str(getattr(request, "nik", ""))[-4:]
    match request:
        case DukcapilCheckRequested() if serial == UNKNOWN_NIK_SERIAL:
            return _failed(NIK_NOT_REGISTERED)
        case PolriCheckRequested() if serial == POLICE_RECORD_SERIAL:
            return _failed(POLICE_RECORD)
        case BankCheckRequested():
            return _slik(serial)
        case BankLoanRequested() if serial == LOAN_REFUSED_SERIAL:
            return _failed(REPAYMENT_CAPACITY_INSUFFICIENT)
        case BankLoanRequested():
            return {**_passed(), "disbursed_amount_idr": request.amount_idr, "disbursed_on": on}
        case HealthFacilityCheckRequested():
            return {**_passed(), "valid_until": medical_certificate_last_valid_day(on)}
        case InsurerCheckRequested():
            return _insurance_held(request)
        case InsurerPayoutRequested():
            paid = {"paid_krw": request.amount_krw, "paid_idr": idr_for(request.amount_krw)}
            return {**_passed(), **paid, "paid_on": on}
        case ParticipationRequested():
            return _participation(request)
        case ConsultationRequested():
            advice_id, advice_en = DESK_ADVICE[request.subject]
            return {**_passed(), "answer": advice_id if request.language == "id" else advice_en}
    return _passed()


def _participation(request: ParticipationRequested) -> dict[str, Any]:
    held = len(request.sessions)
    if ABSENT_PARTICIPANT_WORD in request.participant_name.upper().split():
        return {**_failed(PARTICIPANT_ABSENT), "sessions_held": held, "sessions_attended": 0}
    return {
        **_passed(),
        "sessions_held": held,
        "sessions_attended": held,
        "milestones": _milestones(request),
    }


# The milestones a sandbox organiser reports, by the business's stage at registration: an
# idea gets its permit; a business already selling also makes its first sale under the
# programme; a running one, mentored by the bank, repays its loan.
_MILESTONES_BY_STAGE: dict[str, tuple[str, ...]] = {
    "idea": ("business_permit",),
    "starting": ("business_permit", "first_sale"),
    "running": ("business_permit", "first_sale", "loan_repaid"),
    "growing": ("business_permit", "first_sale", "loan_repaid"),
}


def _milestones(request: ParticipationRequested) -> list[dict[str, Any]]:
    kinds = _MILESTONES_BY_STAGE[request.stage]
    if request.agency is not Agency.BANK:
        kinds = tuple(k for k in kinds if k != "loan_repaid")
    return [{"kind": kind, "achieved_on": request.sessions[-1]} for kind in kinds]


def _slik(serial: str) -> dict[str, Any]:
    if serial == SLIK_LOSS_SERIAL:
        return {**_failed(SLIK_BAD_HISTORY), "slik_collectibility": 5}
    # Special mention is not a refusal: the history is reported and credit judges it.
    collectibility = 2 if serial == SLIK_SPECIAL_MENTION_SERIAL else 1
    return {**_passed(), "slik_collectibility": collectibility}


def _insurance_held(request: InsurerCheckRequested) -> dict[str, Any]:
    words = request.passport_name.upper().split()
    if UNKNOWN_TO_INSURER_WORD in words:
        return _failed(NOT_INSURED)
    if request.claim_type == "casualty" and CASUALTY_ON_FILE_WORD not in words:
        return _failed(NO_CASUALTY_ON_FILE)
    if request.claim_type == "return_cost":
        return {**_passed(), "amount_krw": EPS_RETURN_COST_KRW}
    return {**_passed(), "amount_krw": sandbox_amount_krw(request)}


def sandbox_amount_krw(request: InsurerCheckRequested) -> int:
    """A plausible amount for the claim, the same every time for the same worker and claim."""
    low, high = SANDBOX_AMOUNT_RANGE_KRW[request.claim_type]
    seed = (
        f"{request.claim_type}|{request.passport_name}|{request.date_of_birth}"
        f"|{request.departure_date}"
    )
    draw = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")
    steps = (high - low) // 10_000 + 1
    return low + (draw % steps) * 10_000


def idr_for(amount_krw: int) -> int:
    """The whole rupiah the sandbox insurer credits for `amount_krw`."""
    return int((amount_krw * SANDBOX_IDR_PER_KRW).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _passed() -> dict[str, Any]:
    return {"outcome": CheckOutcome.PASSED}


def _failed(reason: Reason) -> dict[str, Any]:
    return {"outcome": CheckOutcome.FAILED, "reasons": (reason,)}
