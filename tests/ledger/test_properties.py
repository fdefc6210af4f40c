"""Property-based: random sequences of top-ups, reserves, payments, releases, returns,
corrections, overdraft attempts, key replays and budget changes, against a pure-Python model
(reliability M-01, M-11, M-20..M-22). After every step the ledger must agree with the model and
with itself.

The suite's clean_db wipes only between test functions, so each example books to accounts of its
own (a fresh code prefix) and the expectations cover only those; check_invariants() covers all."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, or_, select

from pfdo.db import db, unit_of_work
from pfdo.errors import DomainError
from pfdo.ledger import services as ledger
from pfdo.ledger.models import TRANSFER_DIRECTIONS, AccountKind, LedgerAccount, Transfer
from pfdo.ledger.models import TransferKind as K

BUDGET = 300_000_000_000  # 3 млрд ₽: past 2**31 kopecks, so a 32-bit column would show
KINDS = list(K)
AMOUNTS = st.one_of(st.integers(1, 1_000), st.integers(1, 2 * BUDGET // 3))


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        prefix = uuid.uuid4().hex[:12]
        with unit_of_work():
            self.fund = ledger.get_or_create_account(f"fund:{prefix}", AccountKind.FUND,
                                                     overdraft_limit=BUDGET)
            self.by_kind = {AccountKind.FUND: [self.fund]}
            for kind, count in ((AccountKind.CERTIFICATE, 3), (AccountKind.ESCROW, 3),
                                (AccountKind.PAYABLE, 2)):
                self.by_kind[kind] = [ledger.get_or_create_account(f"{kind}:{prefix}-{n}", kind)
                                      for n in range(count)]
        self.accounts = [a for group in self.by_kind.values() for a in group]
        self.ids = [a.id for a in self.accounts]
        self.debits = dict.fromkeys(self.ids, 0)
        self.credits = dict.fromkeys(self.ids, 0)
        self.limit = dict.fromkeys(self.ids, 0) | {self.fund.id: BUDGET}
        self.done: list[tuple[str, LedgerAccount, LedgerAccount, int, K, int]] = []
        self.prefix = prefix
        self.serial = 0

    # --- the model ---

    def balance(self, account) -> int:
        return self.credits[account.id] - self.debits[account.id]

    def available(self, account) -> int:
        return self.balance(account) + self.limit[account.id]

    def pick_pair(self, data, kind: K):
        direction = TRANSFER_DIRECTIONS[kind]
        if direction is None:
            debit, credit = data.draw(st.lists(st.sampled_from(self.accounts), min_size=2,
                                               max_size=2, unique_by=lambda a: a.id))
            return debit, credit
        return (data.draw(st.sampled_from(self.by_kind[direction[0]])),
                data.draw(st.sampled_from(self.by_kind[direction[1]])))

    def next_key(self, kind: K) -> str:
        self.serial += 1
        return f"{kind}:{self.prefix}:{self.serial}"

    def attempt(self, key, debit, credit, amount, kind):
        with unit_of_work():
            return ledger.transfer(key=key, debit=debit, credit=credit, amount=amount,
                                   kind=kind, reason="Проверка свойств")

    # --- rules ---

    @rule(data=st.data(), kind=st.sampled_from(KINDS), how=st.sampled_from(["any", "exact"]))
    def move(self, data, kind, how):
        debit, credit = self.pick_pair(data, kind)
        amount = data.draw(AMOUNTS) if how == "any" else self.available(debit)
        if amount <= 0:
            return
        key = self.next_key(kind)
        if amount <= self.available(debit):
            transfer = self.attempt(key, debit, credit, amount, kind)
            self.debits[debit.id] += amount
            self.credits[credit.id] += amount
            self.done.append((key, debit, credit, amount, kind, transfer.id))
        else:
            with pytest.raises(ledger.InsufficientFunds):
                self.attempt(key, debit, credit, amount, kind)

    @rule(data=st.data(), kind=st.sampled_from(KINDS), extra=st.integers(1, 10_000))
    def overdraft(self, data, kind, extra):
        debit, credit = self.pick_pair(data, kind)
        amount = self.available(debit) + extra
        with pytest.raises(ledger.InsufficientFunds) as refused:
            self.attempt(self.next_key(kind), debit, credit, amount, kind)
        assert refused.value.available == self.available(debit)

    @precondition(lambda self: self.done)
    @rule(data=st.data())
    def replay(self, data):
        key, debit, credit, amount, kind, transfer_id = data.draw(st.sampled_from(self.done))
        assert self.attempt(key, debit, credit, amount, kind).id == transfer_id

    @precondition(lambda self: self.done)
    @rule(data=st.data(), delta=st.integers(-1_000, 1_000).filter(bool))
    def reuse_key_for_another_amount(self, data, delta):
        key, debit, credit, amount, kind, _ = data.draw(st.sampled_from(self.done))
        with pytest.raises((ledger.IdempotencyConflict, ValueError)):
            self.attempt(key, debit, credit, amount + delta, kind)

    @rule(limit=st.one_of(st.integers(0, 2 * BUDGET), st.just(None)))
    def change_budget(self, limit):
        used = max(-self.balance(self.fund), 0)
        limit = used if limit is None else limit
        if limit >= used:
            with unit_of_work():
                ledger.set_overdraft_limit(self.fund, limit)
            self.limit[self.fund.id] = limit
        else:
            with pytest.raises(DomainError), unit_of_work():
                ledger.set_overdraft_limit(self.fund, limit)

    # --- after every step ---

    @invariant()
    def agrees_with_the_model_and_with_itself(self):
        a = LedgerAccount
        rows = db.session.execute(select(a.id, a.debits_posted, a.credits_posted,
                                         a.overdraft_limit).where(a.id.in_(self.ids))).all()
        for account_id, debits, credits, limit in rows:
            assert (debits, credits, limit) == (self.debits[account_id],
                                                 self.credits[account_id],
                                                 self.limit[account_id])
            assert credits - debits >= -limit
        assert sum(c - d for _, d, c, _ in rows) == 0
        # Posted columns equal the sums of our own transfers.
        ours = select(Transfer.debit_account_id, Transfer.credit_account_id, Transfer.amount).where(
            or_(Transfer.debit_account_id.in_(self.ids), Transfer.credit_account_id.in_(self.ids)))
        summed = {i: [0, 0] for i in self.ids}
        for debit_id, credit_id, amount in db.session.execute(ours):
            summed[debit_id][0] += amount
            summed[credit_id][1] += amount
        assert summed == {i: [self.debits[i], self.credits[i]] for i in self.ids}
        count = db.session.scalar(select(func.count()).select_from(Transfer).where(
            Transfer.key.like(f"%:{self.prefix}:%")))
        assert count == len(self.done)
        assert ledger.check_invariants() == []


def test_the_ledger_agrees_with_a_model_after_every_step(ctx):
    run_state_machine_as_test(LedgerMachine, settings=settings(
        max_examples=50, stateful_step_count=30, deadline=None,
        suppress_health_check=[HealthCheck.too_slow]))
