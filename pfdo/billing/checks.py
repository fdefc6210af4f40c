"""The monthly close's side of `flask ledger-check` (registered by the factory):

- a paid invoice's PAYMENT transfers (ref `invoice:<id>`) sum to its issued certificate total,
  and none of its months is still reserved;
- a month is paid only through an approved or paid invoice that lists it as delivered."""

from __future__ import annotations

from sqlalchemy import and_, func, literal, select

from pfdo.billing.models import Invoice, InvoiceStatus, ServiceReportLine
from pfdo.db import db
from pfdo.enrollments.models import ContractMonth, MonthStatus
from pfdo.ledger.checks import register_check
from pfdo.ledger.models import Transfer, TransferKind


@register_check
def paid_invoices_match_payments() -> list[str]:
    ref = literal("invoice:") + func.cast(Invoice.id, db.String)
    paid = (select(Transfer.ref, func.sum(Transfer.amount).label("total"))
            .where(Transfer.kind == TransferKind.PAYMENT, Transfer.ref.like("invoice:%"))
            .group_by(Transfer.ref).subquery())
    rows = db.session.execute(
        select(Invoice.id, Invoice.certificate_total, func.coalesce(paid.c.total, 0))
        .outerjoin(paid, paid.c.ref == ref)
        .where(Invoice.status == InvoiceStatus.PAID,
               Invoice.certificate_total != func.coalesce(paid.c.total, 0))
        .order_by(Invoice.id)).all()
    breaches = [f"invoice {iid} is paid with {int(moved)} kopecks, its total is {total}"
                for iid, total, moved in rows]
    open_lines = db.session.execute(
        select(Invoice.id, func.count())
        .join(ServiceReportLine, ServiceReportLine.report_id == Invoice.report_id)
        .join(ContractMonth, ContractMonth.id == ServiceReportLine.contract_month_id)
        .where(Invoice.status == InvoiceStatus.PAID, ContractMonth.status == MonthStatus.RESERVED)
        .group_by(Invoice.id).order_by(Invoice.id)).all()
    breaches += [f"invoice {iid} is paid but {n} of its months are still reserved"
                 for iid, n in open_lines]
    return breaches


@register_check
def paid_months_were_invoiced() -> list[str]:
    rows = db.session.execute(
        select(ContractMonth.id)
        .outerjoin(ServiceReportLine, ServiceReportLine.contract_month_id == ContractMonth.id)
        .outerjoin(Invoice, and_(Invoice.report_id == ServiceReportLine.report_id,
                                 Invoice.status.in_((InvoiceStatus.APPROVED,
                                                     InvoiceStatus.PAID))))
        .where(ContractMonth.status == MonthStatus.PAID,
               (Invoice.id.is_(None)) | (ServiceReportLine.delivered.is_(False)))
        .order_by(ContractMonth.id)).all()
    return [f"contract month {mid} is paid without an approved invoice listing it delivered"
            for (mid,) in rows]
