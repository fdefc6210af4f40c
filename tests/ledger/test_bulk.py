"""`ledger.bulk.post_from_select`, the close's set-based posting: the transfers a SELECT
gives go in with their balances in one savepoint; a key used already refuses the whole batch
(nothing posted), and so does a batch that would take an escrow below zero."""

from __future__ import annotations

import pytest
from sqlalchemy import String, literal, select

from pfdo.db import db, unit_of_work
from pfdo.ledger import bulk, checks
from pfdo.ledger import services as ledger
from pfdo.ledger.models import Transfer, TransferKind
from tests.ledger.conftest import move, top_up


def payment(chart, key: str, amount: int):
    """A one-row SELECT of a payment from the chart's escrow to its payable."""
    return select(literal(key, String), literal(chart.escrow.id), literal(chart.payable.id),
                  literal(amount), literal(str(TransferKind.PAYMENT), String),
                  literal("Оплата по договору Д-000045: «Робототехника», март 2026", String),
                  literal("invoice:12", String))


@pytest.fixture
def reserved(chart):
    top_up(chart)
    move(chart.certificate, chart.escrow, 5_000_00, TransferKind.RESERVE)
    return chart


def test_the_selected_transfers_move_the_balances(reserved):
    chart = reserved
    with unit_of_work():
        assert bulk.post_from_select(payment(chart, "pay:45:2026-03", 3_000_00),
                                     expected=1) == 1
    balances = ledger.balances([chart.escrow, chart.payable])
    assert balances[chart.escrow.id] == 2_000_00 and balances[chart.payable.id] == 3_000_00
    row = db.session.scalars(select(Transfer).where(Transfer.key == "pay:45:2026-03")).one()
    assert (row.kind, row.ref, row.amount) == (TransferKind.PAYMENT, "invoice:12", 3_000_00)
    assert checks.check_invariants() == []


def test_a_key_used_already_refuses_the_batch_and_posts_nothing(reserved):
    chart = reserved
    with unit_of_work():
        bulk.post_from_select(payment(chart, "pay:45:2026-03", 1_000_00), expected=1)
    both = payment(chart, "pay:45:2026-03", 1_000_00).union_all(
        payment(chart, "pay:45:2026-04", 1_000_00))
    with pytest.raises(ledger.IdempotencyConflict), unit_of_work():
        bulk.post_from_select(select(both.subquery()), expected=2)
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(Transfer).where(
        Transfer.key == "pay:45:2026-04")) == 0
    assert ledger.balances([chart.payable])[chart.payable.id] == 1_000_00
    assert checks.check_invariants() == []


def test_a_batch_taking_an_escrow_below_zero_is_refused(reserved):
    chart = reserved
    with pytest.raises(bulk.BatchRefused), unit_of_work():
        bulk.post_from_select(payment(chart, "pay:45:2026-03", 6_000_00), expected=1)
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(Transfer).where(
        Transfer.kind == TransferKind.PAYMENT)) == 0
    assert ledger.balances([chart.escrow])[chart.escrow.id] == 5_000_00
