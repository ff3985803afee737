"""The dated table of loan products: who may borrow under each, ceilings, rates, conditions.

KUR placement loans for a prospective worker (KUR penempatan PMI), KUR Mikro business
loans for a returnee or a worker's family, and the regional development bank's programme
for the same borrowers (Bank UMKM Jawa Timur). One row per product and period; a new
regulation or agreement is a new row, never an edit of an old one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Rupiah = Annotated[int, Field(strict=True, ge=0)]


class KurProduct(StrEnum):
    PLACEMENT = "kur_penempatan_pmi"  # prospective worker: placement costs
    MICRO = "kur_mikro"  # returnee or family business, working capital
    # The regional development bank's programme for returnees and families.
    REGIONAL = "bank_umkm_jatim_purna_pmi"


class BorrowerRole(StrEnum):
    WORKER = "worker"  # the prospective worker, before departure
    FAMILY = "family"  # a family member of a worker now abroad
    RETURNEE = "returnee"  # a returned worker (purna PMI) with a business


# What the applicant asks for (product, scheme) -> the product in the table. Placement
# under the regional scheme does not exist: documents refuses it at intake.
PRODUCTS: dict[tuple[str, str], KurProduct] = {
    ("placement", "kur"): KurProduct.PLACEMENT,
    ("micro", "kur"): KurProduct.MICRO,
    ("micro", "regional"): KurProduct.REGIONAL,
}


def product_for(product: str, scheme: str) -> KurProduct | None:
    return PRODUCTS.get((product, scheme))


class KurRule(BaseModel):
    model_config = ConfigDict(frozen=True)

    product: KurProduct
    valid_from: date
    valid_until: date | None = None  # inclusive; None = still in force
    # Who may borrow under the product in this period.
    borrowers: frozenset[BorrowerRole]
    max_amount_idr: Rupiah
    annual_rate_percent: Decimal
    max_tenor_months: int = Field(gt=0)
    tenor_within_work_contract: bool
    npwp_required_above_idr: Rupiah | None
    excludes_commercial_productive_credit: bool
    source: str

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)


_WORKER = frozenset({BorrowerRole.WORKER})
# The program's packages: the placement loan is the departing worker's; the business
# loans are for returnees and for the families of workers abroad.
_RETURNEE_OR_FAMILY = frozenset({BorrowerRole.RETURNEE, BorrowerRole.FAMILY})


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
        borrowers=_WORKER if placement else _RETURNEE_OR_FAMILY,
        max_amount_idr=max_amount_idr,
        annual_rate_percent=Decimal(rate),
        # Placement: "paling lama sama dengan masa kontrak kerja dan tidak melebihi 3 tahun"
        # (Permenko 11/2017 art. 23(3)); micro working capital: 3 years (Permenko 15/2020).
        max_tenor_months=36,
        tenor_within_work_contract=placement,
        npwp_required_above_idr=npwp_above,
        # KUR is for debtors not already receiving commercial productive credit (consumer
        # credit such as KPR/KKB/credit cards excepted); a placement loan finances a
        # worker, not a business, so the condition is not applied to it. The regional
        # programme is not KUR: the bank's own lending rules apply, not this one.
        excludes_commercial_productive_credit=product is KurProduct.MICRO,
        source=source,
    )


P, M, J = KurProduct.PLACEMENT, KurProduct.MICRO, KurProduct.REGIONAL
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
    # No regulation sets these terms: they are what the province and the bank agreed for
    # the East Java programme for returnees and families, recorded here as configuration.
    # A changed agreement is a new row from the day it applies.
    _rule(J, (date(2022, 1, 1), None), 50_000_000, "6",
          "Terms of the East Java programme for returnees (purna PMI) and families with Bank "
          "UMKM Jawa Timur, as agreed between the province and the bank and recorded as "
          "configuration (no regulation number): up to Rp 50 jt, 6% p.a., 3 years"),
)  # fmt: skip


def rule_in_force(
    product: KurProduct, on: date, rules: Sequence[KurRule] = KUR_RULES
) -> KurRule | None:
    return next((r for r in rules if r.product is product and r.in_force(on)), None)
