"""The balance as the family sees it, derived from the ledger (never stored), and what the
current period credited: a grant made after the period began is the nominal pro-rated by
months, so it is named for what it is («Зачислено на 2026 год за 1 мес.»), not «Номинал»."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pfdo.certificates.financing import grant_for
from pfdo.certificates.models import Certificate
from pfdo.ledger import escrow
from pfdo.ledger import services as ledger
from pfdo.ledger.models import AccountKind, Transfer, TransferKind
from pfdo.municipality import services as municipality
from pfdo.periods import services as periods


@dataclass(frozen=True)
class Balance:
    #: credited for the current period: its nominal, pro-rated when financed after it began
    credited: int
    #: the months of the current period the credit covers (0: not financed in this period)
    credited_months: int
    #: the first of those months (None: not financed in this period)
    credited_from: date | None
    #: the current period's nominal for the child (for all `period_months` months)
    period_nominal: int
    period_months: int
    reserved: int   # held for contracts' coming months
    paid: int       # paid to providers
    available: int  # what can still be spent

    @property
    def partial(self) -> bool:
        """Financed after the period began: less than the nominal was credited."""
        return 0 < self.credited_months < self.period_months


def _first_month(ends_on: date, months: int) -> date:
    index = ends_on.year * 12 + ends_on.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def balance(certificate: Certificate, *, today: date) -> Balance:
    """Derived from the ledger, never stored, in a fixed number of queries: the certificate's
    account and the escrows it reserved into (pfdo.ledger.escrow); the credit of the period
    `today` falls in."""
    period = periods.current_period(today)
    grant = grant_for(certificate, period) if period else None
    credited = (grant.amount, grant.months, _first_month(period.ends_on, grant.months)) \
        if grant else (0, 0, None)
    nominal = period.nominal_for_age(certificate.child.age_on(
        municipality.local_date(grant.granted_at) if grant else today)) if period else 0
    months = period.months if period else 0
    account = ledger.find_account(certificate.account_code)
    if account is None:
        return Balance(*credited, nominal, months, 0, 0, 0)
    # One query each, however long the history: the money in the certificate's contracts'
    # escrows now and what they paid out, and the certificate's own balance.
    held = escrow.totals_by_owner([account]).get(account.id, escrow.EscrowTotals())
    return Balance(*credited, nominal, months, reserved=held.held, paid=held.paid,
                   available=ledger.balances([account])[account.id])


#: the kinds of transfer in the family's words
HISTORY_LABELS = {
    TransferKind.TOPUP: "зачисление на сертификат",
    TransferKind.RESERVE: "резерв по договору",
    TransferKind.PAYMENT: "оплата занятий",
    TransferKind.RELEASE: "возврат на сертификат",
    TransferKind.RETURN: "возврат в бюджет",
    TransferKind.CORRECTION: "исправление",
}


@dataclass(frozen=True)
class HistoryRow:
    transfer: Transfer
    #: what the transfer did to the money available on the certificate (0: a payment or its
    #: correction, which moves money already reserved between a contract and its provider)
    amount: int
    #: the money available on the certificate after the transfer
    balance_after: int
    #: a payment to a provider out of the reserve (or its correction), not the certificate's
    #: own account
    from_reserve: int = 0

    @property
    def ref(self) -> str | None:
        """`contract:<id>` for a transfer of a contract's money (the contract's own ref, or its
        escrow's: a monthly payment's ref is the invoice, which is not the family's page)."""
        if (self.transfer.ref or "").startswith("contract:"):
            return self.transfer.ref
        for side in (self.transfer.debit_account, self.transfer.credit_account):
            kind, _, number = side.code.partition(":")
            if side.kind == AccountKind.ESCROW and kind == "escrow":
                return f"contract:{number}"
        return self.transfer.ref

    @property
    def label(self) -> str:
        if self.transfer.kind == TransferKind.CORRECTION and self.from_reserve > 0:
            return "отмена оплаты"
        return HISTORY_LABELS[TransferKind(self.transfer.kind)]


def history(certificate: Certificate) -> list[HistoryRow]:
    """The certificate's operations, newest first, with the money available after each: its
    own transfers, and the payments to providers out of its contracts' reserves. One query
    for the transfers and one for the balance."""
    account = ledger.find_account(certificate.account_code)
    if account is None:
        return []
    rows, after = [], ledger.balances([account])[account.id]
    for transfer in escrow.owner_history(account):
        if account.id in (transfer.debit_account_id, transfer.credit_account_id):
            amount = ledger.signed_amount(transfer, account)
            rows.append(HistoryRow(transfer, amount, after))
            after -= amount
        else:
            # out of an escrow to a payable: a payment (−), or a correction back (+)
            paid_out = transfer.debit_account.kind == AccountKind.ESCROW
            rows.append(HistoryRow(transfer, 0, after,
                                   from_reserve=-transfer.amount if paid_out
                                   else transfer.amount))
    return rows
