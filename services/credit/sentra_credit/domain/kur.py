"""KUR screening: a placement loan for a prospective worker (KUR penempatan PMI), or a
business loan for a returnee or a worker's family (KUR Mikro, or the regional bank's
programme).

Who may borrow, ceilings, rates and conditions live in `KUR_RULES` (`kur_rules`), one
dated row per regulation or agreement. Money is whole rupiah (int); rates are `Decimal`
percent per year (effective).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import IntEnum, StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sentra_shared.calendar import WorkingDayCalendar
from sentra_shared.facts import rupiah
from sentra_shared.reasons import Reason

from .kur_rules import KUR_RULES, BorrowerRole, KurProduct, KurRule, rule_in_force
from .reasons import CreditReason, reason

BANK_DECISION_WORKING_DAYS = 5  # Permen P2MI/Kepala BP2MI 18/2025 art. 14(1)(b)


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
    borrower_role: BorrowerRole = BorrowerRole.WORKER
    # A family member's loan must name the worker abroad (by pseudonym, which the rules
    # never need to see: only whether there is one).
    worker_linked: bool = False


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
    found = _borrower_rejections(application, rule)
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


def _borrower_rejections(application: KurApplication, rule: KurRule) -> list[Reason]:
    role = application.borrower_role
    found: list[Reason] = []
    if role not in rule.borrowers:
        found.append(
            reason(
                CreditReason.ROLE_NOT_ELIGIBLE,
                role=role.value,
                product=rule.product.value,
                eligible=", ".join(sorted(r.value for r in rule.borrowers)),
            )
        )
    if role is BorrowerRole.FAMILY and not application.worker_linked:
        found.append(reason(CreditReason.FAMILY_WORKER_NOT_LINKED))
    return found


def _referrals(application: KurApplication) -> list[Reason]:
    slik = application.worst_slik_collectibility
    if slik is None:
        return [reason(CreditReason.SLIK_NOT_AVAILABLE)]
    if slik is SlikCollectibility.SPECIAL_MENTION:
        return [reason(CreditReason.SLIK_SPECIAL_MENTION)]
    return []
