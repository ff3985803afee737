"""Identifiers that, shared across many applicants, point at a recruiting ring.

They are compared by keyed hash, never in plaintext: each value is normalised (so that
0812..., +62 812... and 62812... are one phone), then hashed with HMAC-SHA256 under a
deployment secret. The database holds the hash and a masked form for the officer's
screen; the number itself stays only in the applicant's own file.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum


class IdentifierKind(StrEnum):
    NIK = "nik"
    PASSPORT = "passport"
    PHONE = "phone"
    BANK_ACCOUNT = "bank_account"
    # The account a fee was paid into, when it is a person's: a broker collecting from
    # many workers shows up here. Company accounts are not matched (many workers of one
    # licensed company pay into the same account, legitimately).
    FEE_PAYEE = "fee_payee"


@dataclass(frozen=True)
class Identifier:
    kind: IdentifierKind
    key: str  # normalised; never stored or logged
    masked: str  # what an officer may see

    def key_hash(self, secret: bytes) -> bytes:
        # The kind is part of the message: equal digits as phone and as account differ.
        message = f"{self.kind.value}:{self.key}".encode()
        return hmac.new(secret, message, hashlib.sha256).digest()


def digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def passport_key(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())


def phone_key(value: str) -> str:
    number = digits(value)
    # 0812..., 62812... and +62 812... are the same Indonesian number.
    if number.startswith("0"):
        return "62" + number[1:]
    return number


def mask(value: str, *, keep_start: int = 3, keep_end: int = 2) -> str:
    """`C1234567` -> `C12***67`: enough for an officer to tell two numbers apart, not
    enough to use one."""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + "*" * hidden + value[-keep_end:]


def mask_phone(key: str) -> str:
    return "+" + mask(key, keep_start=5, keep_end=2)


def applicant_identifiers(
    *,
    nik: str,
    phone: str | None,
    passport_number: str | None,
    bank_account: str | None,
    personal_payee_accounts: Iterable[str] = (),
) -> tuple[Identifier, ...]:
    """Every identifier of one placement application, normalised and masked; empty values
    (nothing left after normalising) are not identifiers."""
    found: list[tuple[IdentifierKind, str | None, Callable[[str], str], Callable[[str], str]]] = [
        (IdentifierKind.NIK, nik, digits, mask),
        (IdentifierKind.PASSPORT, passport_number, passport_key, mask),
        (IdentifierKind.PHONE, phone, phone_key, mask_phone),
        (IdentifierKind.BANK_ACCOUNT, bank_account, digits, mask),
    ]
    found += [
        (IdentifierKind.FEE_PAYEE, account, digits, mask) for account in personal_payee_accounts
    ]
    identifiers: dict[tuple[IdentifierKind, str], Identifier] = {}
    for kind, raw, normalise, masked in found:
        key = normalise(raw or "")
        if key:
            identifiers[(kind, key)] = Identifier(kind, key, masked(key))
    return tuple(identifiers.values())
