"""Who may borrow under each product, and the regional bank's programme."""

from datetime import date
from decimal import Decimal

import pytest
from sentra_credit.domain.kur import CreditOutcome, KurApplication, SlikCollectibility, screen_kur
from sentra_credit.domain.kur_rules import (
    KUR_RULES,
    BorrowerRole,
    KurProduct,
    product_for,
    rule_in_force,
)
from sentra_credit.domain.reasons import CreditReason as R
from sentra_shared.calendar import WorkingDayCalendar

CALENDAR = WorkingDayCalendar.from_days_off(())
TODAY = date(2026, 3, 2)
W, F, RET = BorrowerRole.WORKER, BorrowerRole.FAMILY, BorrowerRole.RETURNEE


def loan(product, role, **changes):
    base = dict(
        application_id="kur-1",
        product=product,
        amount_idr=30_000_000,
        tenor_months=24,
        work_contract_months=24 if product is KurProduct.PLACEMENT else None,
        worst_slik_collectibility=SlikCollectibility.CURRENT,
        borrower_role=role,
        worker_linked=role is F,
    )
    base.update(changes)
    return KurApplication(**base)


def codes(app, on=TODAY):
    return [r.code for r in screen_kur(app, on=on, calendar=CALENDAR).reasons]


@pytest.mark.parametrize(
    ("product", "role", "eligible"),
    [
        (KurProduct.PLACEMENT, W, True),
        (KurProduct.PLACEMENT, F, False),
        (KurProduct.PLACEMENT, RET, False),
        (KurProduct.MICRO, W, False),
        (KurProduct.MICRO, F, True),
        (KurProduct.MICRO, RET, True),
        (KurProduct.REGIONAL, W, False),
        (KurProduct.REGIONAL, F, True),
        (KurProduct.REGIONAL, RET, True),
    ],
)
def test_who_may_borrow_under_each_product(product, role, eligible):
    found = codes(loan(product, role))
    assert found == ([] if eligible else [R.ROLE_NOT_ELIGIBLE])


def test_a_returnee_asking_for_the_placement_loan_is_told_who_it_is_for():
    decision = screen_kur(loan(KurProduct.PLACEMENT, RET), on=TODAY, calendar=CALENDAR)
    assert decision.outcome is CreditOutcome.REJECTED and decision.bank_decision_due is None
    [why] = decision.reasons
    assert why.code == R.ROLE_NOT_ELIGIBLE
    assert "kur_penempatan_pmi" in why.text.en and "returnee" in why.text.en
    assert "only for: worker" in why.text.en and "hanya untuk: worker" in why.text.id


def test_a_family_loan_needs_the_worker_linked():
    assert codes(loan(KurProduct.MICRO, F, worker_linked=False)) == [R.FAMILY_WORKER_NOT_LINKED]
    assert codes(loan(KurProduct.REGIONAL, F, worker_linked=False)) == [R.FAMILY_WORKER_NOT_LINKED]
    # Only a family member's loan names a worker.
    assert codes(loan(KurProduct.MICRO, RET, worker_linked=False)) == []


def test_the_role_rejection_comes_with_the_other_rules():
    found = codes(
        loan(KurProduct.PLACEMENT, F, worker_linked=False, amount_idr=150_000_000, has_npwp=True)
    )
    assert found == [R.ROLE_NOT_ELIGIBLE, R.FAMILY_WORKER_NOT_LINKED, R.AMOUNT_ABOVE_CEILING]


def test_the_regional_programme_has_its_own_terms_and_an_honest_source():
    rule = rule_in_force(KurProduct.REGIONAL, TODAY)
    assert rule is not None
    assert (rule.max_amount_idr, rule.annual_rate_percent, rule.max_tenor_months) == (
        50_000_000,
        Decimal("6"),
        36,
    )
    assert rule.borrowers == {F, RET}
    assert "Bank UMKM Jawa Timur" in rule.source and "no regulation number" in rule.source
    # Not KUR: the KUR condition on existing productive credit is not applied.
    assert not rule.excludes_commercial_productive_credit
    assert codes(loan(KurProduct.REGIONAL, RET, has_commercial_productive_credit=True)) == []
    assert codes(loan(KurProduct.MICRO, RET, has_commercial_productive_credit=True)) == [
        R.PRIOR_COMMERCIAL_PRODUCTIVE_CREDIT
    ]


def test_the_regional_ceiling_and_no_work_contract_needed():
    assert codes(loan(KurProduct.REGIONAL, RET, amount_idr=50_000_000)) == []
    assert codes(loan(KurProduct.REGIONAL, RET, amount_idr=50_000_001)) == [R.AMOUNT_ABOVE_CEILING]
    assert codes(loan(KurProduct.REGIONAL, RET, tenor_months=37)) == [R.TENOR_ABOVE_MAXIMUM]


def test_the_regional_programme_did_not_exist_before_its_row():
    assert codes(loan(KurProduct.REGIONAL, RET), on=date(2021, 12, 31)) == [R.PRODUCT_NOT_AVAILABLE]


def test_every_row_names_who_may_borrow():
    assert all(rule.borrowers for rule in KUR_RULES)
    placement_rows = [r for r in KUR_RULES if r.product is KurProduct.PLACEMENT]
    assert all(r.borrowers == {W} for r in placement_rows)


@pytest.mark.parametrize(
    ("asked", "product"),
    [
        (("placement", "kur"), KurProduct.PLACEMENT),
        (("micro", "kur"), KurProduct.MICRO),
        (("micro", "regional"), KurProduct.REGIONAL),
        (("placement", "regional"), None),
    ],
)
def test_what_the_applicant_asks_for_maps_to_one_product(asked, product):
    assert product_for(*asked) is product
