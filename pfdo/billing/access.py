"""Ownership: a provider's staff reach only their own organisation's reports and invoices;
anything else is NotFound (404), as if it did not exist."""

from __future__ import annotations

from pfdo.billing import invoices, reports
from pfdo.billing.models import Invoice, ServiceReport
from pfdo.errors import NotFound
from pfdo.providers.access import own_provider_or_404


def own_report(user, report_id: int) -> ServiceReport:
    provider = own_provider_or_404(user)
    report = reports.load(report_id)
    if report.provider_id != provider.id:
        raise NotFound("Отчёт не найден")
    return report


def own_invoice(user, invoice_id: int) -> Invoice:
    provider = own_provider_or_404(user)
    invoice = invoices.get(invoice_id)
    if invoice.provider_id != provider.id:
        raise NotFound("Счёт не найден")
    return invoice
