"""transfer(): money moves only in whole kopecks, within each account's floor, once per key."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pfdo.db import db, unit_of_work
from pfdo.ledger import services as ledger
from pfdo.ledger.models import AccountKind, Transfer, TransferKind
from tests.ledger.conftest import BUDGET, NOMINAL, move, top_up
from tests.queries import count_queries


def transfers() -> int:
    return db.session.scalar(select(func.count()).select_from(Transfer))


def balances(chart) -> dict[str, int]:
    return {a.code: ledger.balance(a) for a in (chart.fund, chart.certificate,
                                                 chart.other_certificate, chart.escrow,
                                                 chart.payable)}


def test_top_up_credits_the_certificate_and_debits_the_fund(chart, make):
    coordinator = make.user(role="coordinator")
    transfer = top_up(chart, actor=coordinator)
    assert ledger.balance(chart.certificate) == NOMINAL
    assert ledger.balance(chart.fund) == -NOMINAL
    assert ledger.available(chart.fund) == BUDGET - NOMINAL
    row = db.session.get(Transfer, transfer.id)
    assert (row.amount, row.kind, row.actor_id) == (NOMINAL, "topup", coordinator.id)
    assert row.reason == "Пополнение сертификата на 2026 год"
    assert row.debit_account.code == "fund:1" and row.credit_account.code == "certificate:17"
    assert chart.certificate.credits_posted == NOMINAL  # the object is not left stale
    assert ledger.check_invariants() == []


def test_money_flows_through_reserve_payment_release_and_return(chart):
    top_up(chart)
    move(chart.certificate, chart.escrow, 9_000_00, TransferKind.RESERVE)
    move(chart.escrow, chart.payable, 3_000_00, TransferKind.PAYMENT)
    move(chart.escrow, chart.certificate, 6_000_00, TransferKind.RELEASE)
    move(chart.certificate, chart.fund, NOMINAL - 3_000_00, TransferKind.RETURN)
    assert balances(chart) == {"fund:1": -3_000_00, "certificate:17": 0, "certificate:18": 0,
                               "escrow:45": 0, "payable:7": 3_000_00}
    assert ledger.check_invariants() == []


def test_overdraft_is_refused_and_changes_nothing(chart):
    top_up(chart, 1_200_00)
    before = balances(chart)
    with pytest.raises(ledger.InsufficientFunds) as refused:
        move(chart.certificate, chart.escrow, 1_200_01, TransferKind.RESERVE, key="reserve:1")
    assert str(refused.value) == "Недостаточно средств: доступно 1\xa0200,00\xa0₽"
    assert (refused.value.available, refused.value.amount) == (1_200_00, 1_200_01)
    assert balances(chart) == before
    assert transfers() == 1
    # The key was not used up by the refusal: the right amount goes through under it.
    move(chart.certificate, chart.escrow, 1_200_00, TransferKind.RESERVE, key="reserve:1")
    assert ledger.balance(chart.certificate) == 0


def test_a_caught_refusal_leaves_no_trace_in_the_callers_transaction(chart):
    top_up(chart, 100_00)
    with unit_of_work():
        with pytest.raises(ledger.InsufficientFunds):
            ledger.transfer(key="reserve:big", debit=chart.certificate, credit=chart.escrow,
                            amount=500_00, kind=TransferKind.RESERVE, reason="Резерв")
        ledger.transfer(key="reserve:small", debit=chart.certificate, credit=chart.escrow,
                        amount=60_00, kind=TransferKind.RESERVE, reason="Резерв")
    assert ledger.balance(chart.certificate) == 40_00
    assert db.session.scalar(select(Transfer.key).where(Transfer.key == "reserve:big")) is None
    assert ledger.check_invariants() == []


def test_the_fund_may_go_down_to_its_budget_but_not_below(chart):
    move(chart.fund, chart.certificate, BUDGET - 100, TransferKind.TOPUP)
    move(chart.fund, chart.other_certificate, 100, TransferKind.TOPUP)
    assert ledger.balance(chart.fund) == -BUDGET
    with pytest.raises(ledger.InsufficientFunds, match="доступно 0,00"):
        move(chart.fund, chart.other_certificate, 1, TransferKind.TOPUP)
    assert ledger.balance(chart.fund) == -BUDGET
    assert ledger.check_invariants() == []


def test_an_identical_replay_returns_the_first_transfer_and_moves_nothing(chart):
    first = top_up(chart, key="topup:17:1")
    again = top_up(chart, key="topup:17:1", reason="Повтор другим текстом")
    assert again.id == first.id
    assert again.reason == "Пополнение сертификата на 2026 год"
    assert ledger.balance(chart.certificate) == NOMINAL
    assert transfers() == 1


def test_a_replay_inside_the_same_transaction_moves_nothing(chart):
    with unit_of_work():
        args = dict(key="topup:17:1", debit=chart.fund, credit=chart.certificate,
                    amount=NOMINAL, kind=TransferKind.TOPUP, reason="Пополнение")
        first = ledger.transfer(**args)
        assert ledger.transfer(**args) is first
    assert ledger.balance(chart.certificate) == NOMINAL


@pytest.mark.parametrize("change", [
    {"amount": NOMINAL + 1},
    {"credit": "other_certificate"},
    {"kind": TransferKind.CORRECTION},
])
def test_a_key_reused_for_another_movement_is_a_conflict(chart, change):
    top_up(chart, key="topup:17:1")
    args = dict(debit=chart.fund, credit=chart.certificate, amount=NOMINAL,
                kind=TransferKind.TOPUP)
    args.update({k: getattr(chart, v) if k == "credit" else v for k, v in change.items()})
    with pytest.raises(ledger.IdempotencyConflict) as conflict:
        move(key="topup:17:1", **args)
    assert "уже проведена с другими параметрами" in str(conflict.value)
    assert ledger.balance(chart.certificate) == NOMINAL
    assert ledger.balance(chart.other_certificate) == 0
    assert transfers() == 1


@pytest.mark.parametrize("amount", [0, -100, 100.0, 1.5, True, "100", None])
def test_only_a_positive_int_of_kopecks_is_money(chart, amount):
    top_up(chart)
    with pytest.raises(ValueError):
        move(chart.certificate, chart.escrow, amount, TransferKind.RESERVE)
    assert transfers() == 1
    assert ledger.balance(chart.certificate) == NOMINAL


def test_an_account_cannot_pay_itself(chart):
    with pytest.raises(ValueError, match="different accounts"):
        move(chart.fund, chart.fund, 100, TransferKind.CORRECTION)
    assert transfers() == 0


@pytest.mark.parametrize(("debit", "credit", "kind"), [
    ("certificate", "fund", TransferKind.TOPUP),
    ("fund", "escrow", TransferKind.TOPUP),
    ("escrow", "certificate", TransferKind.RESERVE),
    ("certificate", "payable", TransferKind.PAYMENT),
    ("payable", "certificate", TransferKind.RELEASE),
    ("fund", "certificate", TransferKind.RETURN),
])
def test_a_kind_moves_money_only_its_own_way(chart, debit, credit, kind):
    top_up(chart)
    with pytest.raises(ValueError, match="goes"):
        move(getattr(chart, debit), getattr(chart, credit), 100, kind)
    assert transfers() == 1


def test_a_correction_may_reverse_any_transfer(chart):
    top_up(chart)
    move(chart.certificate, chart.fund, NOMINAL, TransferKind.CORRECTION,
         reason="Исправление: ошибочное пополнение")
    assert ledger.balance(chart.certificate) == 0 and ledger.balance(chart.fund) == 0
    assert transfers() == 2


@pytest.mark.parametrize(("key", "reason"), [("", "Причина"), ("k" * 121, "Причина"),
                                             ("key", ""), ("key", "   "), ("key", "я" * 301)])
def test_key_and_reason_are_required_and_bounded(chart, key, reason):
    with pytest.raises(ValueError), unit_of_work():
        ledger.transfer(key=key, debit=chart.fund, credit=chart.certificate, amount=100,
                        kind=TransferKind.TOPUP, reason=reason)
    assert transfers() == 0


def test_history_is_newest_first_with_signed_amounts_and_no_n_plus_one(chart, app):
    top_up(chart, reason="Пополнение сертификата на 2026 год")
    move(chart.certificate, chart.escrow, 5_000_00, TransferKind.RESERVE,
         reason="Резерв по договору № 45")
    move(chart.escrow, chart.certificate, 1_000_00, TransferKind.RELEASE,
         reason="Возврат резерва по договору № 45")
    move(chart.fund, chart.other_certificate, 500_00, TransferKind.TOPUP)  # not ours

    db.session.expunge_all()
    certificate = ledger.find_account("certificate:17")
    with count_queries() as statements:
        rows = ledger.history(certificate)
        shown = [(t.reason, ledger.signed_amount(t, certificate), t.debit_account.code,
                  t.credit_account.code) for t in rows]
    assert shown == [
        ("Возврат резерва по договору № 45", 1_000_00, "escrow:45", "certificate:17"),
        ("Резерв по договору № 45", -5_000_00, "certificate:17", "escrow:45"),
        ("Пополнение сертификата на 2026 год", NOMINAL, "fund:1", "certificate:17"),
    ]
    assert len(statements) == 1
    assert [t.reason for t in ledger.history(certificate, limit=1)] == [
        "Возврат резерва по договору № 45"]
    assert sum(ledger.signed_amount(t, certificate) for t in rows) == \
        ledger.balance(certificate)


def test_signed_amount_refuses_a_transfer_of_another_account(chart):
    transfer = top_up(chart)
    with pytest.raises(ValueError):
        ledger.signed_amount(transfer, chart.escrow)


def test_the_certificates_balance_is_read_fresh(chart, app):
    top_up(chart)
    stale = ledger.find_account("certificate:17")
    assert stale.credits_posted == NOMINAL
    move(chart.certificate, chart.escrow, 1_000_00, TransferKind.RESERVE)
    assert ledger.balance(stale) == NOMINAL - 1_000_00


def test_kinds_are_listed_with_russian_labels(chart):
    transfer = top_up(chart)
    assert transfer.kind_label == "пополнение"
    assert {str(k) for k in AccountKind} == {"fund", "certificate", "escrow", "payable"}
