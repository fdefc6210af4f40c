"""The coordinator's invoice queue: every provider's invoices, those waiting for a decision
first (the oldest submission first), filtered by month, status and provider.

The page runs a fixed number of queries however many invoices it shows: the page and its
count, the providers of the page, the filters' choices and the periods (for the due days)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, select
from sqlalchemy.orm import selectinload

from pfdo.billing import months
from pfdo.billing.models import Invoice, InvoiceStatus
from pfdo.db import db
from pfdo.municipality import services as municipality
from pfdo.periods.models import FinancingPeriod
from pfdo.providers.models import Provider

#: the filters' value for "every status"
ALL = "all"
PER_PAGE = 30


@dataclass(frozen=True)
class InvoiceFilter:
    #: the first day of a month, or None for every month
    month: date | None = None
    #: an InvoiceStatus or ALL
    status: str = ALL
    provider_id: int | None = None


@dataclass(frozen=True)
class QueueRow:
    invoice: Invoice
    #: the last day the month's report was due
    due_on: date
    #: first submitted after the due day
    late: bool

    @property
    def lines(self) -> int:
        return self.invoice.delivered_count + self.invoice.undelivered_count


@dataclass(frozen=True)
class Queue:
    pagination: object
    rows: list[QueueRow]


def invoice_months() -> list[date]:
    """The months that have invoices, the latest first (the month filter's choices)."""
    return list(db.session.scalars(
        select(Invoice.month).distinct().order_by(Invoice.month.desc())))


def invoice_providers() -> list[Provider]:
    """The providers that have invoices, by name (the provider filter's choices)."""
    having = select(Invoice.provider_id).distinct()
    return list(db.session.scalars(
        select(Provider).where(Provider.id.in_(having))
        .order_by(Provider.short_name, Provider.id)))


def due_days() -> dict[date, int]:
    """{first day of a period's month: its report_due_day} for every period, one query: the
    queue works out each row's due date without a look-up per month."""
    days = {}
    for starts_on, ends_on, day in db.session.execute(
            select(FinancingPeriod.starts_on, FinancingPeriod.ends_on,
                   FinancingPeriod.report_due_day)):
        month = starts_on.replace(day=1)
        while month <= ends_on:
            days[month] = day
            month = months.next_month(month)
    return days


def due_on(month: date, days: dict[date, int]) -> date:
    """As months.due_on, from the preloaded due days."""
    return months.next_month(month).replace(day=days.get(month, months.DEFAULT_DUE_DAY))


def invoice_queue(flt: InvoiceFilter, *, page: int = 1, per_page: int = PER_PAGE) -> Queue:
    """The invoices matching the filter: submitted ones first, the oldest submission first;
    then the rest, the latest month first (the latest submission first within a month)."""
    stmt = _filtered(select(Invoice).options(selectinload(Invoice.provider)), flt)
    pagination = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    days = due_days() if pagination.items else {}
    rows = []
    for invoice in pagination.items:
        due = due_on(invoice.month, days)
        rows.append(QueueRow(invoice, due,
                             municipality.local_date(invoice.first_submitted_at) > due))
    return Queue(pagination, rows)


def invoice_rows(flt: InvoiceFilter):
    """The filtered invoices as export rows, in the queue's order, read in chunks: number,
    provider, month, status, the certificate's and the families' totals, months delivered and
    not, submitted, approved, paid."""
    stmt = _filtered(select(Invoice.id, Invoice.month, Provider.short_name, Invoice.status,
                            Invoice.certificate_total, Invoice.family_total,
                            Invoice.delivered_count, Invoice.undelivered_count,
                            Invoice.first_submitted_at, Invoice.approved_at, Invoice.paid_at)
                     .join(Provider, Provider.id == Invoice.provider_id), flt)
    for row in db.session.execute(stmt.execution_options(yield_per=1000)):
        invoice_id, month, provider, status, *rest = row
        yield (f"С-{month:%Y-%m}-{invoice_id:06d}", provider, month,
               InvoiceStatus(status).label, *rest)


def _filtered(stmt, flt: InvoiceFilter):
    if flt.month is not None:
        stmt = stmt.where(Invoice.month == flt.month)
    if flt.status != ALL:
        stmt = stmt.where(Invoice.status == flt.status)
    if flt.provider_id:
        stmt = stmt.where(Invoice.provider_id == flt.provider_id)
    waiting = Invoice.status == InvoiceStatus.SUBMITTED
    stmt = stmt.order_by(case((waiting, 0), else_=1),
                         case((waiting, Invoice.submitted_at)),
                         Invoice.month.desc(), Invoice.submitted_at.desc(), Invoice.id.desc())
    return stmt

