"""The coordinator's decisions on an invoice and the money they move (docs/domain.md §9):

- `return_` sends a submitted invoice back with remarks; the provider corrects the report and
  submits again;
- `approve` approves a submitted one and settles it: each delivered month's certificate share
  goes from the contract's escrow to the provider's payable account (`pay:<contract>:<YYYY-MM>`,
  ref `invoice:<id>`), each month not delivered goes back to the certificate
  (`release:<contract>:<YYYY-MM>`), and the months are marked paid or released;
- `settle` does the money part in batches (`flask close-month` commits after each, so a crash
  loses at most one batch and a rerun finishes the rest: the keys make every month move once);
- `correct` reverses one paid month after approval with a reason: a CORRECTION from the payable
  back into the escrow and a RELEASE to the certificate — new transfers, never an edit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import String, and_, case, cast, func, literal, select, update

from pfdo import clock, faults
from pfdo.accounts.models import User
from pfdo.audit import services as audit
from pfdo.billing import months
from pfdo.billing.models import (
    COMMENT_MAX,
    EventKind,
    Invoice,
    InvoiceEvent,
    InvoiceStatus,
    ServiceReportLine,
)
from pfdo.billing.reports import month_label
from pfdo.db import db, unit_of_work
from pfdo.enrollments import notices
from pfdo.enrollments.models import Contract, ContractMonth, MonthStatus
from pfdo.errors import DomainError, NotFound
from pfdo.ledger import bulk
from pfdo.ledger import services as ledger
from pfdo.ledger.models import AccountKind, LedgerAccount, TransferKind
from pfdo.money import format_rub
from pfdo.programs.models import Program

BATCH = 2000


@dataclass
class Settled:
    paid: int = 0
    paid_amount: int = 0
    released: int = 0
    released_amount: int = 0
    #: every month of the invoice is settled: the invoice is paid
    done: bool = False

    def add(self, other: Settled) -> None:
        self.paid += other.paid
        self.paid_amount += other.paid_amount
        self.released += other.released
        self.released_amount += other.released_amount
        self.done = other.done


def get(invoice_id: int) -> Invoice:
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound("Счёт не найден")
    return invoice


def _locked(invoice: Invoice) -> Invoice:
    """Re-read the invoice under a row lock (PostgreSQL; SQLite's BEGIN IMMEDIATE already
    serialises writers): two approvals or closes of one invoice take turns."""
    db.session.execute(select(Invoice.id).where(Invoice.id == invoice.id).with_for_update())
    db.session.refresh(invoice)
    return invoice


def _event(invoice: Invoice, kind: EventKind, actor: User | None, comment: str | None = None):
    db.session.add(InvoiceEvent(invoice_id=invoice.id, kind=kind, comment=comment,
                                actor_id=actor.id if actor is not None else None))


def _remarks(text: str, what: str) -> str:
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise DomainError(f"Укажите {what}", field="remarks")
    if len(cleaned) > COMMENT_MAX:
        raise DomainError(f"Не длиннее {COMMENT_MAX} символов", field="remarks")
    return cleaned


def return_(invoice: Invoice, remarks: str, *, actor: User) -> Invoice:
    """Send a submitted invoice back to the provider with remarks. Refuses an invoice that is
    not waiting for a decision, or empty remarks."""
    remarks = _remarks(remarks, "замечания для поставщика")
    with unit_of_work():
        _locked(invoice)
        if invoice.status != InvoiceStatus.SUBMITTED:
            raise DomainError(f"Счёт {invoice.number} {invoice.status_label}: вернуть его "
                              "нельзя")
        invoice.status = InvoiceStatus.RETURNED
        invoice.remarks = remarks
        _event(invoice, EventKind.RETURNED, actor, remarks)
        audit.record(actor, "billing.invoice_returned", invoice, {"remarks": remarks})
        _tell_provider(invoice, f"Счёт {invoice.number} за {month_label(invoice.month)} "
                                f"возвращён на исправление: {remarks}",
                       subject="Счёт возвращён на исправление",
                       template="emails/invoice_returned.txt")
    return invoice


def mark_approved(invoice: Invoice, *, actor: User | None) -> bool:
    """Approve a submitted invoice (flushes only; the caller settles). False when it was
    approved already; refuses one returned."""
    _locked(invoice)
    if invoice.status in (InvoiceStatus.APPROVED, InvoiceStatus.PAID):
        return False
    if invoice.status != InvoiceStatus.SUBMITTED:
        raise DomainError(f"Счёт {invoice.number} {invoice.status_label}: одобрить его нельзя")
    invoice.status = InvoiceStatus.APPROVED
    invoice.approved_at = clock.now()
    invoice.approved_by_id = actor.id if actor is not None else None
    _event(invoice, EventKind.APPROVED, actor,
           None if actor is not None else "при закрытии месяца")
    audit.record(actor, "billing.invoice_approved", invoice,
                 {"month": months.key(invoice.month), "amount": invoice.certificate_total})
    db.session.flush()
    return True


def approve(invoice: Invoice, *, actor: User) -> Settled:
    """Approve a submitted invoice and pay it in one transaction. Refuses one that is not
    waiting for a decision."""
    with unit_of_work():
        if not mark_approved(invoice, actor=actor):
            raise DomainError(f"Счёт {invoice.number} уже одобрен")
        result = settle(invoice, actor=actor)
    return result


def _batch(invoice: Invoice, limit: int | None) -> tuple[Settled, int, int, int]:
    """The batch — the invoice's first `limit` lines whose month is still reserved — summed
    by the database: what it pays and releases, how many months move money (a share of 0
    moves none), how many lines it has and the last one's id."""
    lines = (select(ServiceReportLine.id, ServiceReportLine.delivered,
                    ContractMonth.certificate_share.label("share"))
             .join(ContractMonth, ContractMonth.id == ServiceReportLine.contract_month_id)
             .where(ServiceReportLine.report_id == invoice.report_id,
                    ContractMonth.status == MonthStatus.RESERVED)
             .order_by(ServiceReportLine.id))
    if limit is not None:
        lines = lines.limit(limit)
    batch = lines.subquery()
    result, moving, count, last = Settled(), 0, 0, 0
    for delivered, months_, amount, positive, top in db.session.execute(
            select(batch.c.delivered, func.count(), func.sum(batch.c.share),
                   func.sum(case((batch.c.share > 0, 1), else_=0)), func.max(batch.c.id))
            .group_by(batch.c.delivered)):
        if delivered:
            result.paid, result.paid_amount = months_, int(amount)
        else:
            result.released, result.released_amount = months_, int(amount)
        moving, count, last = moving + int(positive), count + months_, max(last, top)
    return result, moving, count, last


