"""Identity numbers sealed at rest: AES-256-GCM under a key from a configured keyring.

A sealed value is the text `enc:v1:<key id>:<base64url(nonce || ciphertext)>`: a fresh
96-bit nonce per value, and the caller's context (the application id and the field) as
associated data, so a value copied into another application's row, or into another field,
no longer opens. The key id says which key of the keyring opens it, so keys can rotate:
the first key of `SENTRA_DOCUMENTS_DATA_KEYS` seals, the others only open (see
docs/data-at-rest.md and `python -m sentra_documents.rekey`).

No message of this module ever contains key material or a plaintext value.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import secrets
from collections.abc import Mapping
from types import MappingProxyType

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

log = logging.getLogger(__name__)

SETTING = "SENTRA_DOCUMENTS_DATA_KEYS"
PREFIX = "enc:v1:"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96 bits, the size GCM is specified for
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")

# DEVELOPMENT ONLY. Anyone who knows this key reads every identity number stored under it:
# every deployment sets SENTRA_DOCUMENTS_DATA_KEYS to keys of its own (`make up` generates
# one under .sentra/). A fixed, recognisable value, so that its use is noticed and warned of.
DEVELOPMENT_DATA_KEYS = "dev=" + base64.b64encode(b"sentra-development-only-data-key").decode()


class SealingError(Exception):
    """A value cannot be sealed or opened; the message says why, never with key material."""


class KeyringError(SealingError):
    """`SENTRA_DOCUMENTS_DATA_KEYS` is not a usable keyring."""


class Keyring:
    """Named AES-256 keys; the first one seals, every one opens."""

    def __init__(self, keys: Mapping[str, bytes], current: str) -> None:
        if current not in keys:
            raise KeyringError(f"{SETTING}: the current key {current!r} is not in the keyring")
        self.current = current
        self._ciphers = MappingProxyType({kid: AESGCM(key) for kid, key in keys.items()})

    @classmethod
    def parse(cls, text: str) -> Keyring:
        """`id=base64key,id=base64key,...`: the first is the current key."""
        keys: dict[str, bytes] = {}
        for position, entry in enumerate(text.split(","), start=1):
            kid, separator, encoded = entry.strip().partition("=")
            kid = kid.strip()
            if not separator or not _KEY_ID.fullmatch(kid):
                raise KeyringError(
                    f"{SETTING}: entry {position} is not `id=base64key` with an id of 1-32 "
                    "letters, digits, '-' or '_'"
                )
            if kid in keys:
                raise KeyringError(f"{SETTING}: key id {kid!r} appears twice")
            keys[kid] = _decode_key(kid, encoded.strip())
        return cls(keys, next(iter(keys)))

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._ciphers)

    def cipher(self, kid: str) -> AESGCM:
        try:
            return self._ciphers[kid]
        except KeyError:
            raise SealingError(
                f"a stored value is sealed under key {kid!r}, which {SETTING} does not hold "
                f"(it holds {', '.join(self.key_ids)}): add that key back to the keyring"
            ) from None

    def __repr__(self) -> str:  # never the keys themselves
        return f"Keyring(current={self.current!r}, ids={self.key_ids!r})"


def _decode_key(kid: str, encoded: str) -> bytes:
    try:
        # Standard or URL-safe alphabet, padding optional.
        key = base64.b64decode(
            encoded.replace("-", "+").replace("_", "/") + "=" * (-len(encoded) % 4),
            validate=True,
        )
    except (binascii.Error, ValueError):
        raise KeyringError(f"{SETTING}: key {kid!r} is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise KeyringError(
            f"{SETTING}: key {kid!r} is {len(key)} bytes; AES-256 needs {KEY_BYTES} "
            "(generate one with: python -m sentra_documents.rekey new-key)"
        )
    return key


def new_key() -> str:
    """A fresh random key, base64, for a keyring entry."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


class Sealer:
    """Seals and opens single values under a keyring."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    @classmethod
    def from_setting(cls, text: str) -> Sealer:
        if text == DEVELOPMENT_DATA_KEYS:
            log.warning("documents: development data key in use; set %s", SETTING)
        return cls(Keyring.parse(text))

    def seal(self, value: str, context: bytes) -> str:
        kid = self.keyring.current
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self.keyring.cipher(kid).encrypt(nonce, value.encode(), context)
        body = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode()
        return f"{PREFIX}{kid}:{body}"

    def open(self, token: str, context: bytes) -> str:
        kid, body = _parts(token)
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            raise SealingError("a sealed value is not valid base64: it was altered") from None
        if len(raw) <= NONCE_BYTES:
            raise SealingError("a sealed value is too short: it was altered or cut")
        try:
            plain = self.keyring.cipher(kid).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context)
        except InvalidTag:
            raise SealingError(
                f"a value sealed under key {kid!r} does not open: it was altered, moved from "
                "another application or field, or the key under that id is not the one it "
                "was sealed with"
            ) from None
        return plain.decode()

    def needs_resealing(self, stored: str) -> bool:
        """True for a plaintext value or one sealed under a key other than the current."""
        return key_id(stored) != self.keyring.current


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def key_id(stored: str) -> str | None:
    """The key a stored value is sealed under; None for a plaintext value."""
    return _parts(stored)[0] if is_sealed(stored) else None


def _parts(token: str) -> tuple[str, str]:
    if not is_sealed(token):
        raise SealingError(f"not a sealed value (no {PREFIX!r} prefix)")
    kid, separator, body = token[len(PREFIX) :].partition(":")
    if not separator or not _KEY_ID.fullmatch(kid) or not body:
        raise SealingError("a sealed value is malformed: it was altered or cut")
    return kid, body
