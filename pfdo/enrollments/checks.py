"""The contracts' side of the ledger's invariants, added to `flask ledger-check` and to every
property test through `ledger.checks.register_check` (the factory imports this module):

- a contract's escrow holds exactly the certificate shares of its months still reserved (not
  yet paid or released) — so an offer, a declined or a lapsed one holds nothing, and a
  terminated one only the months it ran;
- a contract's escrow (`escrow:<contract id>`) is reserved only from that contract's
  certificate;
Each is one SQL statement over all contracts. `seat_problems` (a group's seats taken are its
active contracts plus the offers that hold a seat) is not registered: seats may also have been
taken outside the system (a provider's own count before enrolment opened); tests and the demo
call it."""

from __future__ import annotations

from sqlalchemy import and_, func, literal, select

from pfdo.db import db
from pfdo.enrollments.models import Contract, ContractMonth, ContractStatus, MonthStatus
from pfdo.ledger.checks import register_check
from pfdo.ledger.models import AccountKind, LedgerAccount, Transfer, TransferKind
from pfdo.programs.models import Group


@register_check
def escrows_match_months() -> list[str]:
    held = (select(ContractMonth.contract_id,
                   func.sum(ContractMonth.certificate_share).label("total"))
            .where(ContractMonth.status == MonthStatus.RESERVED)
            .group_by(ContractMonth.contract_id).subquery())
    code = literal("escrow:") + func.cast(Contract.id, db.String)
    rows = db.session.execute(
        select(Contract.id, func.coalesce(held.c.total, 0),
               func.coalesce(LedgerAccount.credits_posted - LedgerAccount.debits_posted, 0))
        .outerjoin(held, held.c.contract_id == Contract.id)
        .outerjoin(LedgerAccount, and_(LedgerAccount.code == code,
                                       LedgerAccount.kind == AccountKind.ESCROW))
        .where(func.coalesce(held.c.total, 0)
               != func.coalesce(LedgerAccount.credits_posted - LedgerAccount.debits_posted, 0))
        .order_by(Contract.id)).all()
    return [f"contract {cid}: its reserved months hold {int(months)} kopecks, its escrow "
            f"{int(balance)}" for cid, months, balance in rows]


@register_check
def escrows_reserved_from_their_certificate() -> list[str]:
    certificate_code = literal("certificate:") + func.cast(Contract.certificate_id, db.String)
    debit = db.aliased(LedgerAccount)
    credit = db.aliased(LedgerAccount)
    rows = db.session.execute(
        select(credit.code, debit.code)
        .select_from(Transfer)
        .join(credit, credit.id == Transfer.credit_account_id)
        .join(debit, debit.id == Transfer.debit_account_id)
        .join(Contract, literal("escrow:") + func.cast(Contract.id, db.String) == credit.code)
        .where(Transfer.kind == TransferKind.RESERVE, debit.code != certificate_code)
        .order_by(Transfer.id)).all()
    return [f"{escrow} was reserved from {source}, not from its contract's certificate"
            for escrow, source in rows]


def seat_problems() -> list[str]:
    holding = (select(Contract.group_id, func.count().label("n"))
               .where((Contract.status == ContractStatus.ACTIVE)
                      | ((Contract.status == ContractStatus.OFFERED)
                         & Contract.holds_seat.is_(True)))
               .group_by(Contract.group_id).subquery())
    rows = db.session.execute(
        select(Group.id, Group.seats_taken, func.coalesce(holding.c.n, 0))
        .outerjoin(holding, holding.c.group_id == Group.id)
        .where(Group.seats_taken != func.coalesce(holding.c.n, 0))
        .order_by(Group.id)).all()
    return [f"group {gid} counts {taken} seats taken, its contracts and held offers {int(n)}"
            for gid, taken, n in rows]