def _transfers(invoice: Invoice, payable_id: int, last_line: int):
    """The batch's transfers as one SELECT (bulk.post_from_select): each delivered month's
    share from the contract's escrow to the provider's payable account, each month not
    delivered back to the contract's certificate; the joins hold the ledger's rules (an
    escrow account of that contract, the certificate of that contract, a positive share)."""
    dialect = db.session.connection().dialect.name
    escrow, certificate = db.aliased(LedgerAccount), db.aliased(LedgerAccount)
    label, month_key = month_label(invoice.month), months.key(invoice.month)
    delivered = ServiceReportLine.delivered.is_(True)
    number = Contract.number_sql(Contract.id, dialect)
    suffix = literal(":") + cast(Contract.id, String) + literal(f":{month_key}")
    reason = case(
        (delivered, literal("Оплата по договору ") + number + literal(": «") + Program.title
         + literal(f"», {label}")),
        else_=literal(f"Возврат: за {label} занятия по договору ") + number + literal(" «")
        + Program.title + literal("» не проводились"))
    return (select(
        case((delivered, literal("pay")), else_=literal("release")) + suffix,
        escrow.id,
        case((delivered, literal(payable_id)), else_=certificate.id),
        ContractMonth.certificate_share,
        case((delivered, literal(str(TransferKind.PAYMENT))),
             else_=literal(str(TransferKind.RELEASE))),
        func.substr(reason, 1, 300),
        literal(invoice.ledger_ref, String))
        .select_from(ServiceReportLine)
        .join(ContractMonth, ContractMonth.id == ServiceReportLine.contract_month_id)
        .join(Contract, Contract.id == ServiceReportLine.contract_id)
        .join(Program, Program.id == Contract.program_id)
        .join(escrow, and_(escrow.code == literal("escrow:") + cast(Contract.id, String),
                           escrow.kind == AccountKind.ESCROW))
        .outerjoin(certificate, and_(
            certificate.code == literal("certificate:") + cast(Contract.certificate_id, String),
            certificate.kind == AccountKind.CERTIFICATE))
        .where(ServiceReportLine.report_id == invoice.report_id,
               ServiceReportLine.id <= last_line,
               ContractMonth.status == MonthStatus.RESERVED,
               ContractMonth.certificate_share > 0))


