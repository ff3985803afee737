"""What text Sentra accepts from outside: one line of visible characters, composed (NFC).

Names and other free text travel on to agencies, bank files and printed letters. A
control character there breaks a file or a terminal; an invisible formatting character
(zero width space, right-to-left override) makes two names that look the same compare
different, or makes a name display as something else; a lone surrogate or a NUL cannot
even be stored in PostgreSQL. So each is refused where it enters, not cleaned up later.
"""

from __future__ import annotations

import unicodedata

# Unicode general categories refused in every text field: all of "Other" (Cc control,
# Cf invisible formatting, Cs surrogates, Co private use, Cn unassigned) and the line and
# paragraph separators (Zl, Zp), which would break a single-line value into two.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})

# The same rule as a regular expression, for the published schema. Written so that both
# pydantic-core (Rust `regex`) and an ECMA-262 client with the `u` flag understand it.
VISIBLE_CHARACTER = r"[^\p{C}\p{Zl}\p{Zp}]"
SINGLE_LINE_PATTERN = rf"^{VISIBLE_CHARACTER}*$"


def normalise(text: str) -> str:
    """Canonical composition (NFC): "a" + combining diaeresis becomes "ä", so the same
    name typed on two keyboards is stored, compared and sent the same way."""
    return unicodedata.normalize("NFC", text)


def refused_character(text: str) -> str | None:
    """The first refused character, described without echoing it ("U+200B (Cf)"), or
    None when every character may stay."""
    for char in text:
        category = unicodedata.category(char)
        if category in REFUSED_CATEGORIES:
            return f"U+{ord(char):04X} ({category})"
    return None
