"""What the intake refuses, against the running documents service: each rule answers 422
naming the field, and what it accepts is stored as it will travel on."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sentra_local.stack import Stack

pytestmark = pytest.mark.timeout(120)

ARABIC_INDIC = str.maketrans(
    "0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"
)


@pytest.fixture(scope="module")
async def documents(local_stack: Stack, kit: Any) -> AsyncIterator[Any]:
    async with kit.running_documents(local_stack, "documents_intake_edges_test") as service:
        yield service


def kur_form(kit: Any, **credit: Any) -> dict[str, Any]:
    details = {"product": "placement", "amount_idr": 20_000_000, "tenor_months": 12}
    return {"kind": "kur_loan", "applicant": kit.applicant(), "credit": {**details, **credit}}


def refund_form(kit: Any, **refund: Any) -> dict[str, Any]:
    departure = kit.today_wib() - timedelta(days=100)
    details = {
        "claim_type": "return_cost",
        "departure_date": departure.isoformat(),
        "employment_start": (departure - timedelta(days=900)).isoformat(),
        "employment_end": (departure - timedelta(days=2)).isoformat(),
        "passport_name": "SITI RAHAYU",
        "payee_account_name": "SITI RAHAYU",
        "swift_bic": "BRINIDJA",
    }
    return {"kind": "insurance_refund", "applicant": kit.applicant(), "refund": details | refund}


async def post(documents: Any, body: dict[str, Any] | bytes, **headers: str) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body, allow_nan=True).encode()
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(
            f"{documents.url}/applications",
            content=content,
            headers={"content-type": "application/json", **headers},
        )


def refused(response: httpx.Response) -> list[tuple[tuple[Any, ...], str]]:
    """(loc, type) of each error; also checks no error echoes what was sent."""
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert all(set(error) == {"loc", "msg", "type"} for error in detail), detail
    return [(tuple(error["loc"]), error["type"]) for error in detail]


async def stored_form(documents: Any, application_id: uuid.UUID) -> dict[str, Any]:
    form = await documents.pool.fetchval(
        "SELECT form FROM applications WHERE application_id = $1", application_id
    )
    stored: dict[str, Any] = json.loads(form)
    return stored


# --- identifiers: ASCII digits only --------------------------------------------------------


async def test_a_nik_in_arabic_indic_digits_is_refused_naming_the_field(documents, kit):
    form = kit.placement_form()
    nik = form["applicant"]["nik"]
    form["applicant"]["nik"] = nik.translate(ARABIC_INDIC)
    response = await post(documents, form)
    assert refused(response) == [(("body", "applicant", "nik"), "string_pattern_mismatch")]
    # Personal data stays out of the answer, in either script.
    assert nik not in response.text and form["applicant"]["nik"] not in response.text


async def test_a_phone_in_full_width_digits_is_refused(documents, kit):
    form = kit.placement_form()
    form["applicant"]["phone"] = "+\uff16\uff12" + "\uff18" * 10
    assert refused(await post(documents, form)) == [
        (("body", "applicant", "phone"), "string_pattern_mismatch")
    ]


# --- numbers and booleans are JSON numbers and booleans ------------------------------------


@pytest.mark.parametrize("amount", ["5000000", 5000000.0, True])
async def test_an_amount_that_is_not_a_json_integer_is_refused(documents, kit, amount):
    assert refused(await post(documents, kur_form(kit, amount_idr=amount))) == [
        (("body", "credit", "amount_idr"), "int_type")
    ]


async def test_a_yes_no_that_is_not_a_json_boolean_is_refused(documents, kit):
    assert refused(await post(documents, kur_form(kit, has_npwp="true"))) == [
        (("body", "credit", "has_npwp"), "bool_type")
    ]


@pytest.mark.parametrize("number", [float("inf"), float("-inf"), float("nan"), 10**40])
async def test_numbers_json_cannot_represent_are_refused_not_a_server_error(documents, kit, number):
    # Python's JSON reader turns 1e999 into inf and NaN into nan; echoing them back made
    # the error answer itself fail (500).
    assert refused(await post(documents, kur_form(kit, tenor_months=number)))[0][0] == (
        "body",
        "credit",
        "tenor_months",
    )
    raw = json.dumps(kur_form(kit)).replace('"tenor_months": 12', '"tenor_months": 1e999')
    assert refused(await post(documents, raw.encode())) == [
        (("body", "credit", "tenor_months"), "int_type")
    ]


# --- dates are plausible -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("years", "days"), [(0, 1), (0, 0), (14, 0), (101, 0)], ids=["tomorrow", "today", "14", "101"]
)
async def test_an_implausible_birth_date_is_refused(documents, kit, years, days):
    today = kit.today_wib()
    born = today.replace(year=today.year - years) + timedelta(days=days)
    form = kit.placement_form()
    form["applicant"]["date_of_birth"] = born.isoformat()
    assert refused(await post(documents, form)) == [
        (("body", "applicant", "date_of_birth"), "birth_date_not_plausible")
    ]


async def test_a_fifteen_year_old_is_accepted_for_an_officer_to_see(documents, kit):
    today = kit.today_wib()
    fifteen = today.replace(year=today.year - 15) - timedelta(days=1)
    form = kit.placement_form(applicant=kit.applicant(fifteen))
    response = await post(documents, form)
    assert response.status_code == 202, response.text
    application_id = uuid.UUID(response.json()["application_id"])
    await documents.wait_status(application_id, "under_review")


async def test_an_employment_ending_before_it_started_is_refused(documents, kit):
    form = refund_form(kit, employment_start="2022-03-01", employment_end="2022-02-28")
    assert refused(await post(documents, form)) == [
        (("body", "refund", "employment_end"), "period_reversed")
    ]


async def test_a_certificate_dated_tomorrow_is_refused(documents, kit):
    form = kit.placement_form()
    tomorrow = (kit.today_wib() + timedelta(days=1)).isoformat()
    documents_shown = form["placement"]["documents"]
    index = next(i for i, d in enumerate(documents_shown) if d["kind"] == "health_certificate")
    documents_shown[index]["issued_on"] = tomorrow
    assert refused(await post(documents, form)) == [
        (("body", "placement", "documents", index, "issued_on"), "issue_date_not_plausible")
    ]


@pytest.mark.parametrize("departure", ["9999-12-31", "1900-01-01", "0001-01-01"])
async def test_a_departure_no_date_arithmetic_survives_is_refused(documents, kit, departure):
    form = refund_form(kit, departure_date=departure)
    [(loc, _)] = refused(await post(documents, form))
    assert loc == ("body", "refund", "departure_date")


@pytest.mark.parametrize("written", [0, "1990-01-01T00:00:00", "17/08/1995"])
async def test_a_date_is_written_yyyy_mm_dd(documents, kit, written):
    form = kit.placement_form()
    form["applicant"]["date_of_birth"] = written
    assert refused(await post(documents, form)) == [
        (("body", "applicant", "date_of_birth"), "date_type")
    ]


# --- names: composed, visible --------------------------------------------------------------


async def test_a_decomposed_name_is_stored_composed(documents, kit):
    form = refund_form(kit, passport_name="SITI RA\u0308HAYU", payee_account_name="SITI RAHAYU")
    form["applicant"]["full_name"] = "Siti Ra\u0308hayu"
    response = await post(documents, form)
    assert response.status_code == 202, response.text
    stored = await stored_form(documents, uuid.UUID(response.json()["application_id"]))
    assert stored["applicant"]["full_name"] == "Siti R\u00e4hayu"
    assert stored["refund"]["passport_name"] == "SITI R\u00c4HAYU"


@pytest.mark.parametrize(
    ("character", "code_point"),
    [
        ("\u200b", "U+200B"),  # zero width space
        ("\u202e", "U+202E"),  # right-to-left override
        ("\x00", "U+0000"),  # PostgreSQL cannot store it
        ("\ud800", "U+D800"),  # a lone surrogate: not Unicode text at all
        ("\u2028", "U+2028"),  # a line break inside a name
    ],
)
async def test_an_invisible_or_control_character_in_a_name_is_refused(
    documents, kit, character, code_point
):
    form = kit.placement_form()
    form["applicant"]["full_name"] = f"Siti{character}Rahayu"
    response = await post(documents, form)
    assert refused(response) == [(("body", "applicant", "full_name"), "text_refused_character")]
    assert code_point in response.json()["detail"][0]["msg"]


async def test_an_unknown_field_named_with_a_surrogate_is_refused_not_a_server_error(
    documents, kit
):
    form = kit.placement_form()
    form["applicant"]["nick\udc80name"] = "Siti"
    response = await post(documents, form)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["body", "applicant"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"\xff\xfe{", "text/plain"), (b"\xff\xfe{", "application/json"), (b"[" * 50_000, "")],
)
async def test_a_body_that_is_not_json_text_is_refused_not_a_server_error(
    documents, body, content_type
):
    response = await post(documents, body, **{"content-type": content_type})
    assert response.status_code in (400, 422), response.text
    assert response.json()["detail"]


# --- the published schema says all of this ---------------------------------------------------


async def test_the_openapi_document_says_what_the_intake_accepts(documents):
    async with httpx.AsyncClient(timeout=10) as client:
        schemas = (await client.get(f"{documents.url}/openapi.json")).json()["components"][
            "schemas"
        ]
    applicant = schemas["Applicant"]["properties"]
    assert applicant["nik"]["pattern"] == "^[0-9]{16}$"
    assert applicant["phone"]["pattern"] == r"^\+?[0-9]{8,15}$"
    visible = r"^[^\p{C}\p{Zl}\p{Zp}]*$"
    assert applicant["full_name"]["pattern"] == visible
    assert schemas["RefundDetails"]["properties"]["passport_name"]["pattern"] == visible
    assert schemas["RefundDetails"]["properties"]["payee_account_name"]["pattern"] == visible
    assert "15 to 100 years" in applicant["date_of_birth"]["description"]
    assert (
        "not after the day of submission"
        in (schemas["PresentedDocument"]["properties"]["issued_on"]["description"])
    )
    assert (
        "Not before employment_start"
        in (schemas["RefundDetails"]["properties"]["employment_end"]["description"])
    )
    for model, field in [
        ("CreditDetails", "amount_idr"),
        ("CreditDetails", "tenor_months"),
        ("FeePaid", "amount_idr"),
    ]:
        assert schemas[model]["properties"][field]["type"] == "integer"
    assert schemas["PlacementDetails"]["properties"]["bank_account"]["anyOf"][0]["pattern"] == (
        "^[0-9 -]{5,34}$"
    )
    # What a 422 carries: where, what, which rule; never the input.
    assert schemas["ValidationError"]["required"] == ["loc", "msg", "type"]