def settle(invoice: Invoice, *, actor: User | None, limit: int | None = None) -> Settled:
    """Pay (or release) up to `limit` of the approved invoice's months still reserved, in the
    caller's transaction; marks the invoice paid when none is left. Idempotent: a month
    already settled is not picked again, and its ledger key would not move money twice.
    Refuses an invoice that is not approved."""
    _locked(invoice)
    result = Settled()
    if invoice.status == InvoiceStatus.PAID:
        result.done = True
        return result
    if invoice.status != InvoiceStatus.APPROVED:
        raise DomainError(f"Счёт {invoice.number} {invoice.status_label}: сначала его нужно "
                          "одобрить")
    result, moving, count, last_line = _batch(invoice, limit)
    if moving:
        payable = ledger.get_or_create_account(f"payable:{invoice.provider_id}",
                                               AccountKind.PAYABLE)
        bulk.post_from_select(_transfers(invoice, payable.id, last_line), expected=moving,
                              actor=actor)
    if result.released:
        _tell_released(invoice, last_line)  # reads the months while they are still reserved
    if count:
        _mark_months(invoice, last_line)
    if limit is None or count < limit:
        _finish(invoice, actor)
        result.done = True
    db.session.flush()
    # the crash tests kill here: the batch is posted but not committed (must leave nothing)
    faults.point("close-month.settle")
    return result


def _mark_months(invoice: Invoice, last_line: int) -> None:
    """Mark the batch's months paid (delivered) or released: under the invoice's lock the
    batch is exactly the report's lines up to `last_line` whose month is still reserved, so
    one set-based UPDATE does it whatever the batch size."""
    line = ServiceReportLine
    db.session.execute(
        update(ContractMonth)
        .where(ContractMonth.id == line.contract_month_id, line.report_id == invoice.report_id,
               line.id <= last_line, ContractMonth.status == MonthStatus.RESERVED)
        .values(status=case((line.delivered.is_(True), literal(str(MonthStatus.PAID))),
                            else_=literal(str(MonthStatus.RELEASED))),
                settled_at=clock.now())
        .execution_options(synchronize_session=False))


def _tell_released(invoice: Invoice, last_line: int) -> None:
    """Tell each family whose month of the batch was not delivered (read before the months
    are marked), the notices and e-mails added for one flush."""
    label = month_label(invoice.month)
    rows = db.session.execute(
        select(Contract.id, Contract.parent_id, Program.title, ContractMonth.certificate_share)
        .select_from(ServiceReportLine)
        .join(ContractMonth, ContractMonth.id == ServiceReportLine.contract_month_id)
        .join(Contract, Contract.id == ServiceReportLine.contract_id)
        .join(Program, Program.id == Contract.program_id)
        .where(ServiceReportLine.report_id == invoice.report_id,
               ServiceReportLine.id <= last_line, ServiceReportLine.delivered.is_(False),
               ContractMonth.status == MonthStatus.RESERVED)
        .order_by(ServiceReportLine.id)).all()
    parents = {user.id: user for user in db.session.scalars(select(User).where(
        User.id.in_({row.parent_id for row in rows})))}
    for contract_id, parent_id, title, share in rows:
        back = f" {format_rub(share)} вернулись на сертификат." if share else ""
        notices.to_parent(
            parents[parent_id],
            f"Занятия по договору Д-{contract_id:06d} «{title}» за {label} не "
            f"проводились: этот месяц не оплачен.{back}",
            endpoint="enrollments.contract", contract_id=contract_id,
            subject="Месяц не оплачен: занятий не было", template="emails/month_released.txt",
            title=title, number=f"Д-{contract_id:06d}", month=label, amount=share)


