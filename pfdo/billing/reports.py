"""The provider's service report for a month (реестр договоров за месяц, docs/domain.md §9):
from the 1st of the next month its contracts active in the month, each delivered (the default)
or not delivered with a comment; submitting it builds the invoice (`Invoice`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.audit import services as audit
from pfdo.billing import months
from pfdo.billing.models import (
    COMMENT_MAX,
    EventKind,
    Invoice,
    InvoiceEvent,
    InvoiceStatus,
    ServiceReport,
    ServiceReportLine,
)
from pfdo.db import db, unit_of_work
from pfdo.enrollments.models import Contract, ContractMonth, ContractStatus, MonthStatus
from pfdo.errors import DomainError, NotFound
from pfdo.formatting import month_name
from pfdo.providers.models import Provider

#: the month statuses a report picks up: held (or, in a period not opened yet, planned)
OPEN_MONTHS = (MonthStatus.RESERVED, MonthStatus.PLANNED)


@dataclass(frozen=True)
class Mark:
    """The provider's mark on one line: delivered, or not with a comment."""

    line_id: int
    delivered: bool
    comment: str = ""


def month_label(month: date) -> str:
    return f"{month_name(month)} {month.year}"


def _open_months(provider_id: int, month: date):
    reported = select(ServiceReportLine.contract_month_id)
    return (select(ContractMonth)
            .join(Contract, Contract.id == ContractMonth.contract_id)
            .where(Contract.provider_id == provider_id, ContractMonth.month == month,
                   Contract.status.in_((ContractStatus.ACTIVE, ContractStatus.TERMINATED)),
                   ContractMonth.status.in_(OPEN_MONTHS),
                   ContractMonth.id.not_in(reported))
            .order_by(ContractMonth.contract_id))


def has_contracts(provider: Provider, month: date) -> bool:
    """Whether the provider had contracts running in the month (a report is expected)."""
    return db.session.scalar(
        select(func.count()).select_from(ContractMonth)
        .join(Contract, Contract.id == ContractMonth.contract_id)
        .where(Contract.provider_id == provider.id, ContractMonth.month == month,
               ContractMonth.status != MonthStatus.DROPPED,
               Contract.status.in_((ContractStatus.ACTIVE, ContractStatus.TERMINATED)))) > 0


def find(provider: Provider, month: date) -> ServiceReport | None:
    return db.session.scalar(select(ServiceReport).where(
        ServiceReport.provider_id == provider.id, ServiceReport.month == month))


def _sync(report: ServiceReport) -> int:
    """Add a line for every open contract-month of the month not in the report yet."""
    added = 0
    for month_row in db.session.scalars(_open_months(report.provider_id, report.month)):
        db.session.add(ServiceReportLine(report_id=report.id, contract_month_id=month_row.id,
                                         contract_id=month_row.contract_id, delivered=True))
        added += 1
    if added:
        db.session.flush()
        db.session.expire(report, ["lines"])
    return added


def ensure(provider: Provider, month: date) -> ServiceReport:
    """The provider's report for the month, created (with every contract-month delivered) and
    brought up to date. Flushes only."""
    report = find(provider, month)
    if report is None:
        report = ServiceReport(provider_id=provider.id, month=month)
        db.session.add(report)
        db.session.flush()
    if report.editable:
        _sync(report)
    return report


def open_report(provider: Provider, month: date, *, today: date) -> ServiceReport:
    """The report for the month, ready to fill in.

    Refuses: a month that has not ended yet («с 1 ноября»); a month without contracts."""
    if not months.has_ended(month, today):
        first = months.next_month(month)
        raise DomainError(f"Отчёт за {month_label(month)} можно заполнить с 1 "
                          f"{month_name(first, case='genitive')} {first.year}")
    report = find(provider, month)
    if report is None and not has_contracts(provider, month):
        raise DomainError(f"За {month_label(month)} у организации нет действующих договоров: "
                          "отчёт не нужен")
    with unit_of_work():
        report = ensure(provider, month)
    return report


