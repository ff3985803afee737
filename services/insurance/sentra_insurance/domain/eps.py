"""Korea EPS insurance refunds for returned Indonesian workers.

The four EPS insurances: Return Cost (worker-paid), Departure Guarantee (employer-paid
severance), Wage-arrears Guarantee (employer-paid) and Casualty (worker-paid). A claim
goes to the insurer until the claim period ends; after that, Return Cost and Departure
Guarantee money is "dormant" and handed to HRD Korea, where it is claimed instead.
Amounts are whole KRW; the rupiah equivalent is rounded half-up to whole rupiah.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from sentra_shared.reasons import Reason

from .reasons import InsuranceReason, reason

EPS_GUIDE = "EPS 'Guide of EPS Four Major Insurances by Type', eps.go.kr (HRD Korea / MOEL)"
ACT_2014 = (
    "Korea Act on the Employment of Foreign Workers art. 13 and 15 as amended 28 Jan 2014, "
    "in force 29 Jul 2014"
)
ROUNDING = "KRW x IDR-per-KRW rate, rounded half-up to whole rupiah"


class ClaimType(StrEnum):
    RETURN_COST = "return_cost"
    DEPARTURE_GUARANTEE = "departure_guarantee"
    WAGE_ARREARS_GUARANTEE = "wage_arrears_guarantee"
    CASUALTY = "casualty"


class ReturnCostAmount(BaseModel):
    model_config = ConfigDict(frozen=True)

    countries: frozenset[str]
    amount_krw: int = Field(gt=0)
    source: str


class ClaimPeriod(BaseModel):
    """How long after departure a claim may be made, by departure date."""

    model_config = ConfigDict(frozen=True)

    departed_from: date | None  # None: no lower bound
    departed_until: date | None  # inclusive; None: still in force
    years: int = Field(gt=0)
    source: str

    def applies(self, departure: date) -> bool:
        after_start = self.departed_from is None or self.departed_from <= departure
        return after_start and (self.departed_until is None or departure <= self.departed_until)


# The guide notes the fee follows air fares; its earlier history is not tabulated here.
RETURN_COST_AMOUNTS: tuple[ReturnCostAmount, ...] = (
    ReturnCostAmount(
        countries=frozenset({"CN", "PH", "ID", "TH", "VN"}),
        amount_krw=400_000,
        source=EPS_GUIDE + ", category 1",
    ),
    ReturnCostAmount(
        countries=frozenset({"MN", "KG"}),
        amount_krw=500_000,
        source=EPS_GUIDE + ", category 2 (and other countries)",
    ),
    ReturnCostAmount(
        countries=frozenset({"LK"}), amount_krw=600_000, source=EPS_GUIDE + ", category 3"
    ),
)

WAGE_ARREARS_CAP_KRW = 2_000_000  # EPS guide: "total unpaid salary - maximum of 2M won"
MINIMUM_SERVICE_YEARS = 1  # departure guarantee: at least 1 year at the same workplace (EPS guide)

CLAIM_PERIODS: tuple[ClaimPeriod, ...] = (
    ClaimPeriod(
        departed_from=None,
        departed_until=date(2014, 7, 28),
        years=2,
        source="Prescription before the 2014 amendment (2 years)",
    ),
    ClaimPeriod(departed_from=date(2014, 7, 29), departed_until=None, years=3, source=ACT_2014),
)

# Only these two are transferred to HRD Korea when unclaimed (2014 amendment).
DORMANT_CLAIM_TYPES = frozenset({ClaimType.RETURN_COST, ClaimType.DEPARTURE_GUARANTEE})


class EpsClaim(BaseModel):
    model_config = ConfigDict(frozen=True)

    claim_id: str
    worker_id: str
    claim_type: ClaimType
    nationality: str = Field(default="ID", pattern=r"^[A-Z]{2}$")
    passport_name: str
    account_holder_name: str
    swift_bic: str
    departure_date: date
    employment_start: date | None = None  # with the last employer
    employment_end: date | None = None  # last day of work, inclusive
    left_workplace_without_permission: bool = False
    # What the insurer confirmed it holds for this claim (0: nothing); None: not stated.
    assessed_amount_krw: int | None = Field(default=None, ge=0, strict=True)


class PaidClaim(BaseModel):
    model_config = ConfigDict(frozen=True)

    worker_id: str
    claim_type: ClaimType


class ExchangeRate(BaseModel):
    model_config = ConfigDict(frozen=True)

    idr_per_krw: Decimal = Field(gt=0)
    as_of: date
    source: str


class ClaimOutcome(StrEnum):
    ACCEPTED = "accepted"  # payout request goes to the insurer
    REJECTED = "rejected"
    DORMANT = "dormant"  # to be claimed through HRD Korea's dormant-insurance process


class ClaimDecision(BaseModel):
    model_config = ConfigDict(frozen=True)

    outcome: ClaimOutcome
    reasons: tuple[Reason, ...]
    last_claim_day: date | None
    amount_krw: int | None
    amount_idr: int | None
    exchange_rate: ExchangeRate | None
    rounding: str = ROUNDING


def assess_claim(
    claim: EpsClaim,
    *,
    on: date,
    rate: ExchangeRate,
    prior_paid_claims: Iterable[PaidClaim] = (),
) -> ClaimDecision:
    rejections: list[Reason] = []
    notes: list[Reason] = []

    if claim.departure_date > on:
        rejections.append(
            reason(InsuranceReason.DEPARTURE_IN_FUTURE, departure=claim.departure_date.isoformat())
        )
    if PaidClaim(worker_id=claim.worker_id, claim_type=claim.claim_type) in set(prior_paid_claims):
        rejections.append(reason(InsuranceReason.ALREADY_PAID, claim_type=claim.claim_type.value))
    if not names_match(claim.passport_name, claim.account_holder_name):
        rejections.append(reason(InsuranceReason.ACCOUNT_NAME_MISMATCH))
    if not is_valid_swift_bic(claim.swift_bic):
        rejections.append(reason(InsuranceReason.INVALID_SWIFT_BIC, bic=claim.swift_bic))
    if claim.claim_type is ClaimType.DEPARTURE_GUARANTEE:
        rejections += _departure_guarantee_problems(claim)

    amount_krw, amount_problems, amount_notes = claim_amount_krw(claim)
    rejections += amount_problems
    notes += amount_notes

    last_day = last_claim_day(claim.departure_date)
    expired = on > last_day
    if expired and claim.claim_type not in DORMANT_CLAIM_TYPES:
        rejections.append(reason(InsuranceReason.CLAIM_TIME_BARRED, last_day=last_day.isoformat()))

    if rejections:
        return ClaimDecision(
            outcome=ClaimOutcome.REJECTED,
            reasons=tuple(rejections),
            last_claim_day=last_day,
            amount_krw=None,
            amount_idr=None,
            exchange_rate=None,
        )
    if expired:
        notes.insert(
            0, reason(InsuranceReason.DORMANT_WITH_HRD_KOREA, last_day=last_day.isoformat())
        )
    return ClaimDecision(
        outcome=ClaimOutcome.DORMANT if expired else ClaimOutcome.ACCEPTED,
        reasons=tuple(notes),
        last_claim_day=last_day,
        amount_krw=amount_krw,
        amount_idr=None if amount_krw is None else krw_to_idr(amount_krw, rate.idr_per_krw),
        exchange_rate=rate,
    )


def insurer_refused(reasons: Iterable[Reason], departure: date) -> ClaimDecision:
    """The insurer did not confirm the claim: rejected with its reasons (ours if it gave
    none), since nothing can be paid that the insurer does not hold."""
    given = tuple(reasons)
    return ClaimDecision(
        outcome=ClaimOutcome.REJECTED,
        reasons=given or (reason(InsuranceReason.INSURER_CHECK_FAILED),),
        last_claim_day=last_claim_day(departure),
        amount_krw=None,
        amount_idr=None,
        exchange_rate=None,
    )


def claim_amount_krw(claim: EpsClaim) -> tuple[int | None, list[Reason], list[Reason]]:
    """(amount, rejections, notes) for the claim's type."""
    if claim.assessed_amount_krw == 0:
        return None, [reason(InsuranceReason.INSURER_HOLDS_NOTHING)], []
    if claim.claim_type is ClaimType.RETURN_COST:
        return _return_cost_amount(claim)
    if claim.assessed_amount_krw is None:
        return None, [reason(InsuranceReason.AMOUNT_REQUIRED)], []
    if (
        claim.claim_type is ClaimType.WAGE_ARREARS_GUARANTEE
        and claim.assessed_amount_krw > WAGE_ARREARS_CAP_KRW
    ):
        return (
            WAGE_ARREARS_CAP_KRW,
            [],
            [reason(InsuranceReason.AMOUNT_CAPPED, cap=f"{WAGE_ARREARS_CAP_KRW:,}")],
        )
    return claim.assessed_amount_krw, [], []


