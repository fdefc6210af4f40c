"""The ledger's invariants, checked on the rows themselves: by `flask ledger-check` from cron
and in the restore drill, and after every step of the property-based tests.

Each check is one SQL statement, so it reads one consistent snapshot even while transfers run.
A package above the ledger adds its own rules with `register_check` (issue 11: "a closed
contract's escrow is zero", which needs contracts)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from pfdo.db import db
from pfdo.ledger.models import AccountKind, LedgerAccount, Transfer, TransferKind

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
    transfers; Σ debits posted = Σ credits posted = Σ transfer amounts; escrows behave as
    two-phase transfers (`escrow_breaches`). Then the registered checks."""
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

    breaches.extend(escrow_breaches())
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


def escrow_breaches() -> list[str]:
    """The two-phase rules of escrows (see pfdo.ledger.services): an escrow trades only with
    one certificate and with payables, names one contract (refs "contract:<id>"; a payment
    may also carry an invoice's ref), and never pays out and releases more than was reserved
    into it. A CORRECTION counts as the phase it reverses: from a payable
    back into the escrow it undoes a payment, from the certificate it undoes a release."""
    breaches: list[str] = []
    escrow, other = aliased(LedgerAccount), aliased(LedgerAccount)
    t = Transfer
    # Each transfer touching an escrow, seen from the escrow: +amount in, -amount out.
    legs = union_all(
        select(t.credit_account_id.label("escrow_id"), t.debit_account_id.label("other_id"),
               t.kind, t.amount.label("amount"), literal(1).label("inward"), t.ref)
        .join(escrow, escrow.id == t.credit_account_id)
        .where(escrow.kind == AccountKind.ESCROW),
        select(t.debit_account_id.label("escrow_id"), t.credit_account_id.label("other_id"),
               t.kind, t.amount.label("amount"), literal(0).label("inward"), t.ref)
        .join(escrow, escrow.id == t.debit_account_id)
        .where(escrow.kind == AccountKind.ESCROW),
    ).subquery()
    inward = legs.c.inward == 1
    to_payable = other.kind == AccountKind.PAYABLE
    to_certificate = other.kind == AccountKind.CERTIFICATE

    def total(*whens):
        return func.coalesce(func.sum(case(*whens, else_=0)), 0)

    reserved = total((legs.c.kind == TransferKind.RESERVE, legs.c.amount))
    posted = total((and_(to_payable, ~inward), legs.c.amount),
                   (and_(to_payable, inward), -legs.c.amount))
    released = total((and_(to_certificate, ~inward), legs.c.amount),
                     (and_(to_certificate, inward, legs.c.kind != TransferKind.RESERVE),
                      -legs.c.amount))
    certificates = func.count(func.distinct(case((to_certificate, legs.c.other_id))))
    strangers = func.count(func.distinct(case((~or_(to_payable, to_certificate), other.code))))
    contract_ref = case((legs.c.ref.like("contract:%"), legs.c.ref))
    refs = func.count(func.distinct(contract_ref))
    rows = db.session.execute(
        select(escrow.code, reserved, posted, released, certificates, strangers, refs)
        .select_from(legs)
        .join(escrow, escrow.id == legs.c.escrow_id)
        .join(other, other.id == legs.c.other_id)
        .group_by(escrow.id, escrow.code)
        .having(or_(posted + released > reserved, certificates > 1, strangers > 0, refs > 1))
        .order_by(escrow.id)
    ).all()
    for code, reserved_, posted_, released_, certificates_, strangers_, refs_ in rows:
        reserved_, posted_, released_ = int(reserved_), int(posted_), int(released_)
        if posted_ + released_ > reserved_:
            breaches.append(f"escrow {code} paid {posted_} and released {released_} kopecks, "
                            f"more than the {reserved_} reserved into it")
        if certificates_ > 1:
            breaches.append(f"escrow {code} trades with {certificates_} certificates, not one")
        if strangers_:
            breaches.append(f"escrow {code} trades with {strangers_} account(s) that are "
                            "neither its certificate nor a payable")
        if refs_ > 1:
            breaches.append(f"escrow {code} names {refs_} contracts: an escrow is for one")

    shared = db.session.execute(
        select(legs.c.ref, func.count(func.distinct(legs.c.escrow_id)))
        .where(legs.c.ref.like("contract:%"))
        .group_by(legs.c.ref)
        .having(func.count(func.distinct(legs.c.escrow_id)) > 1)
        .order_by(legs.c.ref)
    ).all()
    for ref, count in shared:
        breaches.append(f"{ref} has {count} escrows: one contract has one")
    return breaches
