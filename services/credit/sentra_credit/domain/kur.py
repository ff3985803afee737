"""KUR screening: a placement loan for a prospective worker (KUR penempatan PMI) or a
micro business loan for a returnee or the family (KUR Mikro, working capital).

Ceilings, rates and conditions live in `KUR_RULES`, one dated row per regulation.
Money is whole rupiah (int); rates are `Decimal` percent per year (effective).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sentra_shared.calendar import WorkingDayCalendar
from sentra_shared.facts import rupiah
from sentra_shared.reasons import Reason

from .reasons import CreditReason, reason

Rupiah = Annotated[int, Field(strict=True, ge=0)]

BANK_DECISION_WORKING_DAYS = 5  # Permen P2MI/Kepala BP2MI 18/2025 art. 14(1)(b)


class KurProduct(StrEnum):
    PLACEMENT = "kur_penempatan_pmi"  # prospective worker: placement costs
    MICRO = "kur_mikro"  # returnee or family business, working capital


class KurRule(BaseModel):
    model_config = ConfigDict(frozen=True)

    product: KurProduct
    valid_from: date
    valid_until: date | None = None  # inclusive; None = still in force
    max_amount_idr: Rupiah
    annual_rate_percent: Decimal
    max_tenor_months: int = Field(gt=0)
    tenor_within_work_contract: bool
    npwp_required_above_idr: Rupiah | None
    excludes_commercial_productive_credit: bool
    source: str

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)


def _rule(
    product: KurProduct,
    valid: tuple[date, date | None],
    max_amount_idr: int,
    rate: str,
    source: str,
    *,
    npwp_above: int | None = None,
) -> KurRule:
    placement = product is KurProduct.PLACEMENT
    return KurRule(
        product=product,
        valid_from=valid[0],
        valid_until=valid[1],
        max_amount_idr=max_amount_idr,
        annual_rate_percent=Decimal(rate),
        # Placement: "paling lama sama dengan masa kontrak kerja dan tidak melebihi 3 tahun"
        # (Permenko 11/2017 art. 23(3)); micro working capital: 3 years (Permenko 15/2020).
        max_tenor_months=36,
        tenor_within_work_contract=placement,
        npwp_required_above_idr=npwp_above,
        # KUR is for debtors not already receiving commercial productive credit (consumer
        # credit such as KPR/KKB/credit cards excepted); a placement loan finances a
        # worker, not a business, so the condition is not applied to it.
        excludes_commercial_productive_credit=not placement,
        source=source,
    )


P, M = KurProduct.PLACEMENT, KurProduct.MICRO
KUR_RULES: tuple[KurRule, ...] = (
    _rule(P, (date(2016, 1, 1), date(2017, 12, 31)), 25_000_000, "9",
          "Permenko Perekonomian 9/2016 (KUR TKI max Rp 25 jt); 9% per Kemenko statement of "
          "27 Oct 2017 ('turun ke 7 persen dari saat ini 9 persen')"),
    _rule(P, (date(2018, 1, 1), date(2019, 12, 31)), 25_000_000, "7",
          "Permenko Perekonomian 11/2017 art. 23(1)-(3): max Rp 25 jt, 7% effective p.a., "
          "tenor <= work contract and <= 3 years; in force 1 Jan 2018"),
    _rule(P, (date(2020, 1, 1), date(2021, 12, 31)), 25_000_000, "6",
          "Permenko Perekonomian 8/2019 (as amended by 15/2020): KUR TKI 6% from 1 Jan 2020; "
          "ceiling carried over at Rp 25 jt"),
    _rule(P, (date(2022, 1, 1), None), 100_000_000, "6",
          "Permenko Perekonomian 1/2022 (amended up to 12/2025): KUR penempatan PMI max "
          "Rp 100 jt at 6%; NPWP above Rp 50 jt restated by Permenko 1/2026 (5 Jan 2026)",
          npwp_above=50_000_000),
    _rule(M, (date(2016, 1, 1), date(2017, 12, 31)), 25_000_000, "9",
          "Permenko Perekonomian 9/2016: KUR Mikro max Rp 25 jt at 9%"),
    _rule(M, (date(2018, 1, 1), date(2019, 12, 31)), 25_000_000, "7",
          "Permenko Perekonomian 11/2017: KUR Mikro max Rp 25 jt at 7% from 1 Jan 2018"),
    _rule(M, (date(2020, 1, 1), date(2021, 12, 31)), 50_000_000, "6",
          "Permenko Perekonomian 8/2019 as amended by 15/2020: KUR Mikro above Rp 10 jt up to "
          "Rp 50 jt at 6%; working capital tenor 3 years"),
    _rule(M, (date(2022, 1, 1), None), 100_000_000, "6",
          "Permenko Perekonomian 1/2022: KUR Mikro up to Rp 100 jt at 6% for a first-time "
          "debtor; NPWP above Rp 50 jt (restated by Permenko 1/2026)",
          npwp_above=50_000_000),
)  # fmt: skip


class SlikCollectibility(IntEnum):
    """Credit quality in OJK's SLIK (POJK 40/POJK.03/2019)."""

    CURRENT = 1  # lancar
    SPECIAL_MENTION = 2  # dalam perhatian khusus
    SUBSTANDARD = 3  # kurang lancar
    DOUBTFUL = 4  # diragukan
    LOSS = 5  # macet


