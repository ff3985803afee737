"""The intake never answers 5xx: Hypothesis against the running service.

Each case starts from a valid form of one of the three kinds and mutates it (any value
replaced by hostile text, numbers JSON cannot carry, wrong types, deep nesting; keys
dropped or invented; invisible characters slipped into a valid string), or sends a body
that is not JSON text at all, with or without a random `Idempotency-Key`. Every answer
must be 202 or 4xx; a 422 names the field; a 202's application is in the database, with
every text composed and visible. The server runs in the test's event loop; Hypothesis
drives it from a worker thread with a plain HTTP client.
"""

from __future__ import annotations

import asyncio
import functools
import json
import unicodedata
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sentra_documents.domain import text
from sentra_local.stack import Stack

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(300),
    # The service under test runs in this process and draws from `random` (Kafka client,
    # connection pools) while Hypothesis generates in another thread; Hypothesis sees the
    # global generator move and warns, though no strategy uses it.
    pytest.mark.filterwarnings(
        "ignore:Do not use the `random` module:hypothesis.errors.HypothesisDeprecationWarning"
    ),
]

CASES = 2000

NIK = "3314015708950001"
ARABIC_INDIC_NIK = NIK.translate({48 + i: 0x0660 + i for i in range(10)})
FULL_WIDTH_NIK = NIK.translate({48 + i: 0xFF10 + i for i in range(10)})
HOSTILE_STRINGS = [
    "", " ", "\x00", "Siti\x00", "\ud800", "\udfff", "a\ud83d", "\u202eSiti", "Si\u200bti",
    "\ufeff", "\u2028", "\ue000", "\U0010ffff", "\u0378", ARABIC_INDIC_NIK,
    FULL_WIDTH_NIK, "9999-12-31", "0001-01-01", "1995-02-29", "-1",
    "NaN", "Infinity", "1e999", "null", "true", "'; DROP TABLE applications; --",
    "A" * 10_000, "ä" * 121, "a\u0308" * 60, "\u0958" * 70, "%00", "\\u0000",
]  # fmt: skip
HOSTILE_CHARACTERS = [
    "\x00", "\x1b", "\t", "\n", "\r", "\x7f", "\x85", "\u200b", "\u200e", "\u202e",
    "\u2066", "\ufeff", "\ud800", "\udc00", "\ue000", "\u0378", "\u2028", "\u2029",
    "\u0308", "\u00a0", "\U000e0001", "\U0001f600",
]  # fmt: skip
FIXED_NUMBERS = [0, -1, 2**31, 2**63, -(2**63) - 1, 10**19, 10**300, 1e308, 5e-324, -0.0]


def deep() -> list[Any]:
    """Nested 300 deep: far beyond any form, still within what the JSON reader takes.
    A fresh one each time, so that no mutation can make a structure contain itself."""
    return functools.reduce(lambda inner, _: [inner], range(300), [])


CONTENT_TYPES = [
    "application/json", "application/json; charset=utf-8", "application/vnd.sentra+json",
    "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
    "application/octet-stream", "",
]  # fmt: skip
# Bytes a header value may carry on the wire (RFC 9110 field-vchar, obs-text, inner space).
HEADER_BYTES = [b for b in range(0x20, 0x100) if b != 0x7F]

any_text = st.text(st.characters(exclude_categories=()), max_size=40)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(FIXED_NUMBERS),
    st.floats(allow_nan=True, allow_infinity=True),
    any_text,
    st.sampled_from(HOSTILE_STRINGS),
    st.dates().map(lambda d: d.isoformat()),
    st.builds(deep),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=8,
)
RUN_NONCE = uuid.uuid4().hex.encode() + b"-"
# Well-formed keys (which must replay or conflict, never fail) and hostile header bytes.
header_values = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=60
).map(str.encode) | st.lists(st.sampled_from(HEADER_BYTES), max_size=80).map(bytes).map(bytes.strip)


def kur_form(person: dict[str, Any]) -> dict[str, Any]:
    credit = {"product": "micro", "amount_idr": 20_000_000, "tenor_months": 12, "has_npwp": True}
    return {"kind": "kur_loan", "applicant": person, "credit": credit}


def refund_form(person: dict[str, Any], today: Any) -> dict[str, Any]:
    departure = today - timedelta(days=400)
    refund = {
        "claim_type": "departure_guarantee",
        "departure_date": departure.isoformat(),
        "employment_start": (departure - timedelta(days=900)).isoformat(),
        "employment_end": (departure - timedelta(days=2)).isoformat(),
        "assessed_amount_krw": 4_200_000,
        "passport_name": "SITI RAHAYU",
        "payee_account_name": "Siti Rahayu",
        "payee_account_number": "0123-4567-89",
        "swift_bic": "BRINIDJA",
    }
    return {"kind": "insurance_refund", "applicant": person, "refund": refund}