def _return_cost_amount(claim: EpsClaim) -> tuple[int | None, list[Reason], list[Reason]]:
    """The EPS table fixes the return cost. When the insurer confirms another figure, the
    lower of the two is requested (never more than the insurer holds, never more than the
    table allows) and the difference is left to the officer as a note."""
    row = next((r for r in RETURN_COST_AMOUNTS if claim.nationality in r.countries), None)
    if row is None:
        return None, [reason(InsuranceReason.NO_RETURN_COST_RATE, country=claim.nationality)], []
    held = claim.assessed_amount_krw
    if held is None or held == row.amount_krw:
        return row.amount_krw, [], []
    note = reason(
        InsuranceReason.RETURN_COST_AMOUNT_DIFFERS,
        insurer=f"{held:,}",
        table=f"{row.amount_krw:,}",
        requested=f"{min(held, row.amount_krw):,}",
    )
    return min(held, row.amount_krw), [], [note]


def last_claim_day(departure: date, periods: tuple[ClaimPeriod, ...] = CLAIM_PERIODS) -> date:
    """Korean Civil Act art. 157/160: the departure day is not counted and a period of
    years ends on the anniversary of the departure (28 Feb when 29 Feb does not exist)."""
    period = next(p for p in periods if p.applies(departure))
    return add_years(departure, period.years)


