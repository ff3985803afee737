"""Loan forms of family members and returnees, and how a family member names the worker."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sentra_documents.domain import intake
from sentra_documents.domain.intake import NamedWorker, worker_link_findings
from sentra_documents.domain.reasons import DocumentsReason as R
from sentra_documents.forms import ApplicationForm
from sentra_documents.sealed_forms import SEALED_FIELDS

KEY = b"identifier-key"
WORKER = "a" * 32
APPLICANT = "b" * 32


def form(**credit: Any) -> dict[str, Any]:
    return {
        "kind": "kur_loan",
        "applicant": {
            "full_name": "Sri Wulandari",
            "nik": "3301015506900003",
            "date_of_birth": "1990-06-15",
            "sex": "F",
            "phone": "+6281300000002",
        },
        "credit": {"product": "micro", "amount_idr": 20_000_000, "tenor_months": 12, **credit},
    }


FAMILY = {"borrower_role": "family", "worker_tracking_code": "7K3QD-9XWM2",
          "worker_date_of_birth": "1996-03-14"}  # fmt: skip
RETURNEE = {"borrower_role": "returnee", "returned_on": "2025-11-02"}


def errors(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as failed:
        ApplicationForm.model_validate(data)
    return [str(e["msg"]) for e in failed.value.errors()]


def test_a_worker_loan_is_as_before() -> None:
    credit = ApplicationForm.model_validate(form(product="placement")).credit
    assert credit is not None
    assert (credit.borrower_role, credit.scheme, credit.worker_tracking_code) == (
        "worker",
        "kur",
        None,
    )


def test_family_and_returnee_forms_pass() -> None:
    family = ApplicationForm.model_validate(form(**FAMILY, scheme="regional")).credit
    assert family is not None and family.worker_date_of_birth == date(1996, 3, 14)
    returnee = ApplicationForm.model_validate(form(**RETURNEE)).credit
    assert returnee is not None and returnee.returned_on == date(2025, 11, 2)
    # The code as a person copies it: lower case, no hyphen.
    ApplicationForm.model_validate(form(**{**FAMILY, "worker_tracking_code": "7k3qd9xwm2"}))


@pytest.mark.parametrize(
    ("credit", "message"),
    [
        ({"borrower_role": "family"}, "needs worker_tracking_code and worker_date_of_birth"),
        (
            {**FAMILY, "worker_date_of_birth": None},
            "needs worker_tracking_code and worker_date_of_birth",
        ),
        ({**FAMILY, "returned_on": "2025-11-02"}, "only a returnee's loan has returned_on"),
        ({"borrower_role": "returnee"}, "a returnee's loan needs returned_on"),
        (
            {**RETURNEE, "worker_tracking_code": "7K3QD-9XWM2"},
            "only a family member's loan names a worker",
        ),
        ({"returned_on": "2025-11-02"}, "only a returnee's loan has returned_on"),
        ({**RETURNEE, "product": "placement"}, "the placement product is the worker's own"),
        ({**FAMILY, "product": "placement"}, "the placement product is the worker's own"),
        ({"product": "placement", "scheme": "regional"}, "for a business only: product micro"),
    ],
)
def test_what_each_borrower_must_and_may_not_give(credit: dict[str, Any], message: str) -> None:
    assert any(message in m for m in errors(form(**credit)))


@pytest.mark.parametrize("code", ["7K3QD-9XWM", "7K3QO-9XWM2", "7K3QD--9XWM2", "7K3QD 9XWM2"])
def test_a_tracking_code_has_its_shape(code: str) -> None:
    assert errors(form(**{**FAMILY, "worker_tracking_code": code}))


def test_a_return_is_in_the_past() -> None:
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    assert any(
        "not after today" in m for m in errors(form(**{**RETURNEE, "returned_on": tomorrow}))
    )
    assert intake.past_date_problem(date(2026, 1, 1), date(2026, 1, 1)) is None


def test_the_tracking_key_reads_a_code_as_a_person_writes_it() -> None:
    key = intake.tracking_key("7K3QD-9XWM2", KEY)
    assert intake.tracking_key("7k3qd9xwm2", KEY) == key
    assert intake.tracking_key(" 7K3QD 9XWM2 ", KEY) == key
    assert intake.tracking_key("7K3QD-9XWM3", KEY) != key
    assert intake.tracking_key("7K3QD-9XWM2", b"another key") != key


def test_the_worker_named_must_exist_be_someone_else_and_be_placed() -> None:
    placed = NamedWorker(worker_ref=WORKER, placement_verified=True)
    assert worker_link_findings(APPLICANT, placed) == ()
    codes = [
        [r.code for r in worker_link_findings(APPLICANT, None)],
        [r.code for r in worker_link_findings(WORKER, placed)],
        [r.code for r in worker_link_findings(APPLICANT, NamedWorker(WORKER, False))],
    ]
    assert codes == [
        [R.WORKER_REFERENCE_UNKNOWN],
        [R.FAMILY_MEMBER_IS_WORKER],
        [R.WORKER_NOT_PLACED],
    ]


def test_the_workers_tracking_code_is_sealed_at_rest() -> None:
    assert ("credit", "worker_tracking_code") in SEALED_FIELDS
