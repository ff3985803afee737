"""The tracking code a person gets when they open a case (an application, a business, a
consultation): with their birth date it opens their status page. One scheme for every
intake, so that a code looks and reads the same wherever it came from."""

from __future__ import annotations

import secrets

# Crockford's base-32 alphabet: no I, L, O or U, so a code read aloud or copied by hand
# from an SMS is not mistyped.
TRACKING_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def tracking_code(random_bytes: bytes) -> str:
    """The code from 7 random bytes: ten characters (50 bits), shown as two groups of
    five."""
    if len(random_bytes) != 7:
        raise ValueError("a tracking code takes 7 random bytes")
    number = int.from_bytes(random_bytes, "big") >> 6  # 56 bits -> 50
    chars = "".join(TRACKING_ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(10)))
    return f"{chars[:5]}-{chars[5:]}"


def new_tracking_code() -> str:
    return tracking_code(secrets.token_bytes(7))