def add_years(start: date, years: int) -> date:
    year = start.year + years
    return date(year, start.month, min(start.day, calendar.monthrange(year, start.month)[1]))


def normalise_name(name: str) -> str:
    """Upper case, accents dropped, punctuation turned into spaces, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    cleaned = "".join(ch if ch.isalnum() else " " for ch in letters.upper())
    return " ".join(cleaned.split())


def names_match(passport_name: str, account_holder_name: str) -> bool:
    # Word order is ignored: Korean banks often print the family name first.
    passport_words = sorted(normalise_name(passport_name).split())
    return bool(passport_words) and passport_words == sorted(
        normalise_name(account_holder_name).split()
    )


_SWIFT_BIC = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")


def is_valid_swift_bic(code: str) -> bool:
    """ISO 9362: bank(4 letters) country(2 letters) location(2) optional branch(3)."""
    return _SWIFT_BIC.fullmatch(code.replace(" ", "").upper()) is not None


def krw_to_idr(amount_krw: int, idr_per_krw: Decimal) -> int:
    return int((Decimal(amount_krw) * idr_per_krw).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _departure_guarantee_problems(claim: EpsClaim) -> list[Reason]:
    if claim.left_workplace_without_permission:
        return [reason(InsuranceReason.LEFT_WORKPLACE_WITHOUT_PERMISSION)]
    if claim.employment_start is None or claim.employment_end is None:
        return [reason(InsuranceReason.EMPLOYMENT_DATES_MISSING)]
    # Service counts both the first and the last day of work.
    one_year_done_on = add_years(claim.employment_start, MINIMUM_SERVICE_YEARS) - timedelta(days=1)
    if claim.employment_end < one_year_done_on:
        return [reason(InsuranceReason.SERVICE_UNDER_ONE_YEAR)]
    return []
