"""Escrows as two-phase transfers: the ledger refuses an escrow that trades with a stranger,
`pfdo.ledger.escrow` refuses paying or releasing more than was reserved, and ledger-check
names every breach of those rules made behind the API's back. Also ref, balances() and the
per-certificate escrow totals."""

from __future__ import annotations

import pytest
from sqlalchemy import event, insert

from pfdo import clock
from pfdo.db import db, unit_of_work
from pfdo.errors import DomainError
from pfdo.ledger import escrow
from pfdo.ledger import services as ledger
from pfdo.ledger.models import AccountKind, Transfer, TransferKind
from tests.ledger.conftest import NOMINAL, move, top_up


def reserved(chart, amount=9_000_00, **kwargs):
    top_up(chart)
    return move(chart.certificate, chart.escrow, amount, TransferKind.RESERVE, **kwargs)


def booked_behind_the_api(key, debit, credit, amount, kind, ref=None):
    """A transfer row inserted directly, as a careless script might (the accounts' posted
    columns are left alone, so the drift check fires too)."""
    db.session.execute(insert(Transfer).values(
        key=key, debit_account_id=debit.id, credit_account_id=credit.id, amount=amount,
        kind=kind, reason="Вручную", ref=ref, created_at=clock.now()))
    db.session.commit()


def check(app):
    return app.test_cli_runner().invoke(args=["ledger-check"])


# --- ref ---------------------------------------------------------------------------------------

def test_a_transfer_keeps_its_ref_and_a_replay_does_not_change_it(chart):
    first = move(chart.fund, chart.certificate, 100, TransferKind.TOPUP, key="topup:17:1",
                 ref="certificate:17")
    again = move(chart.fund, chart.certificate, 100, TransferKind.TOPUP, key="topup:17:1",
                 ref="certificate:99")
    assert again.id == first.id
    assert db.session.get(Transfer, first.id).ref == "certificate:17"


@pytest.mark.parametrize("ref", ["", "contract", "contract:", "Contract:1", "contract:4 5",
                                 "contract:45;drop", "contract:" + "9" * 60])
def test_a_ref_not_shaped_kind_colon_id_is_refused(chart, ref):
    with pytest.raises(ValueError, match="ref"):
        move(chart.fund, chart.certificate, 100, TransferKind.TOPUP, ref=ref)


# --- balances and escrow totals --------------------------------------------------------------

def test_balances_of_many_accounts_come_from_the_transfers_in_one_query(app, chart):
    reserved(chart)
    move(chart.escrow, chart.payable, 3_000_00, TransferKind.PAYMENT)
    accounts = [chart.fund, chart.certificate, chart.other_certificate, chart.escrow,
                chart.payable]
    assert all(a.id for a in accounts)  # loaded before counting
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        found = ledger.balances(accounts)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert [s for s in statements if s.lstrip().upper().startswith("SELECT")] == statements[-1:]
    assert len(statements) <= 2  # the SELECT, and BEGIN if the session had ended
    assert found == {chart.fund.id: -NOMINAL, chart.certificate.id: NOMINAL - 9_000_00,
                     chart.other_certificate.id: 0, chart.escrow.id: 6_000_00,
                     chart.payable.id: 3_000_00}
    assert ledger.balances([]) == {}


def test_escrow_totals_are_held_and_paid_per_certificate(chart):
    reserved(chart)
    move(chart.escrow, chart.payable, 3_000_00, TransferKind.PAYMENT)
    move(chart.escrow, chart.certificate, 1_000_00, TransferKind.RELEASE)
    with unit_of_work():
        second = ledger.get_or_create_account("escrow:46", AccountKind.ESCROW)
    move(chart.certificate, second, 2_000_00, TransferKind.RESERVE)
    totals = escrow.totals_by_owner([chart.certificate, chart.other_certificate])
    assert totals == {chart.certificate.id: escrow.EscrowTotals(held=7_000_00, paid=3_000_00)}
    assert escrow.owner(second).id == chart.certificate.id
    assert escrow.totals_by_owner([]) == {}


def test_a_correction_back_from_the_payable_undoes_a_payment_in_the_paid_total(chart):
    reserved(chart)
    move(chart.escrow, chart.payable, 3_000_00, TransferKind.PAYMENT)
    move(chart.escrow, chart.payable, 2_000_00, TransferKind.PAYMENT)
    # the second month is corrected: back into the escrow, then released to the certificate
    move(chart.payable, chart.escrow, 2_000_00, TransferKind.CORRECTION)
    move(chart.escrow, chart.certificate, 2_000_00, TransferKind.RELEASE)
    # a correction between the escrow and its certificate is not a payment either way
    move(chart.escrow, chart.certificate, 100, TransferKind.CORRECTION)
    totals = escrow.totals_by_owner([chart.certificate])
    assert totals == {chart.certificate.id: escrow.EscrowTotals(held=3_999_00, paid=3_000_00)}


# --- the service refuses --------------------------------------------------------------------

