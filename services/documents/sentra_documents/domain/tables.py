"""Dated tables of placement facts that change over time, each row with its source.

Rules look rows up by date; changing the law means adding a row here, not an `if`.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class JobCategory(StrEnum):
    DOMESTIC_WORKER = "domestic_worker"  # pengurus rumah tangga
    BABYSITTER = "babysitter"  # pengasuh bayi
    ELDERLY_CAREGIVER = "elderly_caregiver"  # pengasuh lanjut usia
    COOK = "cook"  # juru masak
    FAMILY_DRIVER = "family_driver"  # sopir keluarga
    GARDENER = "gardener"  # perawat taman
    CHILD_CARER = "child_carer"  # pengasuh anak
    CLEANER = "cleaner"  # petugas kebersihan
    FARM_WORKER = "farm_worker"  # petugas ladang/perkebunan
    FISHING_CREW = "fishing_crew"  # awak kapal perikanan migran
    MANUFACTURING = "manufacturing"
    CONSTRUCTION = "construction"
    OTHER_FORMAL = "other_formal"


# Jobs whose employer is a private person ("pengguna perseorangan").
HOUSEHOLD_JOBS: frozenset[JobCategory] = frozenset(
    {
        JobCategory.DOMESTIC_WORKER,
        JobCategory.BABYSITTER,
        JobCategory.ELDERLY_CAREGIVER,
        JobCategory.COOK,
        JobCategory.FAMILY_DRIVER,
        JobCategory.GARDENER,
        JobCategory.CHILD_CARER,
    }
)

# The ten informal/vulnerable jobs whose placement cost the worker may not be charged.
ZERO_COST_JOBS: frozenset[JobCategory] = HOUSEHOLD_JOBS | {
    JobCategory.CLEANER,
    JobCategory.FARM_WORKER,
    JobCategory.FISHING_CREW,
}


class _DatedRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    valid_from: date
    valid_until: date | None = None  # inclusive; None = still in force
    source: str

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)


class Moratorium(_DatedRow):
    """Destinations (ISO 3166 alpha-2) closed to the listed jobs."""

    countries: frozenset[str]
    jobs: frozenset[JobCategory]


class FeeCeiling(_DatedRow):
    """Most the worker may be charged, in whole rupiah; `destination=None` = any country."""

    destination: str | None
    jobs: frozenset[JobCategory]
    max_fee_idr: int = Field(ge=0, strict=True)


KEPMENAKER_260_2015 = (
    "Kepmenaker 260/2015 (penghentian dan pelarangan penempatan TKI pada pengguna "
    "perseorangan di negara-negara kawasan Timur Tengah), in force 1 Jul 2015; country "
    "list as published by Kemlu/KBRI Tripoli (26 Nov 2015) and Kemnaker (19 countries)"
)

MORATORIA: tuple[Moratorium, ...] = (
    Moratorium(
        # Algeria, Saudi Arabia, Bahrain, Iraq, Kuwait, Lebanon, Libya, Morocco, Mauritania,
        # Egypt, Oman, Palestine, Qatar, Sudan, Syria, Tunisia, UAE, Yemen, Jordan. The
        # ministry's press release said "Sudan Selatan" where the decree list says Sudan:
        # both are closed here, erring on the side of the worker.
        countries=frozenset(
            {
                "DZ",
                "SA",
                "BH",
                "IQ",
                "KW",
                "LB",
                "LY",
                "MA",
                "MR",
                "EG",
                "OM",
                "PS",
                "QA",
                "SD",
                "SS",
                "SY",
                "TN",
                "AE",
                "YE",
                "JO",
            }
        ),
        jobs=HOUSEHOLD_JOBS,
        valid_from=date(2015, 7, 1),
        source=KEPMENAKER_260_2015,
    ),
)

FEE_CEILINGS: tuple[FeeCeiling, ...] = (
    FeeCeiling(
        destination="HK",
        jobs=frozenset({JobCategory.DOMESTIC_WORKER}),
        max_fee_idr=14_780_400,
        valid_from=date(2012, 5, 24),
        valid_until=date(2021, 7, 14),
        source="Kepmenakertrans 98/2012 (biaya penempatan TKI sektor domestik Hong Kong), "
        "worker's share Rp 14.780.400, set 24 May 2012",
    ),
    FeeCeiling(
        destination=None,
        jobs=ZERO_COST_JOBS,
        max_fee_idr=0,
        valid_from=date(2021, 7, 15),
        source="Peraturan BP2MI 9/2020 (pembebasan biaya penempatan PMI, 10 jabatan), set "
        "15 Jun 2020, transition extended to 15 Jul 2021",
    ),
)


def moratorium_in_force(
    country: str, job: JobCategory, on: date, moratoria: tuple[Moratorium, ...] = MORATORIA
) -> Moratorium | None:
    for row in moratoria:
        if row.in_force(on) and country in row.countries and job in row.jobs:
            return row
    return None


def fee_ceiling_in_force(
    country: str, job: JobCategory, on: date, ceilings: tuple[FeeCeiling, ...] = FEE_CEILINGS
) -> FeeCeiling | None:
    """The applicable ceiling; when several rows apply the lowest one protects the worker."""
    matching = [
        row
        for row in ceilings
        if row.in_force(on) and job in row.jobs and row.destination in (None, country)
    ]
    return min(matching, key=lambda row: row.max_fee_idr, default=None)
