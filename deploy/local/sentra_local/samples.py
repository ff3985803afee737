"""Realistic sample applications for the demo and the fault tests: every path the program
knows, across the nine sending regencies.

Deterministic for a given seed. Each sample names the path it is meant to take; a case
that waits for an officer is decided by the officer desk (`officer.py`) from its flags,
as a person would. Paths that need a sandbox agency to be late or
silent use the built-in responders' conventions (deploy/agencies/README.md): a NIK serial
or an account number that the sandbox agency recognises.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

# The nine sending regencies of the Central Java program (BPS / Kemendagri codes).
SENDING_REGENCIES = {
    "3314": "Sragen",
    "3301": "Cilacap",
    "3302": "Banyumas",
    "3307": "Wonosobo",
    "3329": "Brebes",
    "3327": "Pemalang",
    "3324": "Kendal",
    "3318": "Pati",
    "3315": "Grobogan",
}

# Sandbox conventions of the built-in agencies (deploy/agencies/README.md).
SLIK_LOSS_SERIAL = 9997  # the bank reports SLIK collectibility 5
SLIK_SPECIAL_MENTION_SERIAL = 9996  # collectibility 2: credit refers the loan
BANK_REJECTS_SERIAL = 9995  # the bank rejects the referred loan, with its reason
BANK_SILENT_SERIAL = 9994  # the bank never decides the loan
AGENCY_LATE_SERIAL = 9993  # the agencies answer only after the escalation threshold
SERIALS = 9000  # ordinary applicants' NIK serials: 1..9000, clear of the conventions
INSURER_SILENT_ACCOUNT_SUFFIX = "0000"  # the insurer never pays into such an account

_FIRST = ["Siti", "Sri", "Dewi", "Nur", "Budi", "Agus", "Slamet", "Tri", "Eko", "Wahyu", "Rina"]
_LAST = ["Rahayu", "Lestari", "Wulandari", "Santoso", "Prasetyo", "Hidayat", "Susanti", "Utomo"]
# Destinations and jobs with no moratorium; the household jobs are placed at no cost to
# the worker (Peraturan BP2MI 9/2020), so a sample that pays nothing is eligible.
_OPEN_PLACEMENTS = [("TW", "elderly_caregiver"), ("HK", "domestic_worker"),
                    ("KR", "manufacturing"), ("JP", "manufacturing"),
                    ("MY", "farm_worker"), ("SG", "domestic_worker")]  # fmt: skip
ALL_DOCUMENTS = (
    "ktp",
    "family_card",
    "birth_certificate_or_diploma",
    "marital_status_statement",
    "family_permission",
    "competency_certificate",
    "health_certificate",
    "passport",
    "work_visa",
    "placement_agreement",
    "work_contract",
    "bpjs_membership",
)


class Path(StrEnum):
    """What a sample is meant to go through."""

    PLACEMENT_ELIGIBLE = "placement: eligible -> verified"
    PLACEMENT_MISSING_DOCUMENTS = "placement: documents missing -> rejected"
    PLACEMENT_EXPIRED_MEDICAL = "placement: medical certificate expired -> rejected"
    PLACEMENT_UNLICENSED = "placement: unlicensed recruiter -> rejected"
    PLACEMENT_MORATORIUM = "placement: destination under moratorium -> rejected"
    PLACEMENT_FEES_ABOVE_COST = "placement: fees above the official cost -> rejected"
    PLACEMENT_SHARED_PHONE_CLEARED = "placement: shared phone -> flagged -> cleared -> verified"
    PLACEMENT_UNDER_AGE_CONFIRMED = "placement: under age -> flagged -> confirmed -> referred"
    PLACEMENT_VISA_NO_CONTRACT_CONFIRMED = (
        "placement: visa without contract -> flagged -> confirmed -> referred"
    )
    PLACEMENT_REVIEW_OVERDUE_CLEARED = (
        "placement: NIK mismatch -> flagged -> review overdue -> cleared -> verified"
    )
    PLACEMENT_AGENCY_LATE = "placement: agencies late -> overdue -> escalated -> verified"
    KUR_DISBURSED = "kur: approved -> bank disbursed"
    KUR_REFERRED_DISBURSED = "kur: SLIK special mention -> referred -> bank disbursed"
    KUR_SLIK_REJECTED = "kur: SLIK non-performing -> rejected"
    KUR_ABOVE_CEILING = "kur: above the ceiling -> rejected"
    KUR_BANK_REJECTED = "kur: approved -> bank rejected"
    KUR_BANK_SILENT = "kur: bank overdue -> escalated"
    KUR_RETURNEE_REGIONAL = "kur returnee: regional bank programme -> bank disbursed"
    # Needs a worker whose placement is verified: see FOLLOW_UP_PATHS.
    KUR_FAMILY = "kur family: worker abroad -> bank disbursed"
    REFUND_PAID = "refund: accepted -> paid"
    REFUND_DORMANT = "refund: past 3 years -> dormant -> HRD Korea referral"
    REFUND_PAYEE_MISMATCH = "refund: payee not the passport holder -> rejected"
    REFUND_PAYOUT_SILENT = "refund: payout overdue -> escalated"


# Paths that end without an officer and without a missed deadline: what a run on real
# time (no accelerated clock, nobody acting as an officer) can finish.
PROMPT_PATHS: tuple[Path, ...] = (
    Path.PLACEMENT_ELIGIBLE,
    Path.PLACEMENT_MISSING_DOCUMENTS,
    Path.PLACEMENT_EXPIRED_MEDICAL,
    Path.PLACEMENT_UNLICENSED,
    Path.PLACEMENT_MORATORIUM,
    Path.PLACEMENT_FEES_ABOVE_COST,
    Path.KUR_DISBURSED,
    Path.KUR_REFERRED_DISBURSED,
    Path.KUR_SLIK_REJECTED,
    Path.KUR_ABOVE_CEILING,
    Path.KUR_BANK_REJECTED,
    Path.KUR_RETURNEE_REGIONAL,
    Path.REFUND_PAID,
    Path.REFUND_DORMANT,
    Path.REFUND_PAYEE_MISMATCH,
)
# Paths that need an earlier application to have got somewhere first: a family member's
# loan names a worker whose placement is verified. Whoever submits samples blindly (the
# fault tests, the benchmark) cannot run them; the demo submits them with
# `family_loan_form` once a worker's placement is verified.
FOLLOW_UP_PATHS: tuple[Path, ...] = (Path.KUR_FAMILY,)
ALL_PATHS: tuple[Path, ...] = tuple(p for p in Path if p not in FOLLOW_UP_PATHS)
# What most applications are: the mix after one of each path leans on these.
ORDINARY_PATHS = frozenset({Path.PLACEMENT_ELIGIBLE, Path.KUR_DISBURSED, Path.REFUND_PAID})
SHARED_PHONE_GROUP = 3  # the phone threshold: three applications sharing one number


@dataclass(frozen=True)
class Sample:
    form: dict[str, Any]
    path: Path

    @property
    def kind(self) -> str:
        return str(self.form["kind"])

    @property
    def regency(self) -> str:
        return SENDING_REGENCIES[self.form["applicant"]["nik"][:4]]


def nik_for(regency: str, born: date, sex: str, serial: int) -> str:
    day = born.day + (40 if sex == "F" else 0)
    return f"{regency}01{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


@dataclass(frozen=True)
class Licences:
    """Recruiter licence numbers from the registry's sample data: valid ones, a revoked one."""

    valid: Sequence[str]
    revoked: str


