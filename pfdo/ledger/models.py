"""Ledger accounts and transfers: double entry in integer kopecks.

An account's balance is `credits_posted - debits_posted`. Only `ledger.services.transfer`
changes the posted columns, and only together with the transfer row that explains the change;
the CHECK constraints below are the last line of defence if anything else tries."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pfdo.db import IntPk, Kopecks, Timestamp, db

if TYPE_CHECKING:  # the account is above; only its name is needed here
    from pfdo.accounts.models import User


class AccountKind(StrEnum):
    FUND = "fund"  #: the financing period's budget ("fund:<period>")
    CERTIFICATE = "certificate"  #: a child's spendable money ("certificate:<certificate>")
    #: money reserved for one contract ("escrow:<contract>"); it belongs to the certificate its
    #: first RESERVE came from (no owner column: see the docstring of ledger.services)
    ESCROW = "escrow"
    PAYABLE = "payable"  #: owed to a provider ("payable:<provider>")


class TransferKind(StrEnum):
    TOPUP = "topup"  #: fund → certificate
    RESERVE = "reserve"  #: certificate → escrow
    PAYMENT = "payment"  #: escrow → payable
    RELEASE = "release"  #: escrow → certificate
    RETURN = "return"  #: certificate → fund, at the period's end
    CORRECTION = "correction"  #: a reversing entry between any two accounts


#: The direction each kind may move money in (debit kind, credit kind); None: any direction.
TRANSFER_DIRECTIONS: dict[TransferKind, tuple[AccountKind, AccountKind] | None] = {
    TransferKind.TOPUP: (AccountKind.FUND, AccountKind.CERTIFICATE),
    TransferKind.RESERVE: (AccountKind.CERTIFICATE, AccountKind.ESCROW),
    TransferKind.PAYMENT: (AccountKind.ESCROW, AccountKind.PAYABLE),
    TransferKind.RELEASE: (AccountKind.ESCROW, AccountKind.CERTIFICATE),
    TransferKind.RETURN: (AccountKind.CERTIFICATE, AccountKind.FUND),
    TransferKind.CORRECTION: None,
}

TRANSFER_KIND_LABELS = {
    TransferKind.TOPUP: "пополнение",
    TransferKind.RESERVE: "резервирование",
    TransferKind.PAYMENT: "оплата",
    TransferKind.RELEASE: "возврат резерва",
    TransferKind.RETURN: "возврат в бюджет",
    TransferKind.CORRECTION: "исправление",
}


def _in_list(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class LedgerAccount(db.Model):
    """One account. No foreign keys to domain tables: the code names the owner, so the ledger
    depends on nothing above it."""

    __tablename__ = "ledger_account"
    __table_args__ = (
        CheckConstraint(_in_list("kind", AccountKind), "kind_known"),
        CheckConstraint("debits_posted >= 0", "debits_not_negative"),
        CheckConstraint("credits_posted >= 0", "credits_not_negative"),
        CheckConstraint("overdraft_limit >= 0", "overdraft_limit_not_negative"),
        # Only the fund lends against the period's budget; everything else stays at zero or above.
        CheckConstraint("kind = 'fund' OR overdraft_limit = 0", "overdraft_only_fund"),
        CheckConstraint("credits_posted - debits_posted >= -overdraft_limit", "within_floor"),
        # the dashboard's money held by kind (escrows, payables): an index-only scan on
        # PostgreSQL, which carries the balances in the index
        Index("ix_ledger_account_kind", "kind",
              postgresql_include=["credits_posted", "debits_posted"]),
    )

    id: Mapped[IntPk]
    #: "<kind>:<owner id>", e.g. "fund:3", "certificate:17", "escrow:45", "payable:7"
    code: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    #: running totals, changed only by guarded UPDATEs in ledger.services.transfer
    debits_posted: Mapped[Kopecks] = mapped_column(default=0)
    credits_posted: Mapped[Kopecks] = mapped_column(default=0)
    #: how far below zero the balance may go (the fund: the period's budget; others: 0)
    overdraft_limit: Mapped[Kopecks] = mapped_column(default=0)
    created_at: Mapped[Timestamp]

    def __repr__(self) -> str:
        return f"<LedgerAccount {self.code}>"


class Transfer(db.Model):
    """One movement of money. Immutable: database triggers refuse UPDATE and DELETE; a mistake
    is undone by a new CORRECTION transfer the other way."""

    __tablename__ = "ledger_transfer"
    __table_args__ = (
        CheckConstraint("amount > 0", "amount_positive"),
        CheckConstraint("debit_account_id <> credit_account_id", "accounts_differ"),
        CheckConstraint(_in_list("kind", TransferKind), "kind_known"),
    )

    id: Mapped[IntPk]
    #: idempotency key, e.g. "topup:<certificate>:<period>", "pay:<contract>:<YYYY-MM>"
    key: Mapped[str] = mapped_column(String(120), unique=True)
    debit_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), index=True)
    credit_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), index=True)
    amount: Mapped[Kopecks]
    kind: Mapped[str] = mapped_column(String(20))
    #: shown to parents in the certificate's history, e.g. «Пополнение сертификата на 2026 год»
    reason: Mapped[str] = mapped_column(String(300))
    #: what the money moved for, "<kind>:<id>": "certificate:7", "contract:45", "invoice:12";
    #: billing finds a contract's or an invoice's transfers by it (None: booked before 0009)
    ref: Mapped[str | None] = mapped_column(String(60), index=True)
    #: who caused it; None for the system (cron jobs)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[Timestamp]

    debit_account: Mapped[LedgerAccount] = relationship(foreign_keys=[debit_account_id])
    credit_account: Mapped[LedgerAccount] = relationship(foreign_keys=[credit_account_id])
    actor: Mapped[User | None] = relationship("User")

    @property
    def kind_label(self) -> str:
        return TRANSFER_KIND_LABELS[TransferKind(self.kind)]

    def __repr__(self) -> str:
        return f"<Transfer {self.key} {self.amount}>"

