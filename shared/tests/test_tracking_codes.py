"""The tracking code given when a case is opened: readable, unambiguous, all 50 bits used."""

from __future__ import annotations

import re

import pytest
from sentra_shared.tracking_codes import TRACKING_ALPHABET, new_tracking_code, tracking_code


def test_a_code_is_two_groups_of_five_without_ambiguous_letters() -> None:
    code = tracking_code(bytes.fromhex("0123456789abcd"))
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}", code)
    assert not set(code) & set("ILOU")


def test_different_bytes_give_different_codes_and_the_extremes_are_valid() -> None:
    assert tracking_code(bytes(7)) == "00000-00000"
    assert tracking_code(b"\xff" * 7) == "ZZZZZ-ZZZZZ"
    codes = {tracking_code(i.to_bytes(7, "big")) for i in range(0, 64 * 1000, 64)}
    assert len(codes) == 1000
    assert len(TRACKING_ALPHABET) == 32


def test_the_wrong_amount_of_randomness_is_refused() -> None:
    with pytest.raises(ValueError, match="7 random bytes"):
        tracking_code(b"short")


def test_new_codes_are_random() -> None:
    codes = {new_tracking_code() for _ in range(200)}
    assert len(codes) == 200
