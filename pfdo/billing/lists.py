"""The provider's side of the monthly close as lists: one row per month the provider had
contracts in (with its report and invoice), and an invoice's lines and history — each in a
fixed number of queries, however many contracts the month holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from pfdo.billing import months
from pfdo.billing.models import (
    DRAFT,
    Invoice,
    InvoiceEvent,
    InvoiceStatus,
    ServiceReport,
    ServiceReportLine,
)
from pfdo.children.models import Child
from pfdo.db import db
from pfdo.enrollments.models import Contract, ContractMonth, ContractStatus, MonthStatus
from pfdo.formatting import month_name
from pfdo.programs.models import Group, Program
from pfdo.providers.models import Provider

#: a month that has ended and has no report yet
NOT_STARTED = "not_started"
#: a month still running: its report opens on the 1st of the next one
RUNNING = "running"

STATUS_LABELS = {
    NOT_STARTED: "не начат",
    DRAFT: "черновик",
    InvoiceStatus.SUBMITTED: "на проверке",
    InvoiceStatus.RETURNED: "возвращён на исправление",
    InvoiceStatus.APPROVED: "одобрен",
    InvoiceStatus.PAID: "оплачен",
}


@dataclass(frozen=True)
class ReportMonth:
    """One month of the provider's «Отчёты и счета»."""

    month: date
    #: contracts running in the month (its report's lines once it is submitted)
    contracts: int
    report: ServiceReport | None
    status: str
    status_label: str
    due_on: date
    #: submitted after the due date, or not submitted and the due date has passed
    late: bool

    @property
    def key(self) -> str:
        return months.key(self.month)

    @property
    def label(self) -> str:
        return f"{month_name(self.month)} {self.month.year}"

    @property
    def invoice(self) -> Invoice | None:
        return self.report.invoice if self.report is not None else None

    @property
    def opens_on(self) -> date:
        return months.next_month(self.month)


def _contract_counts(provider: Provider) -> dict[date, int]:
    rows = db.session.execute(
        select(ContractMonth.month, func.count(ContractMonth.id))
        .join(Contract, Contract.id == ContractMonth.contract_id)
        .where(Contract.provider_id == provider.id, ContractMonth.status != MonthStatus.DROPPED,
               Contract.status.in_((ContractStatus.ACTIVE, ContractStatus.TERMINATED)))
        .group_by(ContractMonth.month))
    return {month: count for month, count in rows}


def _status(report: ServiceReport | None, ended: bool) -> str:
    if not ended:
        return RUNNING
    if report is None:
        return NOT_STARTED
    return report.status


def _late(report: ServiceReport | None, due: date, today: date) -> bool:
    invoice = report.invoice if report is not None else None
    if invoice is not None:
        return invoice.first_submitted_at.date() > due
    return today > due


def provider_months(provider: Provider, today: date) -> list[ReportMonth]:
    """Every month the provider had contracts in, and every month it has a report for, the
    latest first: up to the current month, which is shown as running."""
    counts = _contract_counts(provider)
    reports = {report.month: report for report in db.session.scalars(
        select(ServiceReport).where(ServiceReport.provider_id == provider.id)
        .options(selectinload(ServiceReport.invoice)))}
    current = today.replace(day=1)
    rows = []
    for month in sorted(set(counts) | set(reports), reverse=True):
        if month > current:
            continue  # a contract's future months: nothing to report yet
        report = reports.get(month)
        ended = months.has_ended(month, today)
        status = _status(report, ended)
        due = months.due_on(month)
        contracts = counts.get(month, 0)
        if report is not None and report.invoice is not None:
            contracts = report.invoice.delivered_count + report.invoice.undelivered_count
        rows.append(ReportMonth(
            month=month, contracts=contracts, report=report, status=status,
            status_label=STATUS_LABELS.get(status, "идёт"), due_on=due,
            late=ended and _late(report, due, today)))
    return rows


def _lines_query(report_id: int):
    return (select(ServiceReportLine)
            .join(ServiceReportLine.contract_month)
            .join(ServiceReportLine.contract)
            .join(Contract.child)
            .join(Contract.program)
            .join(Contract.group)
            .where(ServiceReportLine.report_id == report_id)
            .options(contains_eager(ServiceReportLine.contract_month),
                     contains_eager(ServiceReportLine.contract).contains_eager(Contract.child),
                     contains_eager(ServiceReportLine.contract).contains_eager(Contract.program),
                     contains_eager(ServiceReportLine.contract).contains_eager(Contract.group),
                     selectinload(ServiceReportLine.corrected_by))
            .order_by(Program.title, Group.name, Child.last_name, Child.first_name,
                      ServiceReportLine.id))


def invoice_lines(invoice: Invoice) -> list[ServiceReportLine]:
    """The invoice's lines, delivered and not, in a fixed number of queries."""
    return list(db.session.scalars(_lines_query(invoice.report_id)).unique())


def invoice_events(invoice: Invoice) -> list[InvoiceEvent]:
    """The invoice's history, oldest first, with who acted."""
    return list(db.session.scalars(
        select(InvoiceEvent).where(InvoiceEvent.invoice_id == invoice.id)
        .options(selectinload(InvoiceEvent.actor)).order_by(InvoiceEvent.id)))


@dataclass(frozen=True)
class LineSums:
    """The sums an invoice page shows beside the totals as issued."""

    delivered: int
    not_delivered: int
    corrected: int
    corrected_amount: int


def line_sums(lines: list[ServiceReportLine]) -> LineSums:
    corrected = [line for line in lines if line.corrected_at is not None]
    return LineSums(
        delivered=sum(1 for line in lines if line.delivered),
        not_delivered=sum(1 for line in lines if not line.delivered),
        corrected=len(corrected),
        corrected_amount=sum(line.contract_month.certificate_share for line in corrected))
