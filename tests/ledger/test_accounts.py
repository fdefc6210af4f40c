"""Accounts: created once per code, only the fund lends, its limit follows the budget."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pfdo.db import db, unit_of_work
from pfdo.errors import DomainError
from pfdo.ledger import services as ledger
from pfdo.ledger.models import AccountKind, LedgerAccount, TransferKind
from tests.ledger.conftest import BUDGET, move


def test_get_or_create_returns_the_same_account_for_a_code(ctx):
    with unit_of_work():
        first = ledger.get_or_create_account("certificate:17", AccountKind.CERTIFICATE)
    with unit_of_work():
        again = ledger.get_or_create_account("certificate:17", AccountKind.CERTIFICATE)
    assert again.id == first.id
    assert db.session.scalar(select(func.count()).select_from(LedgerAccount)) == 1
    assert ledger.find_account("certificate:17").id == first.id
    assert ledger.find_account("certificate:99") is None
    assert ledger.balance(first) == 0


def test_an_existing_account_keeps_its_limit_until_set_overdraft_limit(ctx):
    with unit_of_work():
        fund = ledger.get_or_create_account("fund:1", AccountKind.FUND, overdraft_limit=100)
    with unit_of_work():
        fund = ledger.get_or_create_account("fund:1", AccountKind.FUND, overdraft_limit=500)
    assert fund.overdraft_limit == 100
    with unit_of_work():
        ledger.set_overdraft_limit(fund, 500)
    assert fund.overdraft_limit == 500


@pytest.mark.parametrize(("code", "kind", "limit"), [
    ("certificate:1", AccountKind.ESCROW, 0),        # code names another kind
    ("17", AccountKind.CERTIFICATE, 0),              # no kind prefix
    ("certificate:1", AccountKind.CERTIFICATE, 100),  # only the fund lends
    ("fund:1", AccountKind.FUND, -1),
    ("fund:1", AccountKind.FUND, 1.5),
])
def test_malformed_accounts_are_refused(ctx, code, kind, limit):
    with pytest.raises(ValueError), unit_of_work():
        ledger.get_or_create_account(code, kind, overdraft_limit=limit)
    assert db.session.scalar(select(func.count()).select_from(LedgerAccount)) == 0


def test_lowering_the_budget_below_what_was_given_out_is_refused(chart):
    move(chart.fund, chart.certificate, 1_200_00, TransferKind.TOPUP)
    with pytest.raises(DomainError) as refused, unit_of_work():
        ledger.set_overdraft_limit(chart.fund, 1_199_99)
    assert str(refused.value) == ("Бюджет не может быть меньше уже выданного: "
                                  "выдано 1\xa0200,00\xa0₽")
    assert refused.value.field == "budget"
    assert chart.fund.overdraft_limit == BUDGET
    with unit_of_work():
        ledger.set_overdraft_limit(chart.fund, 1_200_00)  # exactly what was given: fine
    assert chart.fund.overdraft_limit == 1_200_00
    with pytest.raises(ledger.InsufficientFunds, match="доступно 0,00"):
        move(chart.fund, chart.certificate, 1, TransferKind.TOPUP)


def test_only_the_fund_gets_an_overdraft_limit(chart):
    with pytest.raises(ValueError), unit_of_work():
        ledger.set_overdraft_limit(chart.certificate, 100)
    with pytest.raises(ValueError), unit_of_work():
        ledger.set_overdraft_limit(chart.fund, -1)
    assert chart.certificate.overdraft_limit == 0
    assert chart.fund.overdraft_limit == BUDGET


def test_balances_by_code_reads_many_accounts_at_once(chart):
    move(chart.fund, chart.certificate, 1_200_00, TransferKind.TOPUP)
    assert ledger.balances_by_code(["certificate:17", "certificate:18", "certificate:99"]) == {
        "certificate:17": 1_200_00, "certificate:18": 0}
    assert ledger.balances_by_code([]) == {}
