"""The agencies Sentra asks, and the names of each agency's two topics.

Kept apart from the event models so that the reason-code catalogue (`agency_reasons`),
which the answer models validate against, can name agencies without importing them.

Each agency reads only `sentra.agency.<agency>.requests.v1` and writes only
`sentra.agency.<agency>.results.v2`; the dot after the agency name keeps one agency's
ACL prefix from matching another's topics. The result topic is at v2 since answers
became stricter (a `failed` answer must give reasons from the agency's list): an old
answer would now be refused, so the old topic was retired rather than silently narrowed.
"""

from __future__ import annotations

from enum import StrEnum


class Agency(StrEnum):
    DUKCAPIL = "dukcapil"
    DISNAKER = "disnaker"
    HEALTH_FACILITY = "health_facility"
    POLRI = "polri"
    IMIGRASI = "imigrasi"
    BP3MI = "bp3mi"
    BPJS_KETENAGAKERJAAN = "bpjs_ketenagakerjaan"
    BANK = "bank"
    INSURER = "insurer"
    # Productive empowerment and consultations (the organisers also include Disnaker and
    # the bank, on their existing topics).
    TRADE_OFFICE = "trade_office"
    PLACEMENT_DESK = "placement_desk"
    CREDIT_DESK = "credit_desk"
    REFUND_DESK = "refund_desk"
    PRODUCT_DESK = "product_desk"


REQUESTS_VERSION = 1
RESULTS_VERSION = 2


def requests_topic(agency: Agency) -> str:
    return f"sentra.agency.{agency.value}.requests.v{REQUESTS_VERSION}"


def results_topic(agency: Agency) -> str:
    return f"sentra.agency.{agency.value}.results.v{RESULTS_VERSION}"
