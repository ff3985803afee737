"""The insurer's payout of an accepted claim: what was paid, and whether it was late."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class Payment(BaseModel):
    """A confirmed payout, as the worker receives it."""

    model_config = ConfigDict(frozen=True)

    amount_krw: int = Field(gt=0)
    amount_idr: int = Field(gt=0)
    paid_on: date
    paid_late: bool


def settle_payout(
    *,
    requested_krw: int,
    estimated_idr: int,
    payout_due: date,
    paid_krw: int | None,
    paid_idr: int | None,
    paid_on: date | None,
    answered_on: date,
    deadline_breached: bool,
) -> Payment:
    """The insurer's figures win where it gives them: they are what reached the account.
    Without them we fall back to what was requested and our rupiah estimate, and to the
    day the confirmation arrived. Late means paid after `payout_due`, or confirmed only
    after the deadline fired (the worker could not know the money had arrived)."""
    day = paid_on or answered_on
    return Payment(
        amount_krw=paid_krw or requested_krw,
        amount_idr=paid_idr or estimated_idr,
        paid_on=day,
        paid_late=day > payout_due or deadline_breached,
    )
