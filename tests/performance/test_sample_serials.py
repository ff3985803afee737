"""A long benchmark draws tens of thousands of samples: every NIK must stay a NIK (16
digits) and no ordinary applicant may land on a sandbox agency's convention serial."""

from __future__ import annotations

from datetime import date

from sentra_local.licences import sample_licences
from sentra_local.samples import (
    AGENCY_LATE_SERIAL,
    BANK_REJECTS_SERIAL,
    BANK_SILENT_SERIAL,
    PROMPT_PATHS,
    SLIK_LOSS_SERIAL,
    SLIK_SPECIAL_MENTION_SERIAL,
    Path,
    sample_cases,
)

CONVENTIONS = {
    Path.PLACEMENT_AGENCY_LATE: AGENCY_LATE_SERIAL,
    Path.KUR_SLIK_REJECTED: SLIK_LOSS_SERIAL,
    Path.KUR_REFERRED_DISBURSED: SLIK_SPECIAL_MENTION_SERIAL,
    Path.KUR_BANK_REJECTED: BANK_REJECTS_SERIAL,
    Path.KUR_BANK_SILENT: BANK_SILENT_SERIAL,
}


def test_nik_serials_wrap_within_the_ordinary_range() -> None:
    samples = sample_cases(20_000, date(2026, 11, 26), sample_licences(date(2026, 11, 26)), 7)
    assert len(samples) >= 20_000
    serials = []
    for sample in samples:
        nik = sample.form["applicant"]["nik"]
        assert len(nik) == 16 and nik.isdigit(), nik
        serial = int(nik[-4:])
        if sample.path in CONVENTIONS:
            assert serial == CONVENTIONS[sample.path]
        else:
            assert 1 <= serial <= 9000, (sample.path, nik)
            serials.append(serial)
    # The counter went past 9000 and began again at 1.
    assert max(serials) == 9000
    assert serials.count(1) >= 2


def test_the_first_samples_keep_their_serials() -> None:
    """Serials count 1, 2, 3, ... from the start of a draw, as before the wrap."""
    today = date(2026, 11, 26)
    samples = sample_cases(50, today, sample_licences(today), 2016, PROMPT_PATHS)
    ordinary = [int(s.form["applicant"]["nik"][-4:]) for s in samples if s.path not in CONVENTIONS]
    assert ordinary == sorted(ordinary)
    assert ordinary[0] == 1
