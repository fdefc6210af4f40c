"""The database refuses what the service would never do (the CHECKs of docs/domain.md §10),
on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from pfdo.db import db
from pfdo.ledger import services as ledger
from pfdo.ledger.models import TransferKind
from tests.ledger.conftest import NOMINAL, top_up


def refused(sql: str, **params) -> Exception:
    """Run one raw statement that must fail; roll back and return the error."""
    try:
        with pytest.raises(DBAPIError) as error:
            db.session.execute(text(sql), params)
            db.session.flush()
        return error.value
    finally:
        db.session.rollback()


def test_a_transfer_cannot_be_updated(chart):
    transfer = top_up(chart)
    error = refused("UPDATE ledger_transfer SET amount = 1 WHERE id = :id", id=transfer.id)
    assert "append-only" in str(error)
    assert db.session.get(type(transfer), transfer.id).amount == NOMINAL


def test_a_transfer_cannot_be_deleted(chart):
    transfer = top_up(chart)
    error = refused("DELETE FROM ledger_transfer WHERE id = :id", id=transfer.id)
    assert "append-only" in str(error)
    assert ledger.history(chart.certificate)[0].id == transfer.id


def test_a_certificate_account_cannot_be_made_negative_behind_the_services_back(chart):
    top_up(chart, 1_000_00)
    error = refused("UPDATE ledger_account SET debits_posted = debits_posted + 1000001 "
                    "WHERE code = 'certificate:17'")
    assert isinstance(error, IntegrityError)
    assert "within_floor" in str(error)
    assert ledger.balance(chart.certificate) == 1_000_00


def test_the_fund_cannot_be_pushed_past_its_budget_behind_the_services_back(chart):
    error = refused("UPDATE ledger_account SET debits_posted = overdraft_limit + 1 "
                    "WHERE code = 'fund:1'")
    assert isinstance(error, IntegrityError)


INSERT = ("INSERT INTO ledger_transfer (key, debit_account_id, credit_account_id, amount, kind, "
          "reason, created_at) VALUES (:key, :d, :c, :amount, :kind, 'x', CURRENT_TIMESTAMP)")


@pytest.mark.parametrize("change", [{"amount": 0}, {"amount": -5}, {"kind": "gift"},
                                    {"c": "fund"}, {"c": None}])
def test_a_malformed_transfer_row_is_refused(chart, change):
    row = {"key": "raw", "d": chart.fund.id, "c": chart.certificate.id, "amount": 100,
           "kind": "topup"}
    row.update(change)
    if row["c"] == "fund":
        row["c"] = chart.fund.id  # debit == credit
    error = refused(INSERT, **row)
    assert isinstance(error, IntegrityError)


def test_a_duplicate_key_is_refused_by_the_unique_index(chart):
    top_up(chart, key="topup:17:1")
    error = refused(INSERT, key="topup:17:1", d=chart.fund.id, c=chart.certificate.id,
                    amount=100, kind="topup")
    assert isinstance(error, IntegrityError)
    assert ledger.balance(chart.certificate) == NOMINAL


def test_a_certificate_cannot_get_an_overdraft_limit_behind_the_services_back(chart):
    error = refused("UPDATE ledger_account SET overdraft_limit = 100 "
                    "WHERE code = 'certificate:17'")
    assert isinstance(error, IntegrityError)


def test_transfer_kinds_match_the_database_check():
    from pfdo.ledger.models import Transfer

    check = next(c for c in Transfer.__table__.constraints
                 if getattr(c, "name", "") and c.name.endswith("kind_known"))
    assert all(f"'{kind}'" in str(check.sqltext) for kind in TransferKind)
