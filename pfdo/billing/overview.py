"""What the coordinator reads about a month: per provider with contracts in it, whether it
reported, the invoice's status and total, and who is late (docs/domain.md §9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from pfdo.billing import months
from pfdo.billing.models import Invoice, InvoiceStatus, ServiceReport
from pfdo.db import db
from pfdo.enrollments.models import Contract, ContractMonth, ContractStatus, MonthStatus
from pfdo.municipality import services as municipality
from pfdo.providers.models import Provider


@dataclass(frozen=True)
class ProviderMonth:
    provider_id: int
    provider_name: str
    #: contract-months the provider had in the month
    contract_months: int
    report_id: int | None
    invoice_id: int | None
    invoice_status: str | None
    certificate_total: int
    first_submitted_at: datetime | None
    due_on: date
    #: not submitted by the due day (still missing, or submitted after it)
    late: bool

    @property
    def status_label(self) -> str:
        if self.invoice_status is None:
            return "не подан"
        return InvoiceStatus(self.invoice_status).label


@dataclass(frozen=True)
class MonthTotals:
    providers: int
    reported: int
    approved: int
    returned: int
    waiting: int
    late: int
    #: the certificate shares of the invoices submitted, approved or paid
    to_pay: int
    paid: int


def month_rows(month: date, *, today: date) -> list[ProviderMonth]:
    """One row per provider with contracts running in the month, by name; one query."""
    counts = (select(Contract.provider_id, func.count().label("n"))
              .join(ContractMonth, ContractMonth.contract_id == Contract.id)
              .where(ContractMonth.month == month, ContractMonth.status != MonthStatus.DROPPED,
                     Contract.status.in_((ContractStatus.ACTIVE, ContractStatus.TERMINATED)))
              .group_by(Contract.provider_id).subquery())
    due = months.due_on(month)
    rows = db.session.execute(
        select(Provider.id, Provider.short_name, func.coalesce(counts.c.n, 0),
               ServiceReport.id, Invoice.id, Invoice.status, Invoice.certificate_total,
               Invoice.first_submitted_at)
        .select_from(Provider)
        .outerjoin(counts, counts.c.provider_id == Provider.id)
        .outerjoin(ServiceReport, (ServiceReport.provider_id == Provider.id)
                   & (ServiceReport.month == month))
        .outerjoin(Invoice, Invoice.report_id == ServiceReport.id)
        .where((counts.c.n > 0) | (Invoice.id.is_not(None)))
        .order_by(Provider.short_name, Provider.id)).all()
    result = []
    for pid, name, n, report_id, invoice_id, status, total, first in rows:
        submitted_on = municipality.local_date(first) if first is not None else None
        late = (submitted_on > due) if submitted_on is not None else today > due
        result.append(ProviderMonth(pid, name, int(n), report_id, invoice_id, status,
                                    int(total or 0), first, due, late))
    return result


def totals(rows: list[ProviderMonth]) -> MonthTotals:
    reported = [r for r in rows if r.invoice_status is not None]
    return MonthTotals(
        providers=len(rows), reported=len(reported),
        approved=sum(r.invoice_status in (InvoiceStatus.APPROVED, InvoiceStatus.PAID)
                     for r in rows),
        returned=sum(r.invoice_status == InvoiceStatus.RETURNED for r in rows),
        waiting=sum(r.invoice_status == InvoiceStatus.SUBMITTED for r in rows),
        late=sum(r.late and r.invoice_status is None for r in rows),
        to_pay=sum(r.certificate_total for r in reported
                   if r.invoice_status != InvoiceStatus.RETURNED),
        paid=sum(r.certificate_total for r in rows if r.invoice_status == InvoiceStatus.PAID))
