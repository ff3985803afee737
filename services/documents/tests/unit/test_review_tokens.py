"""Officers' bearer tokens: what the documents service accepts, and everything it refuses."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sentra_documents.auth import (
    InvalidToken,
    JwksFile,
    KeysUnavailable,
    Officer,
    TokenVerifier,
    token_verifier,
)
from sentra_documents.config import DocumentsSettings
from sentra_local.tokens import AUDIENCE, ISSUER, OfficerKeys


@pytest.fixture
def keys(tmp_path: Path) -> OfficerKeys:
    keys = OfficerKeys(tmp_path / "idp")
    keys.ensure()
    return keys


@pytest.fixture
def verifier(keys: OfficerKeys) -> TokenVerifier:
    return TokenVerifier(JwksFile(keys.jwks_file), issuer=ISSUER, audience=AUDIENCE, leeway_s=30)


def claims(**changes: Any) -> dict[str, Any]:
    issued = int(time.time())
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "officer-ani",
        "roles": ["officer"],
        "iat": issued,
        "exp": issued + 600,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def kid_of(keys: OfficerKeys) -> str:
    return str(json.loads(keys.jwks_file.read_text())["keys"][0]["kid"])


def test_a_token_from_the_identity_provider_names_the_officer_and_roles(
    keys: OfficerKeys, verifier: TokenVerifier
) -> None:
    token = keys.issue("officer-ani", ["officer", "supervisor"], ttl_s=600)
    assert verifier.verify(token) == Officer("officer-ani", frozenset({"officer", "supervisor"}))


def test_a_token_without_roles_is_valid_but_grants_none(
    keys: OfficerKeys, verifier: TokenVerifier
) -> None:
    assert verifier.verify(keys.sign(claims(roles=None))).roles == frozenset()


@pytest.mark.parametrize(
    ("why", "changes"),
    [
        ("expired", {"exp": int(time.time()) - 3600}),
        ("another issuer", {"iss": "someone-else"}),
        ("another audience", {"aud": "sentra-credit"}),
        ("no expiry", {"exp": None}),
        ("no subject", {"sub": None}),
        ("blank subject", {"sub": "  "}),
        ("roles not a list", {"roles": "officer"}),
        ("not yet valid", {"nbf": int(time.time()) + 3600}),
    ],
)
def test_claims_that_are_refused(
    keys: OfficerKeys, verifier: TokenVerifier, why: str, changes: dict[str, Any]
) -> None:
    with pytest.raises(InvalidToken):
        verifier.verify(keys.sign(claims(**changes)))


def test_expiry_allows_a_small_clock_skew(keys: OfficerKeys, verifier: TokenVerifier) -> None:
    just_expired = keys.sign(claims(exp=int(time.time()) - 5))
    assert verifier.verify(just_expired).subject == "officer-ani"


def test_a_signature_by_another_key_under_the_trusted_key_id_is_refused(
    keys: OfficerKeys, verifier: TokenVerifier, tmp_path: Path
) -> None:
    forger = OfficerKeys(tmp_path / "forger")
    with pytest.raises(InvalidToken):
        verifier.verify(forger.sign(claims(), kid=kid_of(keys)))


def test_a_token_whose_claims_were_changed_is_refused(
    keys: OfficerKeys, verifier: TokenVerifier
) -> None:
    header, _, signature = keys.sign(claims(roles=[])).split(".")
    elevated = _b64(json.dumps(claims()).encode())
    with pytest.raises(InvalidToken):
        verifier.verify(f"{header}.{elevated}.{signature}")


def test_a_key_the_provider_never_published_is_refused(
    verifier: TokenVerifier, tmp_path: Path
) -> None:
    with pytest.raises(InvalidToken):
        verifier.verify(OfficerKeys(tmp_path / "other").issue("officer-ani", ["officer"]))


def test_unsigned_tokens_are_refused(keys: OfficerKeys, verifier: TokenVerifier) -> None:
    unsigned = jwt.encode(claims(), None, algorithm="none", headers={"kid": kid_of(keys)})
    with pytest.raises(InvalidToken):
        verifier.verify(unsigned)


def test_an_hmac_token_keyed_with_the_public_key_is_refused(
    keys: OfficerKeys, verifier: TokenVerifier
) -> None:
    # The classic confusion: the public key is no secret, so HS256 must never be accepted.
    # (PyJWT will not even sign this, so the token is put together by hand.)
    for secret in (keys.jwks_file.read_bytes(), _public_pem(keys)):
        header = {"alg": "HS256", "typ": "JWT", "kid": kid_of(keys)}
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims()).encode())}"
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        with pytest.raises(InvalidToken):
            verifier.verify(f"{signing_input}.{_b64(mac)}")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _public_pem(keys: OfficerKeys) -> bytes:
    private = serialization.load_pem_private_key(keys.private_key_file.read_bytes(), None)
    return private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_garbage_is_refused(verifier: TokenVerifier) -> None:
    for token in ("", "abc", "a.b.c", "Bearer x"):
        with pytest.raises(InvalidToken):
            verifier.verify(token)


def test_es256_keys_are_accepted(tmp_path: Path) -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{**jwk, "kid": "ec-1", "use": "sig"}]}))
    verifier = TokenVerifier(JwksFile(jwks), issuer=ISSUER, audience=AUDIENCE)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    token = jwt.encode(claims(sub="officer-budi"), pem, algorithm="ES256", headers={"kid": "ec-1"})
    assert verifier.verify(token).subject == "officer-budi"


def test_a_rotated_key_is_picked_up_from_the_file(tmp_path: Path) -> None:
    home = tmp_path / "idp"
    old = OfficerKeys(home)
    verifier = TokenVerifier(JwksFile(old.ensure()), issuer=ISSUER, audience=AUDIENCE)
    assert verifier.verify(old.issue("officer-ani", ["officer"])).subject == "officer-ani"
    old.private_key_file.unlink()
    rotated = OfficerKeys(home)  # a new key pair, a new key id, the JWKS rewritten
    assert verifier.verify(rotated.issue("officer-ani", ["officer"])).subject == "officer-ani"


def test_an_unreadable_key_file_is_an_outage_not_a_bad_token(tmp_path: Path) -> None:
    verifier = TokenVerifier(JwksFile(tmp_path / "missing.json"), issuer=ISSUER, audience=AUDIENCE)
    token = OfficerKeys(tmp_path / "idp").issue("officer-ani", ["officer"])
    with pytest.raises(KeysUnavailable):
        verifier.verify(token)


def test_without_a_key_source_there_is_no_verifier(tmp_path: Path) -> None:
    bare = DocumentsSettings(database_url="postgresql://unused", http_port=0)
    assert token_verifier(bare) is None
    with_file = DocumentsSettings(
        database_url="postgresql://unused", http_port=0, officer_jwks_file=tmp_path / "j.json"
    )
    assert token_verifier(with_file) is not None
