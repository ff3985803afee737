"""The regencies the dashboard lists: the nine sending regencies of the Central Java
program first, in the order of the December 2016 joint commitment, then any other. Names
come from the shared region table (`sentra_shared.regions`); codes outside Central Java
are shown as codes.
"""

from __future__ import annotations

from sentra_shared.regions import SENDING_REGENCIES, regency_name

__all__ = ["SENDING_REGENCIES", "listed_order", "regency_name"]


def listed_order(codes: set[str]) -> list[str]:
    """The nine sending regencies (always, even without applications), then the others
    that have applications, by code."""
    return [*SENDING_REGENCIES, *sorted(codes - set(SENDING_REGENCIES))]
