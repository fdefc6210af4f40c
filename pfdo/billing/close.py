"""`flask close-month YYYY-MM` (docs/domain.md §9): for every provider that reported the month,
approve its invoice (unless the coordinator returned it) and settle it in batches, each batch
its own transaction. Idempotent and resumable: a month is picked only while it is still
reserved, and its ledger key (`pay:`/`release:<contract>:<YYYY-MM>`) cannot move money twice —
so a second run, a run after a crash at any point, and two runs at once each pay every
contract-month exactly once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import select

from pfdo import faults
from pfdo.billing import invoices as decisions
from pfdo.billing import months, overview
from pfdo.billing.models import Invoice, InvoiceStatus
from pfdo.billing.reports import month_label
from pfdo.db import db, unit_of_work
from pfdo.errors import DomainError


@dataclass
class CloseReport:
    month: date
    invoices: int = 0
    approved_now: int = 0
    settled: decisions.Settled = field(default_factory=decisions.Settled)
    #: invoices paid before this run
    already_paid: int = 0
    #: invoices that were returned and wait for the provider
    returned: list[str] = field(default_factory=list)
    #: providers with contracts in the month and no report submitted
    late: list[str] = field(default_factory=list)

    @property
    def moved_anything(self) -> bool:
        return bool(self.approved_now or self.settled.paid or self.settled.released)


def close_month(month: date, *, today: date, batch: int = decisions.BATCH,
                workers: int = 1) -> CloseReport:
    """Close the month for every provider that reported it. Refuses a month not over yet.

    With `workers` > 1 (PostgreSQL) the invoices are shared among that many threads, each
    with its own connection: invoices share no ledger account but the certificates of the
    months released, whose rows every batch locks in id order, and each invoice is settled
    under its own row lock — the same guarantees that let two closes run at once."""
    if not months.has_ended(month, today):
        raise DomainError(f"{month_label(month).capitalize()} ещё не закончился: закрывать его "
                          "рано")
    ids = list(db.session.scalars(select(Invoice.id).where(Invoice.month == month)
                                  .order_by(Invoice.id)))
    workers = max(1, min(workers, len(ids)))
    if workers == 1:
        parts = [_close_invoices(ids, month, batch)]
    else:
        db.session.rollback()  # the list is read: hold no snapshot while the workers run
        app = current_app._get_current_object()
        shares = [ids[n::workers] for n in range(workers)]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="close") as pool:
            parts = list(pool.map(lambda share: _in_own_context(app, share, month, batch),
                                  shares))
    report = CloseReport(month=month)
    returned: list[tuple[int, str]] = []
    for part, part_returned in parts:
        report.invoices += part.invoices
        report.approved_now += part.approved_now
        report.already_paid += part.already_paid
        report.settled.add(part.settled)
        returned += part_returned
    report.returned = [text for _, text in sorted(returned)]
    report.late = [row.provider_name for row in overview.month_rows(month, today=today)
                   if row.late and row.invoice_status is None]
    return report


def _in_own_context(app, ids: list[int], month: date, batch: int):
    with app.app_context():
        try:
            return _close_invoices(ids, month, batch)
        finally:
            db.session.remove()


def _close_invoices(ids: list[int], month: date,
                    batch: int) -> tuple[CloseReport, list[tuple[int, str]]]:
    """Approve and settle the invoices `ids`, each batch its own transaction; the invoices
    returned to their providers are listed apart, with their ids to keep the order."""
    report, returned = CloseReport(month=month), []
    for invoice_id in ids:
        invoice = db.session.get(Invoice, invoice_id)
        report.invoices += 1
        if invoice.status == InvoiceStatus.RETURNED:
            returned.append((invoice_id, f"{invoice.number} ({invoice.provider.short_name})"))
            continue
        if invoice.status == InvoiceStatus.PAID:
            report.already_paid += 1
            continue
        approve = True  # the approval goes with the first batch: one transaction, not two
        while True:
            with unit_of_work():
                if approve and decisions.mark_approved(invoice, actor=None):
                    report.approved_now += 1
                step = decisions.settle(invoice, actor=None, limit=batch)
            approve = False
            report.settled.add(step)
            faults.point("close-month.batch")
            if step.done:
                break
    return report, returned
