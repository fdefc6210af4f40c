"""Many transfers at once, for the monthly close: the same rules as `services.transfer`, in a
fixed number of statements per batch instead of five per transfer.

`post_many` inserts the rows with ON CONFLICT (key) DO NOTHING and posts the balances of the
rows it inserted only, so it is idempotent on the keys exactly as `transfer` is: a replayed key
moves nothing (and must name the same accounts, amount and kind), and on PostgreSQL a
concurrent poster of the same key waits for the first one's commit and then skips it. The
balances move by one UPDATE per account (PostgreSQL: one statement for the whole batch), in
account-id order; the CHECK on every account's floor refuses a batch that would take an escrow
below zero, and the savepoint undoes the whole batch with it. Flushes only."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Select,
    bindparam,
    func,
    literal,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from pfdo import clock
from pfdo.db import db
from pfdo.ledger import services as ledger
from pfdo.ledger.models import (
    TRANSFER_DIRECTIONS,
    AccountKind,
    LedgerAccount,
    Transfer,
    TransferKind,
)


@dataclass(frozen=True)
class Posting:
    key: str
    debit_id: int
    credit_id: int
    amount: int
    kind: TransferKind
    reason: str
    ref: str | None = None


class BatchRefused(ledger.InsufficientFunds):
    """A batch would take an account below its floor: nothing of it was posted."""

    def __init__(self) -> None:
        super().__init__(available=0, amount=0)
        self.message = "Средств на счёте недостаточно: пакет переводов не проведён"


def post_many(postings: Sequence[Posting], *, actor=None) -> set[str]:
    """Post every posting whose key is new; returns the keys posted by this call.

    Refuses: ValueError for a posting `transfer` would refuse as a programming error (amount,
    accounts, direction, an escrow trading with a stranger, key/reason/ref shape);
    IdempotencyConflict for a used key with other accounts, amount or kind; BatchRefused when
    an account would fall below its floor (nothing posted)."""
    if not postings:
        return set()
    _validate(postings)
    by_key = {p.key: p for p in postings}
    if len(by_key) != len(postings):
        raise ValueError("a batch names one key twice")
    now = clock.now()
    actor_id = actor.id if actor is not None else None
    rows = [dict(key=p.key, debit_account_id=p.debit_id, credit_account_id=p.credit_id,
                 amount=p.amount, kind=str(p.kind), reason=p.reason, ref=p.ref,
                 actor_id=actor_id, created_at=now) for p in postings]
    db.session.flush()
    try:
        with db.session.begin_nested():
            posted = _insert(rows)
            _check_replays([p for p in postings if p.key not in posted])
            _post_balances([by_key[k] for k in posted])
    except IntegrityError as error:
        raise BatchRefused() from error
    return posted


#: PostgreSQL: the rows go in as one array per column — one short statement, planned once,
#: whatever the batch size (a multi-row VALUES costs more to build than to run)
_INSERT_UNNEST = text("""
    INSERT INTO ledger_transfer (key, debit_account_id, credit_account_id, amount, kind,
                                 reason, ref, actor_id, created_at)
    SELECT t.key, t.debit, t.credit, t.amount, t.kind, t.reason, t.ref, :actor_id, :created_at
    FROM unnest(CAST(:keys AS varchar[]), CAST(:debits AS integer[]),
                CAST(:credits AS integer[]), CAST(:amounts AS bigint[]),
                CAST(:kinds AS varchar[]), CAST(:reasons AS varchar[]), CAST(:refs AS varchar[]))
         AS t(key, debit, credit, amount, kind, reason, ref)
    ON CONFLICT (key) DO NOTHING
    RETURNING key""")

_LOCK_ACCOUNTS = text("SELECT id FROM ledger_account WHERE id = ANY(CAST(:ids AS integer[])) "
                      "ORDER BY id FOR UPDATE")

_UPDATE_UNNEST = text("""
    UPDATE ledger_account AS a
    SET debits_posted = a.debits_posted + v.d, credits_posted = a.credits_posted + v.c
    FROM unnest(CAST(:ids AS integer[]), CAST(:d AS bigint[]), CAST(:c AS bigint[]))
         AS v(id, d, c)
    WHERE a.id = v.id""")


def post_from_select(rows: Select, *, expected: int, actor=None) -> int:
    """Post the transfers `rows` selects, without bringing them into Python: its columns are
    key, debit account id, credit account id, amount, kind, reason and ref, in this order,
    and the caller's joins hold `transfer`'s rules (positive amounts, the accounts and
    directions of the kind, an escrow trading with its own certificate). Every key must be
    new: `expected` is how many rows the select gives, and a batch that inserts fewer (a key
    used already) is refused as an IdempotencyConflict with nothing posted; BatchRefused when
    an account would fall below its floor. Returns the number posted."""
    if expected == 0:
        return 0
    db.session.flush()
    columns = ["key", "debit_account_id", "credit_account_id", "amount", "kind", "reason",
               "ref", "actor_id", "created_at"]
    source = rows.add_columns(
        literal(actor.id if actor is not None else None, db.Integer).label("actor_id"),
        literal(clock.now(), db.DateTime(timezone=True)).label("created_at")
    ).where(true())  # SQLite reads INSERT … SELECT … ON CONFLICT only after a WHERE
    dialect = db.session.connection().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (insert(Transfer).from_select(columns, source)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(Transfer.debit_account_id, Transfer.credit_account_id, Transfer.amount))
    try:
        with db.session.begin_nested():
            if dialect == "postgresql":
                count = _post_in_one_statement(stmt)
            else:
                posted = db.session.execute(stmt).all()
                count = len(posted)
            if count != expected:
                raise ledger.IdempotencyConflict(
                    f"{expected - count} of {expected} keys of the batch")
            if dialect != "postgresql":
                _post_balances(posted)
    except IntegrityError as error:
        raise BatchRefused() from error
    return count


def _post_in_one_statement(insert) -> int:
    """PostgreSQL: the INSERT … RETURNING and the balances in one statement, so that the
    batch's rows never travel to Python and back: the inserted rows summed per account, the
    accounts locked in id order (two batches sharing an account cannot deadlock: the count
    over `locked` is a one-time filter, so every lock is taken before the first row is
    updated), then one UPDATE. Returns how many transfers went in."""
    account = LedgerAccount.__table__
    posted = insert.cte("posted")
    sides = union_all(
        select(posted.c.debit_account_id.label("id"), posted.c.amount.label("d"),
               literal(0, BigInteger).label("c")),
        select(posted.c.credit_account_id.label("id"), literal(0, BigInteger).label("d"),
               posted.c.amount.label("c"))).subquery("sides")
    moves = (select(sides.c.id, func.sum(sides.c.d).label("d"), func.sum(sides.c.c).label("c"))
             .group_by(sides.c.id).cte("moves"))
    locked = (select(account.c.id).join(moves, moves.c.id == account.c.id)
              .order_by(account.c.id).with_for_update(of=account)
              .cte("locked").prefix_with("MATERIALIZED"))
    updated = (update(account)
               .where(account.c.id == moves.c.id,
                      select(func.count()).select_from(locked).scalar_subquery() >= 0)
               .values(debits_posted=account.c.debits_posted + moves.c.d,
                       credits_posted=account.c.credits_posted + moves.c.c)
               .returning(account.c.id).cte("updated"))
    count = db.session.execute(select(
        select(func.count()).select_from(posted).scalar_subquery(),
        select(func.count()).select_from(updated).scalar_subquery())).one()[0]
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, LedgerAccount):
            db.session.expire(obj, ["debits_posted", "credits_posted"])
    return count


def _insert(rows: list[dict]) -> set[str]:
    """Insert the rows whose key is new; the keys inserted."""
    posted: set[str] = set()
    if db.session.connection().dialect.name == "postgresql":
        for chunk in _chunks(rows, 20000):
            posted.update(db.session.execute(_INSERT_UNNEST, {
                "keys": [r["key"] for r in chunk],
                "debits": [r["debit_account_id"] for r in chunk],
                "credits": [r["credit_account_id"] for r in chunk],
                "amounts": [r["amount"] for r in chunk], "kinds": [r["kind"] for r in chunk],
                "reasons": [r["reason"] for r in chunk], "refs": [r["ref"] for r in chunk],
                "actor_id": chunk[0]["actor_id"], "created_at": chunk[0]["created_at"],
            }).scalars())
        return posted
    stmt = sqlite.insert(Transfer).on_conflict_do_nothing(index_elements=["key"])
    for chunk in _chunks(rows, 500):
        posted.update(db.session.execute(stmt.values(chunk).returning(Transfer.key)).scalars())
    return posted


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _validate(postings: Sequence[Posting]) -> None:
    ids = {p.debit_id for p in postings} | {p.credit_id for p in postings}
    kinds = dict(db.session.execute(
        select(LedgerAccount.id, LedgerAccount.kind).where(LedgerAccount.id.in_(ids))).all())
    escrows = set()
    for p in postings:
        if type(p.amount) is not int or p.amount <= 0:
            raise ValueError(f"{p.key}: amount must be a positive int number of kopecks")
        if p.debit_id == p.credit_id:
            raise ValueError(f"{p.key}: debit and credit must be different accounts")
        if p.debit_id not in kinds or p.credit_id not in kinds:
            raise ValueError(f"{p.key}: unknown account")
        pair = (kinds[p.debit_id], kinds[p.credit_id])
        direction = TRANSFER_DIRECTIONS[TransferKind(p.kind)]
        if direction is not None and pair != direction:
            raise ValueError(f"{p.key}: a {p.kind} transfer goes {direction[0]} → "
                             f"{direction[1]}, not {pair[0]} → {pair[1]}")
        if not p.key or len(p.key) > ledger.MAX_KEY_LENGTH:
            raise ValueError(f"the idempotency key must be 1..{ledger.MAX_KEY_LENGTH} characters")
        if not p.reason or not p.reason.strip() or len(p.reason) > ledger.MAX_REASON_LENGTH:
            raise ValueError(f"{p.key}: the reason must be 1..{ledger.MAX_REASON_LENGTH} chars")
        if p.ref is not None and (len(p.ref) > ledger.MAX_REF_LENGTH
                                  or not ledger.REF_SHAPE.fullmatch(p.ref)):
            raise ValueError(f"{p.key}: a ref looks like 'invoice:12'")
        if AccountKind.ESCROW in pair:
            escrow, other = ((p.debit_id, p.credit_id) if pair[0] == AccountKind.ESCROW
                             else (p.credit_id, p.debit_id))
            if kinds[other] == AccountKind.CERTIFICATE:
                escrows.add((escrow, other))
            elif kinds[other] != AccountKind.PAYABLE:
                raise ValueError(f"{p.key}: an escrow trades only with its certificate and "
                                 "with payables")
    _check_owners(escrows)


def _check_owners(pairs: set[tuple[int, int]]) -> None:
    """An escrow trades with the certificate its first RESERVE came from, and only a RESERVE
    opens an escrow (bulk postings never reserve into a new escrow)."""
    if not pairs:
        return
    first = (select(Transfer.credit_account_id, Transfer.debit_account_id, Transfer.id)
             .where(Transfer.kind == TransferKind.RESERVE,
                    Transfer.credit_account_id.in_({e for e, _ in pairs}))
             .order_by(Transfer.credit_account_id, Transfer.id))
    owners: dict[int, int] = {}
    for escrow, certificate, _ in db.session.execute(first):
        owners.setdefault(escrow, certificate)
    for escrow, certificate in pairs:
        if owners.get(escrow) != certificate:
            raise ValueError(f"escrow account {escrow} does not belong to certificate "
                             f"account {certificate}")


def _check_replays(skipped: list[Posting]) -> None:
    if not skipped:
        return
    wanted = {p.key: p for p in skipped}
    existing = {}
    for chunk in _chunks(list(wanted), 1000):
        existing.update({row.key: row for row in db.session.execute(
            select(Transfer.key, Transfer.debit_account_id, Transfer.credit_account_id,
                   Transfer.amount, Transfer.kind).where(Transfer.key.in_(chunk)))})
    for key, p in wanted.items():
        row = existing.get(key)
        if row is None or (row.debit_account_id, row.credit_account_id, row.amount,
                           row.kind) != (p.debit_id, p.credit_id, p.amount, str(p.kind)):
            raise ledger.IdempotencyConflict(key)


def _post_balances(postings) -> None:
    """Move the balances by postings: Posting objects or (debit id, credit id, amount)."""
    debits: dict[int, int] = defaultdict(int)
    credits: dict[int, int] = defaultdict(int)
    for p in postings:
        debit_id, credit_id, amount = ((p.debit_id, p.credit_id, p.amount)
                                       if isinstance(p, Posting) else p)
        debits[debit_id] += amount
        credits[credit_id] += amount
    changes = [(account_id, debits.get(account_id, 0), credits.get(account_id, 0))
               for account_id in sorted(debits.keys() | credits.keys())]
    if not changes:
        return
    table = LedgerAccount.__table__
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # rows locked in id order first, so that two batches sharing accounts cannot deadlock
        for chunk in _chunks(changes, 20000):
            ids = [a for a, _, _ in chunk]
            connection.execute(_LOCK_ACCOUNTS, {"ids": ids})
            connection.execute(_UPDATE_UNNEST, {"ids": ids, "d": [d for _, d, _ in chunk],
                                                "c": [c for _, _, c in chunk]})
    else:
        connection.execute(
            update(table).where(table.c.id == bindparam("account_id"))
            .values(debits_posted=table.c.debits_posted + bindparam("d"),
                    credits_posted=table.c.credits_posted + bindparam("c")),
            [dict(account_id=a, d=d, c=c) for a, d, c in changes])
    touched = {account_id for account_id, _, _ in changes}
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, LedgerAccount) and obj.id in touched:
            db.session.expire(obj, ["debits_posted", "credits_posted"])