def paths(node: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON document down to the depth of a form, the root excepted."""
    if len(at) >= 6:
        return
    children = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, child in children:
        yield (*at, key)
        yield from paths(child, (*at, key))


def parent_of(form: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        form = form[key]
    return form


def mutate(form: dict[str, Any], draw: Callable[[Any], Any]) -> str:
    """Change one place of the form; returns what was done (for the tally)."""
    path = draw(st.sampled_from(list(paths(form))))
    parent, key = parent_of(form, path), path[-1]
    action = draw(st.sampled_from(["replace", "slip", "drop", "invent"]))
    if action == "slip" and isinstance(parent[key], str):
        at = draw(st.integers(0, len(parent[key])))
        character = draw(st.sampled_from(HOSTILE_CHARACTERS) | st.characters(exclude_categories=()))
        parent[key] = parent[key][:at] + character + parent[key][at:]
    elif action == "drop" and isinstance(parent, dict):
        del parent[key]
    elif action == "invent" and isinstance(parent[key], dict):
        parent[key][draw(any_text | st.sampled_from(HOSTILE_STRINGS))] = draw(values)
    else:
        action = "replace"
        parent[key] = draw(values)
    return action


def visible_and_composed(node: Any) -> bool:
    if isinstance(node, str):
        return unicodedata.is_normalized("NFC", node) and text.refused_character(node) is None
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    return all(visible_and_composed(child) for child in children)


@pytest.fixture(scope="module")
async def documents(local_stack: Stack, kit: Any) -> AsyncIterator[Any]:
    async with kit.running_documents(local_stack, "documents_intake_fuzz_test") as service:
        yield service


async def test_no_input_makes_the_intake_answer_a_server_error(
    documents: Any, kit: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    loop = asyncio.get_running_loop()
    statuses: Counter[int] = Counter()
    shapes: Counter[str] = Counter()

    def stored_form(application_id: uuid.UUID) -> Any:
        query = documents.pool.fetchval(
            "SELECT form FROM applications WHERE application_id = $1", application_id
        )
        return asyncio.run_coroutine_threadsafe(query, loop).result(timeout=30)

    def base_form(kind: str) -> dict[str, Any]:
        person = kit.applicant()
        if kind == "placement":
            form: dict[str, Any] = kit.placement_form(applicant=person)
            return form
        return kur_form(person) if kind == "kur_loan" else refund_form(person, kit.today_wib())

    def check(response: httpx.Response, expect_accepted: bool) -> None:
        statuses[response.status_code] += 1
        assert response.status_code == 202 or 400 <= response.status_code < 500, (
            response.status_code,
            response.text[:500],
        )
        answer = response.json()
        if response.status_code == 202:
            form = stored_form(uuid.UUID(answer["application_id"]))
            assert form is not None, "accepted but not stored"
            assert visible_and_composed(json.loads(form))
            return
        assert not expect_accepted, response.text[:500]
        assert answer["detail"], answer
        if response.status_code == 422:
            for error in answer["detail"]:
                assert set(error) == {"loc", "msg", "type"}, error
                assert error["loc"] and error["loc"][0] in ("body", "header"), error

    with httpx.Client(base_url=documents.url, timeout=30) as client:

        @settings(
            max_examples=CASES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=(Phase.explicit, Phase.generate, Phase.shrink),
            suppress_health_check=list(HealthCheck),
        )
        @given(data=st.data())
        def one_request(data: st.DataObject) -> None:
            headers: dict[str, Any] = {}
            # A key on about one request in four (Hypothesis leans to small draws, so the
            # rare case is the largest): keyed requests are answered 202, 409 or 422 by the
            # key alone, and most requests must reach the form's own rules.
            if data.draw(st.integers(0, 3), "with an Idempotency-Key") == 3:
                key = data.draw(header_values)
                # Keys live for a day in the database: most get this run's prefix so that a
                # rerun does not find them taken (409) by the forms of an earlier run.
                if data.draw(st.integers(0, 3), "key left without the run's nonce") != 3:
                    key = RUN_NONCE + key
                headers["Idempotency-Key"] = key
            form = base_form(
                data.draw(st.sampled_from(["placement", "kur_loan", "insurance_refund"]))
            )
            shape = data.draw(
                st.sampled_from(["valid", "mutated", "mutated", "valid", "mutated", "body"])
            )
            if shape == "body":
                body = data.draw(
                    st.binary(max_size=300)
                    | st.just(json.dumps(form).encode()[:-1] + b"\xff\xfe}")
                    | st.just(b'{"kind": ' + b"9" * 5000 + b"}")
                    | st.just(b"[" * 100_000 + b"]" * 100_000)
                )
                headers["content-type"] = data.draw(st.sampled_from(CONTENT_TYPES))
            else:
                for _ in range(data.draw(st.integers(1, 3)) if shape == "mutated" else 0):
                    shape = mutate(form, data.draw)
                encoded = json.dumps(form, allow_nan=True, ensure_ascii=data.draw(st.booleans()))
                body = encoded.encode("utf-8", "surrogatepass")
                headers["content-type"] = "application/json"
            shapes[shape] += 1
            response = client.post("/applications", content=body, headers=headers)
            check(response, expect_accepted=shape == "valid" and "Idempotency-Key" not in headers)

        await asyncio.to_thread(one_request)

    cases = sum(statuses.values())
    with capsys.disabled():
        print(
            f"\nintake fuzz: {cases} generated requests; statuses {dict(sorted(statuses.items()))};"
            f" shapes {dict(sorted(shapes.items()))}"
        )
    assert cases >= CASES
    assert not any(status >= 500 for status in statuses)
    # Not vacuous: valid forms were accepted and broken ones refused field by field.
    assert statuses[202] >= CASES // 20 and statuses[422] >= CASES // 2
