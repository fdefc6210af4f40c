"""The only code that moves money.

Every function here flushes and never commits: the caller's `unit_of_work()` decides. Balances
change only by guarded UPDATEs (the shortfall check sits in the WHERE clause, so PostgreSQL
re-checks it after waiting for a concurrent writer) backed by CHECK constraints, and every change
comes with an immutable transfer row under a unique idempotency key."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from pfdo.db import db
from pfdo.errors import DomainError
from pfdo.ledger.models import (
    TRANSFER_DIRECTIONS,
    AccountKind,
    LedgerAccount,
    Transfer,
    TransferKind,
)
from pfdo.money import format_rub

MAX_KEY_LENGTH = 120
MAX_REASON_LENGTH = 300
MAX_CODE_LENGTH = 60


class InsufficientFunds(DomainError):
    """The debited account would fall below its floor (zero, or -overdraft_limit for the fund)."""

    def __init__(self, *, available: int, amount: int):
        super().__init__(f"Недостаточно средств: доступно {format_rub(max(available, 0))}")
        #: what the account could still give, in kopecks
        self.available = available
        #: what was asked for
        self.amount = amount


class IdempotencyConflict(DomainError):
    """The key was already used for a different movement (other accounts, amount or kind)."""

    def __init__(self, key: str):
        super().__init__("Эта операция уже проведена с другими параметрами. "
                         "Обновите страницу и проверьте баланс.")
        self.key = key


# --- Accounts -----------------------------------------------------------------------------------

def find_account(code: str) -> LedgerAccount | None:
    """The account with this code, or None if no money has ever been booked to it."""
    return db.session.scalar(select(LedgerAccount).where(LedgerAccount.code == code))


def get_or_create_account(code: str, kind: AccountKind, *,
                          overdraft_limit: int = 0) -> LedgerAccount:
    """The account with this code, created (flushed) if it does not exist yet.

    Race-safe: the insert runs in a savepoint against the UNIQUE code, and a concurrent creator's
    row is read back instead. An existing account is returned as it is: its overdraft limit
    changes only through `set_overdraft_limit`.
    Refuses (ValueError, a programming error): a code not of the form "<kind>:<id>", an existing
    account of another kind, a negative or non-int overdraft limit, an overdraft limit for
    anything but the fund."""
    kind = AccountKind(kind)
    if not code.startswith(f"{kind}:") or len(code) > MAX_CODE_LENGTH:
        raise ValueError(f"account code {code!r} must look like '{kind}:<id>'")
    _check_limit(kind, overdraft_limit)
    account = find_account(code)
    if account is None:
        account = LedgerAccount(code=code, kind=kind, overdraft_limit=overdraft_limit,
                                debits_posted=0, credits_posted=0)
        # Flush the caller's own changes first, so an IntegrityError below can only be ours.
        db.session.flush()
        try:
            with db.session.begin_nested():
                db.session.add(account)
                db.session.flush()
        except IntegrityError:
            # Someone else created it between our read and our insert: theirs is the account.
            account = find_account(code)
            if account is None:
                raise
    if account.kind != kind:
        raise ValueError(f"account {code!r} is a {account.kind} account, not {kind}")
    return account


def _check_limit(kind: AccountKind, limit: int) -> None:
    if type(limit) is not int or limit < 0:
        raise ValueError("the overdraft limit is a non-negative int number of kopecks")
    if limit and kind != AccountKind.FUND:
        raise ValueError("only the fund may go below zero")


def balance(account: LedgerAccount) -> int:
    """credits_posted - debits_posted in kopecks, read from the database now (not from the
    possibly stale object)."""
    return db.session.execute(
        select(LedgerAccount.credits_posted - LedgerAccount.debits_posted)
        .where(LedgerAccount.id == account.id)
    ).scalar_one()


def balances_by_code(codes: Iterable[str]) -> dict[str, int]:
    """{code: balance} for those of `codes` that have an account, in one query (list pages);
    a code with no account yet is absent from the result."""
    codes = list(codes)
    if not codes:
        return {}
    rows = db.session.execute(
        select(LedgerAccount.code, LedgerAccount.credits_posted - LedgerAccount.debits_posted)
        .where(LedgerAccount.code.in_(codes))
    )
    return {code: int(amount) for code, amount in rows}


def available(account: LedgerAccount) -> int:
    """What the account can still give: its balance plus its overdraft limit."""
    return db.session.execute(
        select(LedgerAccount.credits_posted - LedgerAccount.debits_posted
               + LedgerAccount.overdraft_limit).where(LedgerAccount.id == account.id)
    ).scalar_one()


def set_overdraft_limit(account: LedgerAccount, limit: int) -> None:
    """Let the fund go below zero down to `limit` (the period's budget, when it changes).

    Refuses with DomainError a limit below what the fund has already given out; with ValueError
    a negative or non-int limit, or any limit above zero on an account that is not the fund."""
    _check_limit(AccountKind(account.kind), limit)
    # Guarded like a transfer: a concurrent top-up cannot slip under a budget being lowered.
    result = db.session.execute(
        update(LedgerAccount)
        .where(LedgerAccount.id == account.id,
               LedgerAccount.credits_posted - LedgerAccount.debits_posted >= -limit)
        .values(overdraft_limit=limit)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(account, ["overdraft_limit"])
    if result.rowcount != 1:
        used = -balance(account)
        raise DomainError(
            f"Бюджет не может быть меньше уже выданного: выдано {format_rub(used)}",
            field="budget",
        )


# --- Transfers ----------------------------------------------------------------------------------

def transfer(*, key: str, debit: LedgerAccount, credit: LedgerAccount, amount: int,
             kind: TransferKind, reason: str, actor=None) -> Transfer:
    """Move `amount` kopecks from `debit` to `credit` and record why; flushes, never commits.

    Idempotent on `key`: a replay with the same accounts, amount and kind returns the first
    Transfer and moves nothing (the reason and actor of the replay are ignored), even when the
    two race on PostgreSQL.
    Refuses: IdempotencyConflict for a used key with other accounts, amount or kind;
    InsufficientFunds when the debited account would fall below its floor (nothing changes);
    ValueError (a programming error) for an amount that is not a positive int, debit == credit,
    an unknown kind, a kind moving money the wrong way (e.g. a top-up not from a fund to a
    certificate), an empty or too long key or reason."""
    kind = TransferKind(kind)
    _validate(key=key, debit=debit, credit=credit, amount=amount, kind=kind, reason=reason)
    existing = _by_key(key)
    if existing is not None:
        return _replayed(existing, debit=debit, credit=credit, amount=amount, kind=kind)
    row = Transfer(key=key, debit_account_id=debit.id, credit_account_id=credit.id,
                   amount=amount, kind=kind, reason=reason,
                   actor_id=actor.id if actor is not None else None)
    # Flush the caller's own changes first, so an IntegrityError below can only be ours.
    db.session.flush()
    try:
        # One savepoint for the row and both balances: a refusal leaves no trace even if the
        # caller catches it and carries on in the same transaction.
        with db.session.begin_nested():
            db.session.add(row)
            # The UNIQUE key is the idempotency lock: on PostgreSQL a concurrent inserter of the
            # same key waits here for us, then gets IntegrityError and reads our row.
            db.session.flush()
            _post(debit, credit, amount)
    except IntegrityError:
        existing = _by_key(key)
        if existing is None:
            raise
        return _replayed(existing, debit=debit, credit=credit, amount=amount, kind=kind)
    finally:
        # The posted columns changed behind the ORM's back (or the savepoint undid them).
        db.session.expire(debit, ["debits_posted", "credits_posted"])
        db.session.expire(credit, ["debits_posted", "credits_posted"])
    return row


def _validate(*, key, debit, credit, amount, kind, reason) -> None:
    # bool is an int subclass; True kopecks is a bug, not money.
    if type(amount) is not int:
        raise ValueError(f"amount must be an int number of kopecks, not {type(amount).__name__}")
    if amount <= 0:
        raise ValueError("amount must be positive")
    if debit.id is None or credit.id is None:
        raise ValueError("both accounts must be flushed (use get_or_create_account)")
    if debit.id == credit.id:
        raise ValueError("debit and credit must be different accounts")
    direction = TRANSFER_DIRECTIONS[kind]
    if direction is not None and (debit.kind, credit.kind) != direction:
        raise ValueError(f"a {kind} transfer goes {direction[0]} → {direction[1]}, "
                         f"not {debit.kind} → {credit.kind}")
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"the idempotency key must be 1..{MAX_KEY_LENGTH} characters")
    if not reason or not reason.strip() or len(reason) > MAX_REASON_LENGTH:
        raise ValueError(f"the reason must be 1..{MAX_REASON_LENGTH} characters")


def _by_key(key: str) -> Transfer | None:
    return db.session.scalar(select(Transfer).where(Transfer.key == key))


def _replayed(existing: Transfer, *, debit, credit, amount, kind) -> Transfer:
    same = (existing.debit_account_id == debit.id and existing.credit_account_id == credit.id
            and existing.amount == amount and existing.kind == kind)
    if not same:
        raise IdempotencyConflict(existing.key)
    return existing


def _post(debit: LedgerAccount, credit: LedgerAccount, amount: int) -> None:
    """Both balance changes, in account-id order so that two transfers touching the same pair of
    accounts in opposite directions cannot deadlock on PostgreSQL."""
    if debit.id < credit.id:
        _debit(debit, amount)
        _credit(credit, amount)
    else:
        _credit(credit, amount)
        _debit(debit, amount)


def _debit(account: LedgerAccount, amount: int) -> None:
    # The guard is in the WHERE clause, not in a prior SELECT: PostgreSQL re-evaluates it after
    # waiting for a concurrent writer of the row, and SQLite has one writer at a time.
    result = db.session.execute(
        update(LedgerAccount)
        .where(LedgerAccount.id == account.id,
               LedgerAccount.credits_posted - LedgerAccount.debits_posted - amount
               >= -LedgerAccount.overdraft_limit)
        .values(debits_posted=LedgerAccount.debits_posted + amount)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise InsufficientFunds(available=available(account), amount=amount)


def _credit(account: LedgerAccount, amount: int) -> None:
    result = db.session.execute(
        update(LedgerAccount)
        .where(LedgerAccount.id == account.id)
        .values(credits_posted=LedgerAccount.credits_posted + amount)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # pragma: no cover - the FK on the transfer row checked it exists
        raise LookupError(f"ledger account {account.id} vanished")


# --- Reading ------------------------------------------------------------------------------------

def history(account: LedgerAccount, *, limit: int | None = None) -> list[Transfer]:
    """Transfers that debited or credited the account, newest first, each with both accounts
    loaded in the same query (no N+1 on a history page)."""
    query = (
        select(Transfer)
        .where(or_(Transfer.debit_account_id == account.id,
                   Transfer.credit_account_id == account.id))
        .options(joinedload(Transfer.debit_account), joinedload(Transfer.credit_account))
        .order_by(Transfer.id.desc())  # ids grow with insertion; created_at may tie
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def signed_amount(transfer: Transfer, account: LedgerAccount) -> int:
    """+amount when the transfer credited `account`, -amount when it debited it.
    Refuses (ValueError) a transfer that did not touch the account."""
    if transfer.credit_account_id == account.id:
        return transfer.amount
    if transfer.debit_account_id == account.id:
        return -transfer.amount
    raise ValueError(f"transfer {transfer.key} does not touch account {account.code}")


# --- Invariants ---------------------------------------------------------------------------------

Check = Callable[[], Iterable[str]]
_extra_checks: list[Check] = []


def register_check(check: Check) -> Check:
    """Add a check to `check_invariants` (e.g. "a closed contract's escrow is zero" from
    enrollments). It returns its breaches in plain English; an empty result means healthy.
    Usable as a decorator; registering the same function twice has no effect."""
    if check not in _extra_checks:
        _extra_checks.append(check)
    return check


def unregister_check(check: Check) -> None:
    """Remove a check added by `register_check` (tests use it to clean up)."""
    if check in _extra_checks:
        _extra_checks.remove(check)


def check_invariants() -> list[str]:
    """Every breach of the ledger's invariants, in plain English; [] when the ledger is healthy.

    Each check is one SQL statement, so it reads one consistent snapshot even while transfers
    run (PostgreSQL, Read Committed): the sum over all accounts is zero; no account is below its
    floor (or has negative posted columns); every account's posted columns equal the sums of its
    transfers; Σ debits posted = Σ credits posted = Σ transfer amounts. Then the registered
    checks."""
    breaches: list[str] = []
    a = LedgerAccount

    # int(): PostgreSQL sums BIGINT as NUMERIC, which arrives as Decimal.
    total = int(db.session.scalar(select(_sum(a.credits_posted - a.debits_posted))))
    if total != 0:
        breaches.append(f"the sum of all balances is {total} kopecks, not 0")

    below = db.session.execute(
        select(a.code, a.credits_posted - a.debits_posted, a.overdraft_limit)
        .where(or_(a.credits_posted - a.debits_posted < -a.overdraft_limit,
                   a.debits_posted < 0, a.credits_posted < 0, a.overdraft_limit < 0))
        .order_by(a.id)
    ).all()
    for code, bal, limit in below:
        breaches.append(f"account {code} has balance {bal} below its floor {-limit}"
                        " (or negative posted columns)")

    debited = (select(Transfer.debit_account_id.label("account_id"),
                      func.sum(Transfer.amount).label("total"))
               .group_by(Transfer.debit_account_id).subquery())
    credited = (select(Transfer.credit_account_id.label("account_id"),
                       func.sum(Transfer.amount).label("total"))
                .group_by(Transfer.credit_account_id).subquery())
    sum_debits = func.coalesce(debited.c.total, 0)
    sum_credits = func.coalesce(credited.c.total, 0)
    drifted = db.session.execute(
        select(a.code, a.debits_posted, sum_debits, a.credits_posted, sum_credits)
        .outerjoin(debited, debited.c.account_id == a.id)
        .outerjoin(credited, credited.c.account_id == a.id)
        .where(or_(a.debits_posted != sum_debits, a.credits_posted != sum_credits))
        .order_by(a.id)
    ).all()
    for code, posted_d, summed_d, posted_c, summed_c in drifted:
        breaches.append(f"account {code} posts debits {posted_d} / credits {posted_c} but its "
                        f"transfers sum to debits {int(summed_d)} / credits {int(summed_c)}")

    all_debits, all_credits, all_amounts = map(int, db.session.execute(select(
        select(_sum(a.debits_posted)).scalar_subquery(),
        select(_sum(a.credits_posted)).scalar_subquery(),
        select(_sum(Transfer.amount)).scalar_subquery(),
    )).one())
    if not all_debits == all_credits == all_amounts:
        breaches.append(f"debits posted {all_debits}, credits posted {all_credits} and "
                        f"transfer amounts {all_amounts} differ")

    for check in list(_extra_checks):
        breaches.extend(check())
    return breaches


def summary() -> tuple[int, int, int]:
    """(number of accounts, number of transfers, kopecks moved in all), for `flask ledger-check`."""
    accounts, transfers, total = db.session.execute(select(
        select(func.count()).select_from(LedgerAccount).scalar_subquery(),
        select(func.count()).select_from(Transfer).scalar_subquery(),
        select(_sum(Transfer.amount)).scalar_subquery(),
    )).one()
    return int(accounts), int(transfers), int(total)


def _sum(column):
    return func.coalesce(func.sum(column), 0)
