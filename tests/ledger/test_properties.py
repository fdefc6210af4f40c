"""Property-based: random sequences of top-ups, reserves, payments, releases, returns,
corrections, overdraft attempts, key replays and budget changes, against a pure-Python model
(docs/domain.md §10). After every step the ledger must agree with the model and
with itself.

A second machine drives escrows through pfdo.ledger.escrow (reserve = pending, pay = post,
release = void) and checks that nothing is ever posted or released beyond what was reserved.

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
from pfdo.ledger import escrow
from pfdo.ledger import services as ledger
from pfdo.ledger.models import TRANSFER_DIRECTIONS, AccountKind, LedgerAccount, Transfer
from pfdo.ledger.models import TransferKind as K

NOMINAL = 17_456_00
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
        # Escrow n belongs to certificate n: the ledger refuses any other certificate.
        self.partner = {e.id: c.id for e, c in zip(self.by_kind[AccountKind.ESCROW],
                                                   self.by_kind[AccountKind.CERTIFICATE],
                                                   strict=True)}
        self.owned: set[int] = set()  # escrows with a RESERVE: their certificate is known
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

    def allowed(self, debit, credit, kind: K) -> bool:
        """An escrow trades only with payables and its own certificate (after a RESERVE)."""
        if AccountKind.ESCROW not in (debit.kind, credit.kind):
            return True
        escrow, other = (debit, credit) if debit.kind == AccountKind.ESCROW else (credit, debit)
        if other.kind == AccountKind.PAYABLE:
            return True
        return (other.kind == AccountKind.CERTIFICATE and self.partner[escrow.id] == other.id
                and (kind == K.RESERVE or escrow.id in self.owned))

    def pick_pair(self, data, kind: K):
        """A (debit, credit) pair the ledger accepts for `kind`; None when there is none yet
        (a release before any reserve)."""
        direction = TRANSFER_DIRECTIONS[kind]
        if direction is None:
            pairs = [(d, c) for d in self.accounts for c in self.accounts if d.id != c.id]
        else:
            pairs = [(d, c) for d in self.by_kind[direction[0]]
                     for c in self.by_kind[direction[1]]]
        pairs = [(d, c) for d, c in pairs if self.allowed(d, c, kind)]
        return data.draw(st.sampled_from(pairs)) if pairs else None

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
        pair = self.pick_pair(data, kind)
        if pair is None:
            return
        debit, credit = pair
        amount = data.draw(AMOUNTS) if how == "any" else self.available(debit)
        if amount <= 0:
            return
        key = self.next_key(kind)
        if amount <= self.available(debit):
            transfer = self.attempt(key, debit, credit, amount, kind)
            self.debits[debit.id] += amount
            self.credits[credit.id] += amount
            if kind == K.RESERVE:
                self.owned.add(credit.id)
            self.done.append((key, debit, credit, amount, kind, transfer.id))
        else:
            with pytest.raises(ledger.InsufficientFunds):
                self.attempt(key, debit, credit, amount, kind)

    @rule(data=st.data(), kind=st.sampled_from(KINDS), extra=st.integers(1, 10_000))
    def overdraft(self, data, kind, extra):
        pair = self.pick_pair(data, kind)
        if pair is None:
            return
        debit, credit = pair
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


class EscrowMachine(RuleBasedStateMachine):
    """Random reserves, payments and releases through pfdo.ledger.escrow, some too large,
    against a model of each escrow's phases: what was reserved, posted and released."""

    def __init__(self):
        super().__init__()
        prefix = uuid.uuid4().hex[:12]
        with unit_of_work():
            fund = ledger.get_or_create_account(f"fund:{prefix}", AccountKind.FUND,
                                                overdraft_limit=BUDGET)
            self.certificates = [ledger.get_or_create_account(
                f"certificate:{prefix}-{n}", AccountKind.CERTIFICATE) for n in range(2)]
            for n, certificate in enumerate(self.certificates):
                ledger.transfer(key=f"topup:{prefix}:{n}", debit=fund, credit=certificate,
                                amount=NOMINAL, kind=K.TOPUP, reason="Пополнение")
            self.payable = ledger.get_or_create_account(f"payable:{prefix}",
                                                        AccountKind.PAYABLE)
            # Contract n's escrow; contracts 0 and 1 are certificate 0's, 2 is certificate 1's.
            self.escrows = [ledger.get_or_create_account(f"escrow:{prefix}-{n}",
                                                         AccountKind.ESCROW) for n in range(3)]
        self.owner = [self.certificates[0], self.certificates[0], self.certificates[1]]
        self.reserved, self.posted, self.released = [0] * 3, [0] * 3, [0] * 3
        self.spendable = [NOMINAL, NOMINAL]
        self.prefix, self.serial = prefix, 0

    def held(self, n: int) -> int:
        return self.reserved[n] - self.posted[n] - self.released[n]

    def key(self) -> str:
        self.serial += 1
        return f"escrow:{self.prefix}:{self.serial}"

    def ref(self, n: int) -> str:
        return f"contract:{self.prefix}-{n}"

    @rule(n=st.integers(0, 2), amount=st.integers(1, NOMINAL + 1_000))
    def reserve(self, n, amount):
        owner = self.certificates.index(self.owner[n])
        call = lambda: escrow.reserve(self.owner[n], self.escrows[n], amount,  # noqa: E731
                                      key=self.key(), reason="Резерв", ref=self.ref(n))
        if amount > self.spendable[owner]:
            with pytest.raises(ledger.InsufficientFunds), unit_of_work():
                call()
            return
        with unit_of_work():
            call()
        self.reserved[n] += amount
        self.spendable[owner] -= amount

    @rule(n=st.integers(0, 2), amount=st.integers(1, NOMINAL), release=st.booleans())
    def pay_or_release(self, n, amount, release):
        def call():
            if release:
                return escrow.release(self.escrows[n], amount, key=self.key(),
                                      reason="Возврат резерва", ref=self.ref(n))
            return escrow.pay(self.escrows[n], self.payable, amount, key=self.key(),
                              reason="Оплата", ref=self.ref(n))
        if self.reserved[n] == 0 and release:
            with pytest.raises(ValueError), unit_of_work():  # no certificate to return to
                call()
            return
        if amount > self.held(n):
            with pytest.raises(escrow.EscrowShortfall) as refused, unit_of_work():
                call()
            assert isinstance(refused.value, DomainError)
            assert refused.value.available == self.held(n)
            return
        with unit_of_work():
            call()
        if release:
            self.released[n] += amount
            self.spendable[self.certificates.index(self.owner[n])] += amount
        else:
            self.posted[n] += amount

    @rule(n=st.integers(0, 2))
    def release_the_rest(self, n):
        if self.reserved[n] == 0:
            return
        with unit_of_work():
            done = escrow.release(self.escrows[n], key=self.key(), reason="Договор закрыт")
        assert (done is None) == (self.held(n) == 0)
        self.spendable[self.certificates.index(self.owner[n])] += self.held(n)
        self.released[n] += self.held(n)

    @rule(n=st.integers(0, 2))
    def another_certificate_cannot_reserve(self, n):
        stranger = next(c for c in self.certificates if c is not self.owner[n])
        if self.reserved[n] == 0:
            return  # the first RESERVE makes the owner: the stranger would become it
        with pytest.raises(ValueError), unit_of_work():
            escrow.reserve(stranger, self.escrows[n], 1, key=self.key(), reason="Резерв")

    @invariant()
    def never_more_posted_than_reserved(self):
        for n, account in enumerate(self.escrows):
            assert self.posted[n] + self.released[n] <= self.reserved[n]
            assert ledger.balance(account) == self.held(n)
        totals = escrow.totals_by_owner(self.certificates)
        for c, certificate in enumerate(self.certificates):
            mine = [n for n in range(3) if self.owner[n] is certificate and self.reserved[n]]
            expected = escrow.EscrowTotals(held=sum(self.held(n) for n in mine),
                                           paid=sum(self.posted[n] for n in mine))
            assert totals.get(certificate.id, escrow.EscrowTotals()) == expected
            assert ledger.balances([certificate])[certificate.id] == self.spendable[c]
        assert ledger.check_invariants() == []


def test_escrows_never_post_or_release_more_than_was_reserved(ctx):
    run_state_machine_as_test(EscrowMachine, settings=settings(
        max_examples=25, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.too_slow]))
