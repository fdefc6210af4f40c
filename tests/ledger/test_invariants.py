"""check_invariants() and `flask ledger-check`: a healthy ledger passes, a breach made behind
the API's back is named and fails the command."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from pfdo.db import db
from pfdo.ledger import services as ledger
from pfdo.ledger.models import TransferKind
from tests.conftest import ON_PG
from tests.ledger.conftest import NOMINAL, move, top_up


def run_check(app):
    return app.test_cli_runner().invoke(args=["ledger-check"])


def healthy(chart):
    top_up(chart)
    move(chart.certificate, chart.escrow, 9_000_00, TransferKind.RESERVE)
    move(chart.escrow, chart.payable, 3_000_00, TransferKind.PAYMENT)


def test_a_healthy_ledger_passes_and_the_command_exits_0(app, chart):
    healthy(chart)
    assert ledger.check_invariants() == []
    result = run_check(app)
    assert result.exit_code == 0, result.output + result.stderr
    assert result.stdout.strip() == "Ledger OK: 5 accounts, 3 transfers, total 29\xa0456,00\xa0₽"


def test_an_empty_ledger_is_healthy(app, ctx):
    result = run_check(app)
    assert result.exit_code == 0
    assert result.stdout.startswith("Ledger OK: 0 accounts, 0 transfers, total 0,00")


def raw(sql: str) -> None:
    """A write behind the API's back (what a careless script or a bad migration might do)."""
    db.session.execute(text(sql))
    db.session.commit()


def test_money_conjured_into_an_account_is_reported(app, chart):
    healthy(chart)
    raw("UPDATE ledger_account SET credits_posted = credits_posted + 500 "
        "WHERE code = 'certificate:17'")
    breaches = ledger.check_invariants()
    assert "the sum of all balances is 500 kopecks, not 0" in breaches
    assert any(b.startswith("account certificate:17 posts debits 900000 / credits 1746100 "
                            "but its transfers sum to debits 900000 / credits 1745600")
               for b in breaches)
    assert any("differ" in b for b in breaches)
    result = run_check(app)
    assert result.exit_code == 1
    assert "certificate:17" in result.stderr
    assert "Ledger OK" not in result.stdout


def test_a_balanced_but_unexplained_change_is_reported(app, chart):
    """Both sides moved by hand: the sum stays zero, but no transfer explains it."""
    healthy(chart)
    raw("UPDATE ledger_account SET debits_posted = debits_posted + 100 WHERE code = 'escrow:45'")
    raw("UPDATE ledger_account SET credits_posted = credits_posted + 100 "
        "WHERE code = 'payable:7'")
    breaches = ledger.check_invariants()
    assert len([b for b in breaches if "but its transfers sum" in b]) == 2
    assert not any("sum of all balances" in b for b in breaches)
    assert run_check(app).exit_code == 1


@pytest.mark.skipif(ON_PG, reason="PostgreSQL cannot drop a CHECK this way; SQLite can ignore it")
def test_an_account_below_its_floor_is_reported_even_without_the_check_constraint(app, chart):
    top_up(chart, 100)
    db.session.execute(text("PRAGMA ignore_check_constraints = ON"))
    try:
        raw("UPDATE ledger_account SET debits_posted = 200, credits_posted = 100 "
            "WHERE code = 'certificate:17'")
    finally:
        db.session.execute(text("PRAGMA ignore_check_constraints = OFF"))
        db.session.commit()
    assert any("certificate:17 has balance -100 below its floor 0" in b
               for b in ledger.check_invariants())


def test_registered_checks_run_with_the_built_in_ones(app, chart):
    top_up(chart)

    def closed_escrow_is_zero():
        escrow = ledger.find_account("escrow:45")
        return [] if ledger.balance(escrow) == 0 else ["escrow:45 is closed but not empty"]

    ledger.register_check(closed_escrow_is_zero)
    ledger.register_check(closed_escrow_is_zero)  # twice: still one check
    try:
        assert ledger.check_invariants() == []
        move(chart.certificate, chart.escrow, 100_00, TransferKind.RESERVE)
        assert ledger.check_invariants() == ["escrow:45 is closed but not empty"]
        result = run_check(app)
        assert result.exit_code == 1
        assert "escrow:45 is closed but not empty" in result.stderr
    finally:
        ledger.unregister_check(closed_escrow_is_zero)
    assert ledger.check_invariants() == []
    assert ledger.balance(chart.certificate) == NOMINAL - 100_00
