"""Sealing identity numbers: AES-256-GCM tokens bound to their application and field."""

from __future__ import annotations

import base64
import uuid

import pytest
from sentra_documents.forms import ApplicationForm
from sentra_documents.sealed_forms import context, key_ids, open_form, reseal_form, seal_form
from sentra_documents.sealing import Keyring, KeyringError, Sealer, SealingError

KEY_A = base64.b64encode(b"A" * 32).decode()
KEY_B = base64.b64encode(b"B" * 32).decode()
NIK, PASSPORT, ACCOUNT, FEE_ACCOUNT = "3314015403960007", "C7654321", "0123456789", "9988776655"


def placement() -> ApplicationForm:
    return ApplicationForm.model_validate(
        {
            "kind": "placement",
            "applicant": {
                "full_name": "Siti Rahayu",
                "nik": NIK,
                "date_of_birth": "1996-03-14",
                "sex": "F",
                "phone": "+6281234567890",
            },
            "placement": {
                "destination_country": "TW",
                "job": "elderly_caregiver",
                "passport_number": PASSPORT,
                "bank_account": ACCOUNT,
                "fees": [
                    {"amount_idr": 1_000_000, "payee": "cash"},
                    {
                        "amount_idr": 2_000_000,
                        "payee": "personal_account",
                        "payee_account": FEE_ACCOUNT,
                    },
                ],
            },
        }
    )


def test_a_sealed_value_opens_in_its_context_only() -> None:
    sealer = Sealer.from_setting(f"a={KEY_A}")
    here = b"application-1/applicant.nik"
    token = sealer.seal(NIK, here)
    assert token.startswith("enc:v1:a:") and NIK not in token
    assert sealer.open(token, here) == NIK
    # A fresh nonce each time: equal numbers do not look equal at rest.
    assert sealer.seal(NIK, here) != token
    with pytest.raises(SealingError, match="moved from another application"):
        sealer.open(token, b"application-2/applicant.nik")


def test_a_tampered_value_is_refused() -> None:
    sealer = Sealer.from_setting(f"a={KEY_A}")
    token = sealer.seal(NIK, b"ctx")
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(SealingError, match="altered"):
        sealer.open(flipped, b"ctx")
    with pytest.raises(SealingError, match="altered or cut"):
        sealer.open(token[: len("enc:v1:a:") + 8], b"ctx")


def test_a_value_under_a_key_the_keyring_lacks_names_the_key_and_never_prints_one() -> None:
    token = Sealer.from_setting(f"a={KEY_A}").seal(NIK, b"ctx")
    with pytest.raises(SealingError) as refused:
        Sealer.from_setting(f"b={KEY_B}").open(token, b"ctx")
    message = str(refused.value)
    assert "'a'" in message and "SENTRA_DOCUMENTS_DATA_KEYS" in message
    assert KEY_A not in message and KEY_B not in message
    # The same id with another key: refused, not garbage.
    with pytest.raises(SealingError, match="not the one it was sealed with"):
        Sealer.from_setting(f"a={KEY_B}").open(token, b"ctx")


@pytest.mark.parametrize(
    ("setting", "complaint"),
    [
        ("", "entry 1"),
        (f"a={KEY_A},{KEY_B}", "entry 2"),
        (f"a={KEY_A},a={KEY_B}", "appears twice"),
        ("a=" + base64.b64encode(b"short").decode(), "5 bytes"),
        ("a=not*base64", "not valid base64"),
    ],
)
def test_a_bad_keyring_is_refused_without_showing_a_key(setting: str, complaint: str) -> None:
    with pytest.raises(KeyringError, match=complaint) as refused:
        Keyring.parse(setting)
    assert KEY_A not in str(refused.value) and KEY_B not in str(refused.value)
    assert KEY_A not in repr(Keyring.parse(f"a={KEY_A}"))


def test_a_sealed_form_holds_no_identity_number_and_opens_to_the_same_form() -> None:
    sealer, application_id = Sealer.from_setting(f"a={KEY_A}"), uuid.uuid4()
    form = placement()
    stored = seal_form(form, application_id, sealer)
    for number in (NIK, PASSPORT, ACCOUNT, FEE_ACCOUNT):
        assert number not in stored
    # Phone and name stay readable (docs/data-at-rest.md).
    assert "+6281234567890" in stored and "Siti Rahayu" in stored
    assert key_ids(stored) == ["a"] * 4
    assert open_form(stored, application_id, sealer) == form
    with pytest.raises(SealingError):
        open_form(stored, uuid.uuid4(), sealer)


def test_resealing_moves_every_value_to_the_current_key_once() -> None:
    old, application_id = Sealer.from_setting(f"a={KEY_A}"), uuid.uuid4()
    stored = seal_form(placement(), application_id, old)
    both = Sealer.from_setting(f"b={KEY_B},a={KEY_A}")
    resealed, changed = reseal_form(stored, application_id, both)
    assert changed == 4 and key_ids(resealed) == ["b"] * 4
    assert reseal_form(resealed, application_id, both)[1] == 0  # idempotent
    assert open_form(resealed, application_id, Sealer.from_setting(f"b={KEY_B}")) == placement()


def test_a_form_stored_before_sealing_opens_and_is_sealed_by_resealing() -> None:
    sealer, application_id = Sealer.from_setting(f"a={KEY_A}"), uuid.uuid4()
    legacy = placement().model_dump_json()
    assert open_form(legacy, application_id, sealer) == placement()
    resealed, changed = reseal_form(legacy, application_id, sealer)
    assert changed == 4 and NIK not in resealed
    assert key_ids(legacy) == [None] * 4


def test_the_context_names_row_and_field() -> None:
    application_id = uuid.uuid4()
    fee = context(application_id, ("placement", "fees", "*", "payee_account"))
    assert (
        fee
        == f"sentra-documents/applications/{application_id}/placement.fees.payee_account".encode()
    )