NON_PERFORMING = frozenset(
    {SlikCollectibility.SUBSTANDARD, SlikCollectibility.DOUBTFUL, SlikCollectibility.LOSS}
)


class KurApplication(BaseModel):
    model_config = ConfigDict(frozen=True)

    application_id: str
    product: KurProduct
    amount_idr: Annotated[int, Field(strict=True, gt=0)]
    tenor_months: int = Field(gt=0)
    work_contract_months: int | None = Field(default=None, gt=0)
    has_npwp: bool = False
    # From the bank's SLIK check; None when the bank gave none (the bank must judge).
    worst_slik_collectibility: SlikCollectibility | None = None
    has_commercial_productive_credit: bool = False


class CreditOutcome(StrEnum):
    APPROVED = "approved"  # meets every rule; the bank confirms and disburses
    REJECTED = "rejected"
    REFERRED = "referred"  # the bank must judge something the rules cannot settle


class CreditDecision(BaseModel):
    model_config = ConfigDict(frozen=True)

    outcome: CreditOutcome
    reasons: tuple[Reason, ...]
    rule: KurRule | None
    bank_decision_due: date | None  # when the case goes to a bank


def rule_in_force(
    product: KurProduct, on: date, rules: Sequence[KurRule] = KUR_RULES
) -> KurRule | None:
    return next((r for r in rules if r.product is product and r.in_force(on)), None)


def bank_decision_deadline(received_on: date, calendar: WorkingDayCalendar) -> date:
    """The last day the bank may decide a loan referred on `received_on`: 5 working days,
    skipping public holidays and joint leave (banks close on both)."""
    return calendar.add_working_days(received_on, BANK_DECISION_WORKING_DAYS)


def screen_kur(
    application: KurApplication,
    *,
    on: date,
    calendar: WorkingDayCalendar,
    rules: Sequence[KurRule] = KUR_RULES,
) -> CreditDecision:
    rule = rule_in_force(application.product, on, rules)
    if rule is None:
        rejection = reason(
            CreditReason.PRODUCT_NOT_AVAILABLE, product=application.product.value, on=on.isoformat()
        )
        return CreditDecision(
            outcome=CreditOutcome.REJECTED, reasons=(rejection,), rule=None, bank_decision_due=None
        )
    rejections = _rejections(application, rule)
    referrals = _referrals(application)
    if rejections:
        outcome, due = CreditOutcome.REJECTED, None
    else:
        outcome = CreditOutcome.REFERRED if referrals else CreditOutcome.APPROVED
        due = bank_decision_deadline(on, calendar)
    return CreditDecision(
        outcome=outcome, reasons=(*rejections, *referrals), rule=rule, bank_decision_due=due
    )


def _rejections(application: KurApplication, rule: KurRule) -> list[Reason]:
    found: list[Reason] = []
    if application.amount_idr > rule.max_amount_idr:
        found.append(
            reason(
                CreditReason.AMOUNT_ABOVE_CEILING,
                amount=rupiah(application.amount_idr),
                ceiling=rupiah(rule.max_amount_idr),
                regulation=rule.source,
            )
        )
    if application.tenor_months > rule.max_tenor_months:
        found.append(
            reason(
                CreditReason.TENOR_ABOVE_MAXIMUM,
                tenor=application.tenor_months,
                maximum=rule.max_tenor_months,
            )
        )
    if rule.tenor_within_work_contract:
        contract = application.work_contract_months
        if contract is None:
            found.append(reason(CreditReason.WORK_CONTRACT_REQUIRED))
        elif application.tenor_months > contract:
            found.append(
                reason(
                    CreditReason.TENOR_BEYOND_WORK_CONTRACT,
                    tenor=application.tenor_months,
                    contract=contract,
                )
            )
    threshold = rule.npwp_required_above_idr
    if threshold is not None and application.amount_idr > threshold and not application.has_npwp:
        found.append(reason(CreditReason.NPWP_REQUIRED, threshold=rupiah(threshold)))
    slik = application.worst_slik_collectibility
    if slik is not None and slik in NON_PERFORMING:
        found.append(reason(CreditReason.SLIK_NON_PERFORMING, collectibility=int(slik)))
    if rule.excludes_commercial_productive_credit and application.has_commercial_productive_credit:
        found.append(reason(CreditReason.PRIOR_COMMERCIAL_PRODUCTIVE_CREDIT))
    return found


def _referrals(application: KurApplication) -> list[Reason]:
    slik = application.worst_slik_collectibility
    if slik is None:
        return [reason(CreditReason.SLIK_NOT_AVAILABLE)]
    if slik is SlikCollectibility.SPECIAL_MENTION:
        return [reason(CreditReason.SLIK_SPECIAL_MENTION)]
    return []
