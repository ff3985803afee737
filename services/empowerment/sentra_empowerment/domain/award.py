"""The returnee business award: published criteria, scored one by one.

Every nomination is explainable: `assess` returns one `CriterionScore` per published
criterion, with what was found and what it earned in both languages, and the business is
nominated when the total reaches the threshold. The criteria are a dated table with its
source; a change of criteria is a new table with a new version, so an assessment always
names the criteria it was made by.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sentra_shared.events import CriterionScore, Milestone
from sentra_shared.events.empowerment import BusinessStage, MilestoneKind
from sentra_shared.reasons import BilingualText, Reason

_POINTS = Decimal("0.01")


@dataclass(frozen=True)
class Criterion:
    code: str
    max_points: Decimal
    text: BilingualText  # what the criterion measures, as published


@dataclass(frozen=True)
class AwardCriteria:
    version: str
    published_on: date
    source: str
    award: str  # the award's name; its round is the assessment's year
    criteria: tuple[Criterion, ...]
    threshold: Decimal
    milestone_points: tuple[tuple[MilestoneKind, Decimal], ...]
    stage_points: tuple[tuple[BusinessStage, Decimal], ...]


ATTENDANCE = "attendance"
MILESTONES = "milestones"
STAGE = "business_stage"

AWARD_CRITERIA = AwardCriteria(
    version="purna-pmi-award-2026-01",
    published_on=date(2026, 1, 5),
    source=(
        "Programme policy of the award for successful returnee (purna PMI) businesses, as "
        "agreed for this service and recorded here; it is not a regulation. Points and "
        "threshold are reviewed before each round."
    ),
    award="purna-pmi",
    criteria=(
        Criterion(
            ATTENDANCE,
            Decimal(40),
            BilingualText(
                id="Kehadiran di sesi program pelatihan dan pendampingan",
                en="Attendance at the sessions of training and mentoring programmes",
            ),
        ),
        Criterion(
            MILESTONES,
            Decimal(40),
            BilingualText(
                id="Capaian usaha: penjualan pertama, izin usaha, pinjaman lunas",
                en="Milestones reached: first sale, business permit, loan repaid",
            ),
        ),
        Criterion(
            STAGE,
            Decimal(20),
            BilingualText(
                id="Tahap usaha saat mendaftar", en="The business's stage when registered"
            ),
        ),
    ),
    threshold=Decimal(60),
    milestone_points=(
        ("first_sale", Decimal(15)),
        ("business_permit", Decimal(10)),
        ("loan_repaid", Decimal(15)),
    ),
    stage_points=(
        ("idea", Decimal(0)),
        ("starting", Decimal(5)),
        ("running", Decimal(15)),
        ("growing", Decimal(20)),
    ),
)

_MILESTONE_NAMES: dict[str, tuple[str, str]] = {
    "first_sale": ("penjualan pertama", "first sale"),
    "business_permit": ("izin usaha", "business permit"),
    "loan_repaid": ("pinjaman lunas", "loan repaid"),
}
_STAGE_NAMES: dict[str, tuple[str, str]] = {
    "idea": ("ide", "idea"),
    "starting": ("baru mulai", "starting"),
    "running": ("berjalan", "running"),
    "growing": ("berkembang", "growing"),
}


@dataclass(frozen=True)
class Participation:
    """One programme's report, as the organiser gave it."""

    sessions_held: int
    sessions_attended: int
    milestones: tuple[Milestone, ...] = ()


@dataclass(frozen=True)
class Assessment:
    award: str
    criteria_version: str
    scores: tuple[CriterionScore, ...]
    total: Decimal
    threshold: Decimal
    nominated: bool


def assess(
    stage: BusinessStage,
    reports: Sequence[Participation],
    on: date,
    criteria: AwardCriteria = AWARD_CRITERIA,
) -> Assessment:
    """Score a business by every published criterion from its programmes' reports."""
    max_points = {c.code: c.max_points for c in criteria.criteria}
    scores = (
        _attendance(reports, max_points[ATTENDANCE]),
        _milestones(reports, criteria, max_points[MILESTONES]),
        _stage(stage, criteria, max_points[STAGE]),
    )
    total = sum((s.points for s in scores), Decimal(0))
    return Assessment(
        award=f"{criteria.award}-{on.year}",
        criteria_version=criteria.version,
        scores=scores,
        total=total,
        threshold=criteria.threshold,
        nominated=total >= criteria.threshold,
    )


def _attendance(reports: Sequence[Participation], most: Decimal) -> CriterionScore:
    held = sum(r.sessions_held for r in reports)
    attended = sum(r.sessions_attended for r in reports)
    rate = Decimal(attended) / Decimal(held) if held else Decimal(0)
    points = (most * rate).quantize(_POINTS, ROUND_HALF_UP)
    percent = (rate * 100).quantize(Decimal(1), ROUND_HALF_UP)
    text = BilingualText(
        id=f"Hadir {attended} dari {held} sesi ({percent}%): {points} dari {most} poin.",
        en=f"Attended {attended} of {held} sessions ({percent}%): {points} of {most} points.",
    )
    return _score(ATTENDANCE, points, most, text)


def _milestones(
    reports: Sequence[Participation], criteria: AwardCriteria, most: Decimal
) -> CriterionScore:
    reached = {m.kind for r in reports for m in r.milestones}
    earned = [(kind, pts) for kind, pts in criteria.milestone_points if kind in reached]
    points = min(most, sum((pts for _, pts in earned), Decimal(0)))
    if earned:
        named_id = ", ".join(f"{_MILESTONE_NAMES[k][0]} ({p})" for k, p in earned)
        named_en = ", ".join(f"{_MILESTONE_NAMES[k][1]} ({p})" for k, p in earned)
    else:
        named_id, named_en = "belum ada", "none yet"
    text = BilingualText(
        id=f"Capaian: {named_id}: {points} dari {most} poin.",
        en=f"Milestones: {named_en}: {points} of {most} points.",
    )
    return _score(MILESTONES, points, most, text)


def _stage(stage: BusinessStage, criteria: AwardCriteria, most: Decimal) -> CriterionScore:
    points = min(most, dict(criteria.stage_points)[stage])
    name_id, name_en = _STAGE_NAMES[stage]
    text = BilingualText(
        id=f"Tahap usaha: {name_id}: {points} dari {most} poin.",
        en=f"Business stage: {name_en}: {points} of {most} points.",
    )
    return _score(STAGE, points, most, text)


def _score(code: str, points: Decimal, most: Decimal, text: BilingualText) -> CriterionScore:
    return CriterionScore(
        criterion=code, points=points, max_points=most, explanation=Reason(code=code, text=text)
    )
