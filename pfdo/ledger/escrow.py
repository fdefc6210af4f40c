"""Escrows as two-phase transfers, in the words of a contract (see pfdo.ledger.services for the
invariant): `reserve` is the pending phase, `pay` posts (part of) it, `release` voids (the
rest of) it. Each is one `transfer`, so each is idempotent on its key, flushes and never
commits. Also what the family's pages ask: how much of a certificate's money is held in its
escrows now, and how much of it went to providers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from pfdo.db import db
from pfdo.ledger import services as ledger
from pfdo.ledger.models import AccountKind, LedgerAccount, Transfer, TransferKind
from pfdo.money import format_rub


class EscrowShortfall(ledger.InsufficientFunds):
    """A payment or a release larger than what is still reserved in the escrow."""

    def __init__(self, *, available: int, amount: int):
        super().__init__(available=available, amount=amount)
        self.message = (f"По договору зарезервировано {format_rub(max(available, 0))}: "
                        f"оплатить или вернуть {format_rub(amount)} нельзя")


@dataclass(frozen=True)
class EscrowTotals:
    #: money in the owner's escrows now: reserved, not yet paid or released
    held: int = 0
    #: money paid from those escrows to providers, less the payments corrections undid
    paid: int = 0


def owner(escrow: LedgerAccount) -> LedgerAccount | None:
    """The certificate account the escrow belongs to (its first RESERVE's); None before any."""
    owner_id = ledger.escrow_owner_id(escrow)
    return db.session.get(LedgerAccount, owner_id) if owner_id is not None else None


def reserve(certificate: LedgerAccount, escrow: LedgerAccount, amount: int, *, key: str,
            reason: str, ref: str | None = None, actor=None) -> Transfer:
    """Pending: hold `amount` of the certificate's money in the escrow.

    Refuses: InsufficientFunds when the certificate has less available; ValueError when the
    escrow already belongs to another certificate (and what `transfer` refuses)."""
    return ledger.transfer(key=key, debit=certificate, credit=escrow, amount=amount,
                           kind=TransferKind.RESERVE, reason=reason, ref=ref, actor=actor)


def pay(escrow: LedgerAccount, payable: LedgerAccount, amount: int, *, key: str, reason: str,
        ref: str | None = None, actor=None) -> Transfer:
    """Post: pay `amount` of the reserved money to the provider's payable account.

    Refuses: EscrowShortfall (a DomainError) when less than `amount` is still reserved —
    never more is posted than was reserved."""
    try:
        return ledger.transfer(key=key, debit=escrow, credit=payable, amount=amount,
                               kind=TransferKind.PAYMENT, reason=reason, ref=ref, actor=actor)
    except ledger.InsufficientFunds as error:
        raise EscrowShortfall(available=error.available, amount=amount) from error


def release(escrow: LedgerAccount, amount: int | None = None, *, key: str, reason: str,
            ref: str | None = None, actor=None) -> Transfer | None:
    """Void: return `amount` (default: all that is still reserved) to the escrow's
    certificate. Returns None when there was nothing to return.

    Refuses: EscrowShortfall when less than `amount` is still reserved; ValueError for an
    escrow nothing was ever reserved into (it has no certificate to return to)."""
    certificate = owner(escrow)
    if certificate is None:
        raise ValueError(f"nothing was reserved into {escrow.code}: there is no one to return to")
    if amount is None:
        amount = ledger.balance(escrow)
        if amount <= 0:
            return None
    try:
        return ledger.transfer(key=key, debit=escrow, credit=certificate, amount=amount,
                               kind=TransferKind.RELEASE, reason=reason, ref=ref, actor=actor)
    except ledger.InsufficientFunds as error:
        raise EscrowShortfall(available=error.available, amount=amount) from error


def totals_by_owner(owners: Iterable[LedgerAccount]) -> dict[int, EscrowTotals]:
    """{certificate account id: EscrowTotals} for `owners`, in one query; an owner with no
    escrow is absent (read it as EscrowTotals())."""
    ids = {account.id for account in owners}
    if not ids:
        return {}
    escrows = (select(Transfer.credit_account_id.label("escrow_id"),
                      Transfer.debit_account_id.label("owner_id"))
               .join(LedgerAccount, LedgerAccount.id == Transfer.credit_account_id)
               .where(Transfer.kind == TransferKind.RESERVE,
                      Transfer.debit_account_id.in_(ids),
                      LedgerAccount.kind == AccountKind.ESCROW)
               .distinct().cte("owned_escrow"))
    held = (select(escrows.c.owner_id,
                   func.sum(LedgerAccount.credits_posted - LedgerAccount.debits_posted)
                   .label("total"))
            .join(LedgerAccount, LedgerAccount.id == escrows.c.escrow_id)
            .group_by(escrows.c.owner_id).subquery())
    # Paid is what moved between the escrows and providers' payable accounts: a PAYMENT (or a
    # CORRECTION) out to a payable adds, a CORRECTION back from a payable — it undoes a
    # payment — subtracts.
    payable = aliased(LedgerAccount)
    outward = Transfer.debit_account_id == escrows.c.escrow_id
    signed = case((outward, Transfer.amount), else_=-Transfer.amount)
    paid = (select(escrows.c.owner_id, func.sum(signed).label("total"))
            .join(Transfer, or_(outward, Transfer.credit_account_id == escrows.c.escrow_id))
            .join(payable, and_(payable.kind == AccountKind.PAYABLE,
                                or_(and_(outward, payable.id == Transfer.credit_account_id),
                                    and_(~outward, payable.id == Transfer.debit_account_id))))
            .where(Transfer.kind.in_((TransferKind.PAYMENT, TransferKind.CORRECTION)))
            .group_by(escrows.c.owner_id).subquery())
    rows = db.session.execute(
        select(held.c.owner_id, held.c.total, func.coalesce(paid.c.total, 0))
        .outerjoin(paid, paid.c.owner_id == held.c.owner_id))
    # int(): PostgreSQL sums BIGINT as NUMERIC, which arrives as Decimal.
    return {owner_id: EscrowTotals(held=int(h), paid=int(p)) for owner_id, h, p in rows}


def owner_history(account: LedgerAccount) -> list[Transfer]:
    """What happened to a certificate's money, newest first, in one query: the transfers of
    its own account, and the payments out of its escrows to providers (with the corrections
    that took a payment back), which the certificate's account does not see."""
    escrows = (select(Transfer.credit_account_id)
               .join(LedgerAccount, LedgerAccount.id == Transfer.credit_account_id)
               .where(Transfer.kind == TransferKind.RESERVE,
                      Transfer.debit_account_id == account.id,
                      LedgerAccount.kind == AccountKind.ESCROW)
               .scalar_subquery())
    payable = aliased(LedgerAccount)
    query = (select(Transfer)
             .outerjoin(payable, and_(payable.kind == AccountKind.PAYABLE,
                                      or_(payable.id == Transfer.debit_account_id,
                                          payable.id == Transfer.credit_account_id)))
             .where(or_(Transfer.debit_account_id == account.id,
                        Transfer.credit_account_id == account.id,
                        and_(payable.id.is_not(None),
                             Transfer.kind.in_((TransferKind.PAYMENT, TransferKind.CORRECTION)),
                             or_(Transfer.debit_account_id.in_(escrows),
                                 Transfer.credit_account_id.in_(escrows)))))
             .options(joinedload(Transfer.debit_account), joinedload(Transfer.credit_account))
             .order_by(Transfer.id.desc()))
    return list(db.session.scalars(query).unique())
