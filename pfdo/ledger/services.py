"""The only code that moves money.

Every function here flushes and never commits: the caller's `unit_of_work()` decides. Balances
change only by guarded UPDATEs (the shortfall check sits in the WHERE clause, so PostgreSQL
re-checks it after waiting for a concurrent writer) backed by CHECK constraints, and every change
comes with an immutable transfer row under a unique idempotency key. A transfer may carry a
`ref` ("contract:45", "invoice:12", "certificate:7"): what the money moved for, so that billing
finds a contract's or an invoice's money by query.

Escrows are two-phase transfers
-------------------------------
Money for a contract is held in one escrow account per contract, `escrow:<contract id>`, and
moves in two phases, as TigerBeetle's pending transfers do:

    RESERVE  certificate → escrow   pending: the money leaves what the family can spend
    PAYMENT  escrow → payable       post: (part of) the reserved money goes to the provider
    RELEASE  escrow → certificate   void: (the rest of) the reserved money comes back

The escrow's owner is the certificate its first RESERVE came from. There is no owner column:
the RESERVE row *is* the link (a column would have to be kept equal to it, and adding a
foreign key to ledger_account means rebuilding that table on SQLite). So issue 11's contract
creates `escrow:<contract id>` and reserves into it from the contract's certificate with
`ref="contract:<id>"`; everything else follows from the rows. The invariant:

- an escrow trades only with its owner certificate and with payables (never with a fund,
  another certificate or another escrow), and one escrow carries one ref (one contract) and
  a ref one escrow;
- never more posted + released than reserved: PAYMENT + RELEASE out of an escrow never exceed
  the RESERVEs into it (a CORRECTION counts as the phase it reverses).

`transfer` refuses a movement that would break the first rule (ValueError: a programming
error); the escrow's balance floor (a CHECK and the guarded UPDATE) refuses one that would
break the second, with InsufficientFunds, and `pfdo.ledger.escrow` says so in the contract's
words. `check_invariants` (run by `flask ledger-check`) checks both on the rows themselves.
"A closed contract's escrow is zero" needs contracts: enrollments adds it with
`register_check`."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import func, or_, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from pfdo.db import db
from pfdo.errors import DomainError

# The invariants live in `checks`; they are part of the ledger's API here.
from pfdo.ledger.checks import (  # noqa: F401
    check_invariants,
    register_check,
    summary,
    unregister_check,
)
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
MAX_REF_LENGTH = 60
#: "<kind>:<id>": "contract:45", "invoice:12", "certificate:7"
REF_SHAPE = re.compile(r"[a-z_]+:[A-Za-z0-9_-]+")


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


def balances(accounts: Iterable[LedgerAccount]) -> dict[int, int]:
    """{account id: incoming minus outgoing transfers} for `accounts`, in one query (0 for an
    account without transfers). Summed from the transfer rows, so it equals the posted columns
    exactly when `check_invariants` finds no drift."""
    ids = {account.id for account in accounts}
    if not ids:
        return {}
    legs = union_all(
        select(Transfer.credit_account_id.label("account_id"), Transfer.amount.label("amount"))
        .where(Transfer.credit_account_id.in_(ids)),
        select(Transfer.debit_account_id.label("account_id"),
               (-Transfer.amount).label("amount"))
        .where(Transfer.debit_account_id.in_(ids)),
    ).subquery()
    rows = db.session.execute(select(legs.c.account_id, func.sum(legs.c.amount))
                              .group_by(legs.c.account_id))
    # int(): PostgreSQL sums BIGINT as NUMERIC, which arrives as Decimal.
    return dict.fromkeys(ids, 0) | {account_id: int(total) for account_id, total in rows}


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
             kind: TransferKind, reason: str, actor=None, ref: str | None = None) -> Transfer:
    """Move `amount` kopecks from `debit` to `credit` and record why (`reason`, for people)
    and for what (`ref`, e.g. "contract:45", for queries); flushes, never commits.

    Idempotent on `key`: a replay with the same accounts, amount and kind returns the first
    Transfer and moves nothing (the reason, ref and actor of the replay are ignored), even when
    the two race on PostgreSQL.
    Refuses: IdempotencyConflict for a used key with other accounts, amount or kind;
    InsufficientFunds when the debited account would fall below its floor (nothing changes);
    ValueError (a programming error) for an amount that is not a positive int, debit == credit,
    an unknown kind, a kind moving money the wrong way (e.g. a top-up not from a fund to a
    certificate), an escrow trading with anything but its owner certificate and payables (see
    the module's docstring), an empty or too long key or reason, a ref not shaped
    "<kind>:<id>"."""
    kind = TransferKind(kind)
    _validate(key=key, debit=debit, credit=credit, amount=amount, kind=kind, reason=reason)
    _validate_ref(ref)
    existing = _by_key(key)
    if existing is not None:
        return _replayed(existing, debit=debit, credit=credit, amount=amount, kind=kind)
    _check_escrow(debit, credit, kind)
    row = Transfer(key=key, debit_account_id=debit.id, credit_account_id=credit.id,
                   amount=amount, kind=kind, reason=reason, ref=ref,
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


def _validate_ref(ref: str | None) -> None:
    if ref is not None and (len(ref) > MAX_REF_LENGTH or not REF_SHAPE.fullmatch(ref)):
        raise ValueError(f"a ref looks like 'contract:45', at most {MAX_REF_LENGTH} characters")


def escrow_owner_id(escrow: LedgerAccount) -> int | None:
    """The id of the certificate account the escrow's first RESERVE came from; None before
    anything was reserved into it."""
    return db.session.scalar(
        select(Transfer.debit_account_id)
        .where(Transfer.credit_account_id == escrow.id, Transfer.kind == TransferKind.RESERVE)
        .order_by(Transfer.id).limit(1))


def _check_escrow(debit: LedgerAccount, credit: LedgerAccount, kind: TransferKind) -> None:
    """An escrow trades only with payables and with its owner certificate (the first RESERVE
    makes the owner); only a RESERVE may move money between a certificate and a new escrow."""
    if AccountKind.ESCROW not in (debit.kind, credit.kind):
        return
    escrow, other = (debit, credit) if debit.kind == AccountKind.ESCROW else (credit, debit)
    if other.kind == AccountKind.PAYABLE:
        return
    if other.kind != AccountKind.CERTIFICATE:
        raise ValueError(f"escrow {escrow.code} trades only with its certificate and with "
                         f"payables, not with {other.code}")
    owner_id = escrow_owner_id(escrow)
    if owner_id is None and kind != TransferKind.RESERVE:
        raise ValueError(f"nothing was reserved into {escrow.code} yet: only a RESERVE may "
                         "move money between it and a certificate")
    if owner_id is not None and owner_id != other.id:
        raise ValueError(f"escrow {escrow.code} belongs to another certificate, "
                         f"not to {other.code}")


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