def _finish(invoice: Invoice, actor: User | None) -> None:
    """The invoice is paid: its last batch came back short under the invoice's lock, so no
    month of it is left reserved."""
    invoice.status = InvoiceStatus.PAID
    invoice.paid_at = clock.now()
    _event(invoice, EventKind.PAID, actor)
    audit.record(actor, "billing.invoice_paid", invoice,
                 {"month": months.key(invoice.month), "amount": invoice.certificate_total})
    _tell_provider(invoice, f"Счёт {invoice.number} за {invoice_month(invoice)} оплачен: "
                            f"{format_rub(invoice.certificate_total)}.",
                   subject="Счёт оплачен", template="emails/invoice_paid.txt")


def _tell_provider(invoice: Invoice, text: str, *, subject: str, template: str, **context):
    """A notice and an e-mail to the provider about its invoice, linking to the report."""
    notices.to_provider(invoice.provider, text, endpoint="billing.provider_report",
                        report_id=invoice.report_id, subject=subject, template=template,
                        invoice=invoice, month=invoice_month(invoice), **context)


def invoice_month(invoice: Invoice) -> str:
    return month_label(invoice.month)


def correct(line: ServiceReportLine, reason: str, *, actor: User, today: date) -> int:
    """Reverse one paid month of an approved invoice: its certificate share goes back from the
    provider's payable account to the contract's escrow and on to the certificate, the month
    becomes released. Returns the kopecks reversed.

    Refuses: an invoice not paid yet (return it instead), a month not delivered or not paid,
    a month corrected already, an empty reason."""
    reason = _remarks(reason, "причину исправления")
    with unit_of_work():
        invoice = _locked(line.report.invoice) if line.report.invoice else None
        if invoice is None or invoice.status not in (InvoiceStatus.APPROVED,
                                                     InvoiceStatus.PAID):
            raise DomainError("Исправление возможно только в одобренном счёте; неодобренный "
                              "счёт верните поставщику")
        db.session.refresh(line)
        month = line.contract_month
        db.session.refresh(month)
        if line.corrected_at is not None:
            raise DomainError("Этот месяц уже исправлен")
        if not line.delivered or month.status != MonthStatus.PAID:
            raise DomainError("Исправить можно только оплаченный месяц")
        contract = line.contract
        amount = month.certificate_share
        key = f"{contract.id}:{months.key(month.month)}"
        label = month_label(month.month)
        if amount > 0:
            payable = ledger.get_or_create_account(f"payable:{invoice.provider_id}",
                                                   AccountKind.PAYABLE)
            held = ledger.find_account(contract.escrow_code)
            ledger.transfer(key=f"correction:{key}", debit=payable, credit=held, amount=amount,
                            kind=TransferKind.CORRECTION, ref=invoice.ledger_ref, actor=actor,
                            reason=f"Исправление счёта {invoice.number}: {reason}"[:300])
            ledger.transfer(key=f"release:{key}", debit=held,
                            credit=ledger.find_account(contract.certificate.account_code),
                            amount=amount, kind=TransferKind.RELEASE, ref=invoice.ledger_ref,
                            actor=actor,
                            reason=f"Возврат по исправлению: {label}, договор "
                                   f"{contract.number} «{contract.program.title}»"[:300])
        month.status = MonthStatus.RELEASED
        month.settled_at = clock.now()
        line.corrected_at = clock.now()
        line.correction_reason = reason
        line.corrected_by_id = actor.id
        _event(invoice, EventKind.CORRECTED, actor,
               f"{contract.number}, {label}: {reason}"[:COMMENT_MAX])
        audit.record(actor, "billing.month_corrected", invoice,
                     {"contract": contract.number, "month": months.key(month.month),
                      "amount": amount, "reason": reason})
        _tell_provider(invoice, f"Исправление счёта {invoice.number}: оплата за {label} по "
                                f"договору {contract.number} ({format_rub(amount)}) отозвана. "
                                f"Причина: {reason}",
                       subject="Исправление счёта", template="emails/invoice_corrected.txt",
                       number=contract.number, amount=amount, reason=reason)
        if amount:
            notices.to_parent(
                contract.parent,
                f"Оплата за {label} по договору {contract.number} «{contract.program.title}» "
                f"отменена: {format_rub(amount)} вернулись на сертификат.",
                endpoint="enrollments.contract", contract_id=contract.id,
                subject="Оплата месяца отменена", template="emails/month_released.txt",
                title=contract.program.title, number=contract.number, month=label,
                amount=amount)
    return amount