class _Maker:
    def __init__(self, rng: random.Random, today: date, licences: Licences) -> None:
        self.rng = rng
        # Channels and language come from a draw of their own, so that a seed still gives
        # the same applicants, documents and amounts as before applicants chose channels.
        # Seeded from the state's text: its hash would change from one process to the next
        # (it holds None, whose hash is its address).
        self.contact_rng = random.Random(repr(rng.getstate()))
        self.today = today
        self.licences = licences
        self.serial = 0

    def applicant(
        self, regency: str, *, serial: int | None = None, age: int | None = None
    ) -> dict[str, Any]:
        sex = self.rng.choice(["F", "M"])
        years = age if age is not None else self.rng.randint(21, 40)
        born = self.today - timedelta(days=years * 365 + self.rng.randint(30, 300))
        # A NIK's serial has four digits and 9993-9997 are the sandbox agencies'
        # conventions (above): counting on without bound would give 17-digit NIKs and, on
        # the way, applicants that a sandbox agency leaves late or unanswered. So serials
        # wrap within 1..9000; the first 9000 are as before, a seed gives the same samples.
        self.serial = self.serial % SERIALS + 1
        return {
            "full_name": f"{self.rng.choice(_FIRST)} {self.rng.choice(_LAST)}",
            "nik": nik_for(regency, born, sex, serial if serial is not None else self.serial),
            "date_of_birth": born.isoformat(),
            "sex": sex,
            "phone": f"+628{self.rng.randint(10**9, 10**10 - 1)}",
            **self.contact(self.serial),
        }

    def contact(self, serial: int) -> dict[str, Any]:
        """How a worker asks to be told: most by SMS only, some by email, some both;
        most in Bahasa Indonesia, some (returnees from abroad, mostly) in English."""
        draw = self.contact_rng.random()
        channels = ["sms"] if draw < 0.6 else ["email"] if draw < 0.75 else ["sms", "email"]
        language = "en" if self.contact_rng.random() < 0.2 else "id"
        contact: dict[str, Any] = {"channels": channels, "language": language}
        if "email" in channels or self.contact_rng.random() < 0.3:
            contact["email"] = f"pmi{serial:04d}.{self.contact_rng.randrange(10**6):06d}@example.id"
        return contact

    def placement(self, **changes: Any) -> dict[str, Any]:
        country, job = self.rng.choice(_OPEN_PLACEMENTS)
        issued = self.today - timedelta(days=self.rng.randint(5, 40))
        documents: list[dict[str, str]] = [
            {"kind": kind, "issued_on": issued.isoformat()}
            if kind == "health_certificate"
            else {"kind": kind}
            for kind in ALL_DOCUMENTS
        ]
        section: dict[str, Any] = {
            "destination_country": country,
            "job": job,
            "recruiter_licence_number": self.rng.choice(list(self.licences.valid)),
            "documents": documents,
            "fees": [],
            "passport_number": f"C{self.rng.randint(10**6, 10**7 - 1)}",
            "bank_account": str(self.rng.randint(10**9, 10**10 - 1)),
        }
        section.update(changes)
        return section

    def credit(self, amount_idr: int | None = None) -> dict[str, Any]:
        section: dict[str, Any] = {
            "product": self.rng.choice(["placement", "micro"]),
            "amount_idr": amount_idr or self.rng.randrange(5, 50) * 1_000_000,
            "tenor_months": self.rng.choice([12, 24, 36]),
            "contract_months": 36,
            "has_npwp": True,
        }
        if section["product"] == "micro":
            # A business loan is a returnee's (or a family's): the placement loan is the
            # departing worker's. No draw of its own, so a seed gives the same samples.
            del section["contract_months"]
            section.update(borrower_role="returnee", returned_on=self.returned_on())
        return section

    def returned_on(self) -> str:
        return (self.today - timedelta(days=200)).isoformat()

    def business_loan(self, scheme: str, amount_idr: int) -> dict[str, Any]:
        return {
            "product": "micro",
            "scheme": scheme,
            "amount_idr": amount_idr,
            "tenor_months": self.rng.choice([12, 24, 36]),
            "has_npwp": True,
        }

    def refund(self, name: str, *, years_ago: float, payee: str | None = None) -> dict[str, Any]:
        departure = self.today - timedelta(days=int(years_ago * 365))
        started = departure - timedelta(days=self.rng.randint(400, 1700))
        account = str(self.rng.randint(10**9, 10**10 - 1))
        return {
            "claim_type": self.rng.choice(["return_cost", "departure_guarantee"]),
            "departure_date": departure.isoformat(),
            "employment_start": started.isoformat(),
            "employment_end": (departure - timedelta(days=3)).isoformat(),
            "assessed_amount_krw": self.rng.randrange(20, 120) * 100_000,
            "passport_name": name,
            "payee_account_name": payee or name,
            "payee_account_number": account,
            "swift_bic": self.rng.choice(["BRINIDJA", "BNINIDJA", "BMRIIDJA"]),
        }


