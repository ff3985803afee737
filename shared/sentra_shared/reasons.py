"""Bilingual, machine-readable reasons shared by every service's domain rules.

A decision never says just "no": it carries reason codes a machine can act on and
an explanation a person can read in Bahasa Indonesia and in English.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict


class BilingualText(BaseModel):
    """The same message in Bahasa Indonesia (`id`) and English (`en`)."""

    model_config = ConfigDict(frozen=True)

    id: str
    en: str

    def placeholders(self) -> tuple[frozenset[str], frozenset[str]]:
        """Names of the `{fields}` each language expects, to prove both agree."""
        return _fields(self.id), _fields(self.en)

    def format(self, **params: object) -> BilingualText:
        return BilingualText(id=self.id.format(**params), en=self.en.format(**params))


class Reason(BaseModel):
    """One machine-readable code with its human explanation in both languages."""

    model_config = ConfigDict(frozen=True)

    code: str
    text: BilingualText


class ReasonCatalogue:
    """The texts of one domain's reason codes; turns a code into a `Reason`."""

    def __init__(self, texts: Mapping[str, BilingualText]) -> None:
        self._texts = dict(texts)

    def reason(self, code: str, **params: object) -> Reason:
        return Reason(code=str(code), text=self._texts[code].format(**params))

    def missing(self, codes: Iterable[str]) -> list[str]:
        """Codes that lack a non-blank text in either language."""
        return [
            code
            for code in codes
            if code not in self._texts
            or not self._texts[code].id.strip()
            or not self._texts[code].en.strip()
        ]

    def mismatched_placeholders(self) -> list[str]:
        """Codes whose two languages expect different `{fields}`."""
        return [code for code, text in self._texts.items() if len(set(text.placeholders())) != 1]


def _fields(template: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)