def test_an_escrow_trades_only_with_its_certificate_and_payables(chart):
    reserved(chart)
    move(chart.fund, chart.other_certificate, 1_000_00, TransferKind.TOPUP)
    refused = [
        (chart.other_certificate, chart.escrow, TransferKind.RESERVE),
        (chart.escrow, chart.other_certificate, TransferKind.RELEASE),
        (chart.fund, chart.escrow, TransferKind.CORRECTION),
        (chart.escrow, chart.fund, TransferKind.CORRECTION),
        (chart.other_certificate, chart.escrow, TransferKind.CORRECTION),
    ]
    for debit, credit, kind in refused:
        with pytest.raises(ValueError, match="escrow:45"):
            move(debit, credit, 100, kind)
    # A correction with its own certificate or a payable is fine (it reverses a phase).
    move(chart.escrow, chart.certificate, 100, TransferKind.CORRECTION)
    move(chart.escrow, chart.payable, 100, TransferKind.CORRECTION)
    assert ledger.check_invariants() == []


def test_nothing_but_a_reserve_may_start_an_escrow(chart):
    top_up(chart)
    with pytest.raises(ValueError, match="nothing was reserved"):
        move(chart.certificate, chart.escrow, 100, TransferKind.CORRECTION)
    with pytest.raises(ValueError, match="nothing was reserved"), unit_of_work():
        escrow.release(chart.escrow, key="release:45", reason="Возврат")


def test_paying_or_releasing_more_than_is_reserved_is_refused_in_the_contracts_words(chart):
    reserved(chart, 3_000_00)
    with unit_of_work():
        escrow.pay(chart.escrow, chart.payable, 1_000_00, key="pay:45:1", reason="Оплата",
                   ref="contract:45")
    for attempt in (
        lambda: escrow.pay(chart.escrow, chart.payable, 2_000_01, key="pay:45:2",
                           reason="Оплата"),
        lambda: escrow.release(chart.escrow, 2_000_01, key="release:45", reason="Возврат"),
    ):
        with pytest.raises(escrow.EscrowShortfall) as refused, unit_of_work():
            attempt()
        assert isinstance(refused.value, DomainError)
        assert str(refused.value) == ("По договору зарезервировано 2\xa0000,00\xa0₽: оплатить "
                                      "или вернуть 2\xa0000,01\xa0₽ нельзя")
    with unit_of_work():
        rest = escrow.release(chart.escrow, key="release:45", reason="Договор закрыт")
    assert rest.amount == 2_000_00 and ledger.balance(chart.escrow) == 0
    with unit_of_work():
        assert escrow.release(chart.escrow, key="release:45:again", reason="Пусто") is None
    assert ledger.balance(chart.certificate) == NOMINAL - 1_000_00
    assert ledger.check_invariants() == []


# --- ledger-check names a breach made behind the API's back ------------------------------

def test_paying_more_than_was_reserved_is_reported(app, chart):
    reserved(chart)
    move(chart.escrow, chart.payable, 3_000_00, TransferKind.PAYMENT)
    booked_behind_the_api("pay:45:extra", chart.escrow, chart.payable, 7_000_00,
                          TransferKind.PAYMENT)
    assert ("escrow escrow:45 paid 1000000 and released 0 kopecks, more than the 900000 "
            "reserved into it") in ledger.check_invariants()
    result = check(app)
    assert result.exit_code == 1
    assert "more than the 900000 reserved" in result.stderr


def test_an_escrow_shared_by_two_certificates_or_fed_by_a_fund_is_reported(app, chart):
    reserved(chart)
    booked_behind_the_api("reserve:18", chart.other_certificate, chart.escrow, 100,
                          TransferKind.RESERVE)
    booked_behind_the_api("fix:1", chart.fund, chart.escrow, 100, TransferKind.CORRECTION)
    breaches = ledger.check_invariants()
    assert "escrow escrow:45 trades with 2 certificates, not one" in breaches
    assert ("escrow escrow:45 trades with 1 account(s) that are neither its certificate nor "
            "a payable") in breaches
    assert check(app).exit_code == 1


def test_one_escrow_per_contract_is_reported_both_ways(app, chart):
    reserved(chart, ref="contract:45")
    with unit_of_work():
        second = ledger.get_or_create_account("escrow:46", AccountKind.ESCROW)
    move(chart.certificate, second, 100, TransferKind.RESERVE, ref="contract:46")
    assert ledger.check_invariants() == []
    # A payment may name its invoice: that is not a second contract.
    move(chart.escrow, chart.payable, 100, TransferKind.PAYMENT, ref="invoice:12")
    assert ledger.check_invariants() == []
    booked_behind_the_api("reserve:46:into-45", chart.certificate, chart.escrow, 100,
                          TransferKind.RESERVE, ref="contract:46")
    breaches = ledger.check_invariants()
    assert "escrow escrow:45 names 2 contracts: an escrow is for one" in breaches
    assert "contract:46 has 2 escrows: one contract has one" in breaches
    assert "contract:46 has 2 escrows" in check(app).stderr
