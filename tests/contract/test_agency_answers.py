"""Answers say why: a `failed` answer gives reasons from the agency's own list, a `passed`
one none, and the published JSON Schema says exactly what the model enforces."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError
from sentra_shared.contract import SCHEMAS_DIR
from sentra_shared.envelope import UndecodableEvent, decode, encode, headers_for
from sentra_shared.events import (
    AGENCY_EXCHANGES,
    AGENCY_REASON_CODES,
    CATALOGUE,
    Agency,
    AgencyCheckCompleted,
    BankLoanDecided,
    CheckOutcome,
    ConsultationReplied,
    ParticipationReported,
    PolriCheckCompleted,
    reason_codes,
    results_topic,
)
from sentra_shared.events.agency_reasons import PARTICIPATION_REASON_CODES
from sentra_shared.reasons import BilingualText, Reason
from sentra_shared.topics import DLQ_SUFFIX, declared_agencies, declared_topics

GUIDE = Path(__file__).resolve().parents[2] / "deploy" / "agencies"

ANSWER_TYPES: list[type[AgencyCheckCompleted]] = [
    answer for exchanges in AGENCY_EXCHANGES.values() for _, answer in exchanges
]
AT = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
OWN_TEXT = BilingualText(id="Teks instansi sendiri.", en="The agency's own words.")


def listed(agency: Agency, code: str) -> Reason:
    return Reason(code=code, text=AGENCY_REASON_CODES[agency][code])


def body(
    outcome: str,
    reasons: list[dict[str, Any]] | None = None,
    cls: type[AgencyCheckCompleted] | None = None,
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "application_id": str(uuid.uuid4()),
        "occurred_at": AT.isoformat(),
        "request_id": str(uuid.uuid4()),
        "outcome": outcome,
        **(own_fields(cls, outcome) if cls is not None else {}),
    }
    return value if reasons is None else {**value, "reasons": reasons}


def own_fields(cls: type[AgencyCheckCompleted], outcome: str) -> dict[str, Any]:
    """What an answer type requires beside the common fields, right for `outcome`: an
    organiser's attendance, a desk's answer when it answers."""
    if issubclass(cls, ParticipationReported):
        return {"sessions_held": 4, "sessions_attended": 4 if outcome == "passed" else 0}
    if issubclass(cls, ConsultationReplied) and outcome == "passed":
        return {"answer": "Jawaban meja."}
    return {}


def reason_json(code: str) -> dict[str, Any]:
    return {"code": code, "text": {"id": "Alasan.", "en": "Why."}}


def validator(cls: type[AgencyCheckCompleted]) -> Draft202012Validator:
    return Draft202012Validator(json.loads((SCHEMAS_DIR / f"{cls.__name__}.json").read_text()))


# --- the catalogue --------------------------------------------------------------------------


def test_every_agency_lists_codes_with_a_meaning_in_both_languages() -> None:
    assert set(AGENCY_REASON_CODES) == set(Agency)
    for agency in Agency:
        codes = reason_codes(agency)
        assert codes, agency
        for code in codes:
            assert code.isupper() and " " not in code, code
            meaning = AGENCY_REASON_CODES[agency][code]
            assert meaning.id.strip() and meaning.en.strip(), code


# --- the model ------------------------------------------------------------------------------


def test_a_failed_answer_with_a_listed_code_and_the_agencys_own_text_is_accepted() -> None:
    answer = PolriCheckCompleted(
        application_id=uuid.uuid4(),
        occurred_at=AT,
        request_id=uuid.uuid4(),
        outcome=CheckOutcome.FAILED,
        reasons=(Reason(code="SKCK_NOT_ISSUED", text=OWN_TEXT),),
    )
    assert [r.code for r in answer.reasons] == ["SKCK_NOT_ISSUED"]
    assert answer.reasons[0].text == OWN_TEXT  # the agency words it; the code says what


def test_a_failed_answer_without_a_reason_is_refused() -> None:
    with pytest.raises(ValidationError, match="a failed answer must give at least one reason"):
        PolriCheckCompleted(
            application_id=uuid.uuid4(),
            occurred_at=AT,
            request_id=uuid.uuid4(),
            outcome=CheckOutcome.FAILED,
        )


def test_a_code_from_another_agencys_list_is_refused() -> None:
    with pytest.raises(ValidationError, match="not in polri's list: NIK_NOT_REGISTERED"):
        PolriCheckCompleted(
            application_id=uuid.uuid4(),
            occurred_at=AT,
            request_id=uuid.uuid4(),
            outcome=CheckOutcome.FAILED,
            reasons=(listed(Agency.DUKCAPIL, "NIK_NOT_REGISTERED"),),
        )


def test_a_passed_answer_carries_no_reasons() -> None:
    with pytest.raises(ValidationError, match="a passed answer carries no reasons"):
        BankLoanDecided(
            application_id=uuid.uuid4(),
            occurred_at=AT,
            request_id=uuid.uuid4(),
            outcome=CheckOutcome.PASSED,
            reasons=(listed(Agency.BANK, "KUR_LIMIT_REACHED"),),
            disbursed_amount_idr=50_000_000,
        )


def test_an_answer_with_an_unlisted_code_does_not_decode_so_it_is_dead_lettered() -> None:
    good = PolriCheckCompleted(
        application_id=uuid.uuid4(),
        occurred_at=AT,
        request_id=uuid.uuid4(),
        outcome=CheckOutcome.FAILED,
        reasons=(listed(Agency.POLRI, "SKCK_NOT_ISSUED"),),
    )
    headers = headers_for(good)
    assert decode(headers, encode(good)) == good
    unlisted = json.loads(encode(good))
    unlisted["reasons"][0]["code"] = "RECORD"
    # The dead letter's reason says which rule failed, for the operator and the agency.
    with pytest.raises(UndecodableEvent, match="not in polri's list: RECORD"):
        decode(headers, json.dumps(unlisted).encode())
    unexplained = {**json.loads(encode(good)), "reasons": []}
    with pytest.raises(UndecodableEvent, match="must give at least one reason"):
        decode(headers, json.dumps(unexplained).encode())
    # ... and never the values, which may be personal data.
    wrong_nik = {**json.loads(encode(good)), "request_id": "3314015203930001"}
    with pytest.raises(UndecodableEvent, match="request_id: ") as refused:
        decode(headers, json.dumps(wrong_nik).encode())
    assert "3314015203930001" not in str(refused.value)


# --- the published schema -------------------------------------------------------------------


@pytest.mark.parametrize("cls", ANSWER_TYPES, ids=lambda cls: cls.__name__)
def test_the_schema_requires_reasons_from_the_agencys_list_on_failed(
    cls: type[AgencyCheckCompleted],
) -> None:
    schema = validator(cls)
    # The agency's list, or the exchange's own (an organiser's participation report).
    codes = tuple(cls.listed_reasons())
    assert codes == (
        tuple(PARTICIPATION_REASON_CODES)
        if issubclass(cls, ParticipationReported)
        else reason_codes(cls.agency)
    )
    other = next(c for a in Agency for c in reason_codes(a) if c not in codes)
    assert schema.is_valid(body("failed", [reason_json(codes[0])], cls))
    assert schema.is_valid(body("failed", [reason_json(code) for code in codes], cls))
    assert schema.is_valid(body("passed", None, cls))
    assert schema.is_valid(body("passed", [], cls))
    assert not schema.is_valid(body("failed", None, cls))  # no reasons at all
    assert not schema.is_valid(body("failed", [], cls))
    assert not schema.is_valid(body("failed", [reason_json(other)], cls))
    failed_with_unlisted = [reason_json(codes[0]), reason_json("WHATEVER")]
    assert not schema.is_valid(body("failed", failed_with_unlisted, cls))
    assert not schema.is_valid(body("passed", [reason_json(codes[0])], cls))


@pytest.mark.parametrize("cls", ANSWER_TYPES, ids=lambda cls: cls.__name__)
def test_schema_and_model_agree(cls: type[AgencyCheckCompleted]) -> None:
    codes = tuple(cls.listed_reasons())
    cases = [
        body("failed", [reason_json(codes[-1])], cls),
        body("failed", None, cls),
        body("failed", [reason_json("NOT_A_CODE")], cls),
        body("passed", None, cls),
        body("passed", [reason_json(codes[0])], cls),
        # Each type's own fields given where the outcome forbids them, left out where it
        # needs them: a desk's passed reply without its answer, a failed one with an
        # answer; a failed participation report with milestones.
        body("passed"),
        {**body("failed", [reason_json(codes[0])], cls), "answer": "Jawaban."},
        {
            **body("failed", [reason_json(codes[0])], cls),
            "milestones": [{"kind": "first_sale", "achieved_on": "2026-03-01"}],
        },
    ]
    schema = validator(cls)
    for case in cases:
        try:
            cls.model_validate(case)
            model_accepts = True
        except ValidationError:
            model_accepts = False
        assert schema.is_valid(case) is model_accepts, case


@pytest.mark.parametrize("cls", ANSWER_TYPES, ids=lambda cls: cls.__name__)
def test_answers_travel_on_the_v2_result_topic_as_v2_events(
    cls: type[AgencyCheckCompleted],
) -> None:
    assert cls.topic == results_topic(cls.agency) == f"sentra.agency.{cls.agency}.results.v2"
    assert cls.ce_type() == f"id.sentra.agency.{cls.agency}.{cls.__name__}.v2"
    schema = json.loads((SCHEMAS_DIR / f"{cls.__name__}.json").read_text())
    assert "valid_until" in schema["properties"]
    assert "inclusive, in WIB" in schema["properties"]["valid_until"]["description"]


def test_every_declared_topic_carries_an_event_so_no_retired_topic_lingers() -> None:
    declared = {spec.name for spec in declared_topics() if not spec.name.endswith(DLQ_SUFFIX)}
    assert declared == {cls.topic for cls in CATALOGUE}
    for agency, spec in declared_agencies().items():
        assert spec.results_topic == f"sentra.agency.{agency}.results.v2"
        assert spec.requests_topic == f"sentra.agency.{agency}.requests.v1"


# --- the agency guide -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("guide", "heading", "language"),
    [("README.md", "## Reason codes", "en"), ("README.id.md", "## Kode alasan", "id")],
)
def test_the_guides_list_every_agencys_codes_as_the_catalogue_does(
    guide: str, heading: str, language: str
) -> None:
    text = (GUIDE / guide).read_text()
    assert text.count(heading + "\n") == 1
    section = text.split(heading + "\n")[1].split("\n## ")[0]
    rows = re.findall(r"^\| `([a-z_0-9]+)` \| `([A-Z_0-9]+)` \| (.+) \|$", section, re.MULTILINE)
    expected = [
        (agency.value, code, getattr(meaning, language))
        for agency, codes in AGENCY_REASON_CODES.items()
        for code, meaning in codes.items()
    ]
    assert rows == expected
    # The organisers' participation reports have their own list, once, whoever organises.
    participation = re.findall(r"^\| `([A-Z_0-9]+)` \| (.+) \|$", section, re.MULTILINE)
    assert participation == [
        (code, getattr(meaning, language)) for code, meaning in PARTICIPATION_REASON_CODES.items()
    ]