def load(report_id: int) -> ServiceReport:
    report = db.session.scalar(
        select(ServiceReport).where(ServiceReport.id == report_id)
        .options(selectinload(ServiceReport.lines).selectinload(ServiceReportLine.contract_month),
                 selectinload(ServiceReport.lines).selectinload(ServiceReportLine.contract)
                 .selectinload(Contract.child),
                 selectinload(ServiceReport.lines).selectinload(ServiceReportLine.contract)
                 .selectinload(Contract.program),
                 selectinload(ServiceReport.lines).selectinload(ServiceReportLine.contract)
                 .selectinload(Contract.group)))
    if report is None:
        raise NotFound("Отчёт не найден")
    return report


def _clean_comment(value: str) -> str:
    text = " ".join((value or "").split())
    if len(text) > COMMENT_MAX:
        raise DomainError(f"Комментарий — не длиннее {COMMENT_MAX} символов", field="comment")
    return text


def _apply(report: ServiceReport, marks: list[Mark]) -> None:
    lines = {line.id: line for line in report.lines}
    for mark in marks:
        line = lines.get(mark.line_id)
        if line is None:
            raise DomainError("Строка отчёта не найдена: обновите страницу")
        comment = _clean_comment(mark.comment)
        if not mark.delivered and not comment:
            raise DomainError(f"Договор {line.contract.number}: укажите, почему занятия не "
                              "проводились", field=f"comment-{line.id}")
        line.delivered = mark.delivered
        line.comment = comment or None


def _refuse_unless_editable(report: ServiceReport) -> None:
    if not report.editable:
        raise DomainError(f"Отчёт за {month_label(report.month)} уже отправлен "
                          f"({report.status_label}): изменить его нельзя")


def save(report: ServiceReport, marks: list[Mark], *, actor: User) -> ServiceReport:
    """Keep the provider's marks without submitting. Refuses a report already submitted."""
    with unit_of_work():
        _refuse_unless_editable(report)
        _sync(report)
        _apply(report, marks)
        audit.record(actor, "billing.report_saved", report, {"month": months.key(report.month)})
    return report


def submit(report: ServiceReport, marks: list[Mark], *, actor: User, today: date) -> Invoice:
    """Apply the marks and submit: the invoice is (re)built from the delivered months and goes
    to the coordinator.

    Refuses: a month not over; a report already submitted or approved; a not-delivered line
    without a comment; a month whose period has not been opened (its money is not reserved)."""
    with unit_of_work():
        if not months.has_ended(report.month, today):
            raise DomainError(f"{month_label(report.month).capitalize()} ещё не закончился")
        _refuse_unless_editable(report)
        _sync(report)
        _apply(report, marks)
        if not report.lines:
            raise DomainError("В отчёте нет договоров: отправлять нечего")
        planned = [line for line in report.lines
                   if line.contract_month.status == MonthStatus.PLANNED]
        if planned:
            raise DomainError(
                f"Оплата за {month_label(report.month)} ещё не зарезервирована: период "
                f"финансирования на {report.month.year} год не открыт. Отправьте отчёт после "
                "открытия периода")
        invoice = _build_invoice(report, actor=actor)
        audit.record(actor, "billing.report_submitted", invoice,
                     {"month": months.key(report.month), "amount": invoice.certificate_total,
                      "delivered": invoice.delivered_count,
                      "not_delivered": invoice.undelivered_count})
    return invoice


def _build_invoice(report: ServiceReport, *, actor: User) -> Invoice:
    delivered = [line for line in report.lines if line.delivered]
    now = clock.now()
    invoice = report.invoice
    if invoice is None:
        invoice = Invoice(report_id=report.id, provider_id=report.provider_id,
                          month=report.month, first_submitted_at=now)
        db.session.add(invoice)
    invoice.status = InvoiceStatus.SUBMITTED
    invoice.certificate_total = sum(line.contract_month.certificate_share for line in delivered)
    invoice.family_total = sum(line.contract_month.family_share for line in delivered)
    invoice.delivered_count = len(delivered)
    invoice.undelivered_count = len(report.lines) - len(delivered)
    invoice.submitted_at = now
    invoice.submitted_by_id = actor.id
    db.session.flush()
    db.session.add(InvoiceEvent(invoice_id=invoice.id, kind=EventKind.SUBMITTED,
                                actor_id=actor.id))
    db.session.flush()
    db.session.refresh(report, ["invoice"])
    return invoice
