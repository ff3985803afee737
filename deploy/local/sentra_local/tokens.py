"""Development tokens for officers: the local runner plays the identity provider.

It keeps an RSA key pair under the state directory (`officer-keys/`), publishes the
public half as a JWKS file that the documents service is pointed at, and signs tokens
with the private half (`sentra-local token --officer NAME`). A real deployment points
documents at its identity provider's issuer, audience and JWKS URL instead.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from sentra_local.paths import state_dir

ISSUER = "sentra-local"
AUDIENCE = "sentra-documents"
ALGORITHM = "RS256"


class OfficerKeys:
    """An RSA signing key in `home` (created on first use) and its public JWKS file."""

    def __init__(self, home: Path) -> None:
        self.home = home

    @property
    def private_key_file(self) -> Path:
        return self.home / "officer-signing-key.pem"

    @property
    def jwks_file(self) -> Path:
        return self.home / "jwks.json"

    def ensure(self) -> Path:
        """Create the key pair if missing, (re)write the JWKS; return the JWKS file."""
        key = self._private_key()
        jwks = {"keys": [public_jwk(key.public_key())]}
        _write_atomically(self.jwks_file, json.dumps(jwks, indent=2).encode(), mode=0o644)
        return self.jwks_file

    def sign(self, claims: dict[str, Any], *, kid: str | None = None) -> str:
        """Sign any claims (tests use this for deliberately bad tokens)."""
        key = self._private_key()
        self.ensure()
        header = {"kid": kid or key_id(key.public_key())}
        return jwt.encode(claims, key, algorithm=ALGORITHM, headers=header)

    def issue(
        self,
        subject: str,
        roles: list[str],
        ttl_s: int = 3600,
        *,
        issuer: str = ISSUER,
        audience: str = AUDIENCE,
    ) -> str:
        issued = int(time.time())
        claims = {
            "iss": issuer,
            "aud": audience,
            "sub": subject,
            "roles": list(roles),
            "iat": issued,
            "nbf": issued,
            "exp": issued + ttl_s,
            "jti": str(uuid.uuid4()),
        }
        return self.sign(claims)

    def _private_key(self) -> rsa.RSAPrivateKey:
        if not self.private_key_file.exists():
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            # Two processes may start at once: the first key written wins, the other
            # process reads it instead of replacing it.
            _write_atomically(self.private_key_file, pem, mode=0o600, replace=False)
        loaded = serialization.load_pem_private_key(self.private_key_file.read_bytes(), None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise ValueError(f"{self.private_key_file} is not an RSA private key")
        return loaded


def public_jwk(public: rsa.RSAPublicKey) -> dict[str, Any]:
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(public, as_dict=True)
    return {**jwk, "kid": key_id(public), "use": "sig", "alg": ALGORITHM}


def key_id(public: rsa.RSAPublicKey) -> str:
    """The RFC 7638 thumbprint: a new key pair gets a new id by itself."""
    jwk = RSAAlgorithm.to_jwk(public, as_dict=True)
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _write_atomically(path: Path, data: bytes, *, mode: int, replace: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        if replace:
            os.replace(temporary, path)
        else:
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def development_keys() -> OfficerKeys:
    return OfficerKeys(state_dir() / "officer-keys")


def issue_token(subject: str, roles: list[str], ttl_s: int = 3600) -> str:
    """A token for the local documents service, signed with the development key
    (created if missing)."""
    return development_keys().issue(subject, roles, ttl_s)


def development_data_keys() -> str:
    """The keyring that seals identity numbers in the local documents database
    (`SENTRA_DOCUMENTS_DATA_KEYS`): one random key, created on first use and kept under the
    state directory so that every later run opens what earlier runs stored."""
    path = state_dir() / "documents-data-keys"
    if not path.exists():
        key = base64.b64encode(os.urandom(32)).decode()
        # Two processes may start at once: the first keyring written wins.
        _write_atomically(path, f"local1={key}\n".encode(), mode=0o600, replace=False)
    return path.read_text().strip()