def _documents_without(*missing: str, section: dict[str, Any]) -> list[dict[str, str]]:
    return [d for d in section["documents"] if d["kind"] not in missing]


def _build(make: _Maker, path: Path, regency: str) -> list[dict[str, Any]]:
    """The form(s) of one path (the shared-phone path needs a group of applications)."""
    P = Path
    if path.value.startswith("placement"):
        applicant = make.applicant(
            regency,
            serial=AGENCY_LATE_SERIAL if path is P.PLACEMENT_AGENCY_LATE else None,
            age=16 if path is P.PLACEMENT_UNDER_AGE_CONFIRMED else None,
        )
        section = make.placement()
        if path is P.PLACEMENT_MISSING_DOCUMENTS:
            section["documents"] = _documents_without(
                "competency_certificate", "bpjs_membership", section=section
            )
        elif path is P.PLACEMENT_EXPIRED_MEDICAL:
            stale = (make.today - timedelta(days=130)).isoformat()
            section["documents"] = [
                {**d, "issued_on": stale} if d["kind"] == "health_certificate" else d
                for d in section["documents"]
            ]
        elif path is P.PLACEMENT_UNLICENSED:
            section["recruiter_licence_number"] = make.licences.revoked
        elif path is P.PLACEMENT_MORATORIUM:
            section.update(destination_country="SA", job="domestic_worker")
        elif path is P.PLACEMENT_FEES_ABOVE_COST:
            # A household job is placed at no cost to the worker; paid to the company.
            section.update(destination_country="TW", job="elderly_caregiver")
            section["fees"] = [
                {"amount_idr": 12_500_000, "payee": "recruiter_company_account",
                 "payee_account": "7001234567"}
            ]  # fmt: skip
        elif path is P.PLACEMENT_VISA_NO_CONTRACT_CONFIRMED:
            section["documents"] = _documents_without("work_contract", section=section)
        elif path is P.PLACEMENT_REVIEW_OVERDUE_CLEARED:
            # The NIK says one birth date, the other documents another: falsified papers?
            applicant["nik"] = applicant["nik"][:6] + "010190" + applicant["nik"][12:]
            applicant["date_of_birth"] = "1996-03-14"
            applicant["sex"] = "M"
        forms = [{"kind": "placement", "applicant": applicant, "placement": section}]
        if path is P.PLACEMENT_SHARED_PHONE_CLEARED:
            # A family: three applications give one phone number.
            for _ in range(SHARED_PHONE_GROUP - 1):
                relative = make.applicant(regency)
                relative["phone"] = applicant["phone"]
                forms.append(
                    {"kind": "placement", "applicant": relative, "placement": make.placement()}
                )
        return forms
    if path is P.KUR_RETURNEE_REGIONAL:
        # Within the regional programme's ceiling (Rp 50 jt).
        credit = make.business_loan("regional", make.rng.randrange(5, 50) * 1_000_000)
        credit.update(borrower_role="returnee", returned_on=make.returned_on())
        return [{"kind": "kur_loan", "applicant": make.applicant(regency), "credit": credit}]
    if path in FOLLOW_UP_PATHS:
        raise ValueError(f"{path.value!r} needs its worker: use family_loan_form")
    if path.value.startswith("kur"):
        serial = {
            P.KUR_SLIK_REJECTED: SLIK_LOSS_SERIAL,
            P.KUR_REFERRED_DISBURSED: SLIK_SPECIAL_MENTION_SERIAL,
            P.KUR_BANK_REJECTED: BANK_REJECTS_SERIAL,
            P.KUR_BANK_SILENT: BANK_SILENT_SERIAL,
        }.get(path)
        amount = 150_000_000 if path is P.KUR_ABOVE_CEILING else None
        return [
            {
                "kind": "kur_loan",
                "applicant": make.applicant(regency, serial=serial),
                "credit": make.credit(amount),
            }
        ]
    applicant = make.applicant(regency)
    name = applicant["full_name"].upper()
    refund = make.refund(
        name,
        years_ago=make.rng.uniform(3.3, 4.0)
        if path is P.REFUND_DORMANT
        else make.rng.uniform(0.1, 2.5),
        payee="ANOTHER PERSON" if path is P.REFUND_PAYEE_MISMATCH else None,
    )
    if path is P.REFUND_PAYOUT_SILENT:
        refund["payee_account_number"] = (
            refund["payee_account_number"][:-4] + INSURER_SILENT_ACCOUNT_SUFFIX
        )
    return [{"kind": "insurance_refund", "applicant": applicant, "refund": refund}]


def sample_cases(
    count: int,
    today: date,
    licences: Licences,
    seed: int = 2016,
    paths: Sequence[Path] = ALL_PATHS,
) -> list[Sample]:
    """At least `count` samples: every path in `paths` once (in order), then a seeded mix
    weighted towards the ordinary paths, as a service centre would see them."""
    rng = random.Random(seed)
    make = _Maker(rng, today, licences)
    regencies = list(SENDING_REGENCIES)
    ordinary: list[Path] = [p for p in paths if p in ORDINARY_PATHS] or list(paths)
    samples: list[Sample] = []
    i = 0
    while len(samples) < count or i < len(paths):
        if i < len(paths):
            path = paths[i]
        else:
            path = rng.choice(ordinary) if rng.random() < 0.6 else rng.choice(list(paths))
        for form in _build(make, path, regencies[i % len(regencies)]):
            samples.append(Sample(form, path))
        i += 1
    return samples


def family_loan_form(
    rng: random.Random,
    today: date,
    worker_tracking_code: str,
    worker_birth_date: date,
    regency: str,
) -> dict[str, Any]:
    """A family member's KUR Mikro loan naming the worker by the tracking code of the
    worker's (verified) placement application and the worker's birth date. `regency` is a
    key of SENDING_REGENCIES (the family's home, usually the worker's)."""
    make = _Maker(rng, today, Licences(valid=(), revoked=""))
    # A serial of its own draw: a family member is never the worker (another NIK).
    applicant = make.applicant(regency, serial=rng.randint(1, SERIALS))
    credit = make.business_loan("kur", rng.randrange(5, 50) * 1_000_000)
    credit.update(
        borrower_role="family",
        worker_tracking_code=worker_tracking_code,
        worker_date_of_birth=worker_birth_date.isoformat(),
    )
    return {"kind": "kur_loan", "applicant": applicant, "credit": credit}


def sample_applications(
    count: int, today: date, licences: Licences, seed: int = 2016
) -> list[dict[str, Any]]:
    """`count` forms of the paths that finish on real time with nobody acting as officer."""
    return [s.form for s in sample_cases(count, today, licences, seed, PROMPT_PATHS)][:count]
