"""The coordinator's forms of the monthly close: the invoice queue's filters, and the decisions
on an invoice — approve (a button), return with remarks, correct a paid month with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from pfdo.billing import months, queue
from pfdo.billing.models import COMMENT_MAX, Invoice, InvoiceStatus, ServiceReportLine
from pfdo.enrollments.models import MonthStatus
from pfdo.errors import DomainError
from pfdo.formatting import month_range
from pfdo.forms import BaseForm, FilterForm, required
from pfdo.money import format_rub

STATUS_CHOICES = [
    SelectChoice(queue.ALL, "Все"),
    SelectChoice(str(InvoiceStatus.SUBMITTED), "На проверке"),
    SelectChoice(str(InvoiceStatus.RETURNED), "Возвращены на исправление"),
    SelectChoice(str(InvoiceStatus.APPROVED), "Одобрены, оплачиваются"),
    SelectChoice(str(InvoiceStatus.PAID), "Оплачены"),
]


def _picked(field, default: str = "") -> str:
    """The value picked in a select if it is one of its choices, else `default`: a value made
    up in the address is ignored rather than refused."""
    value = field.data or ""
    return value if value in {str(c.value) for c in field.choices} else default


class InvoiceFilterForm(FilterForm):
    month = SelectField("Месяц", default="", validate_choice=False, choices=[])
    status = SelectField("Статус", default=queue.ALL, validate_choice=False,
                         choices=STATUS_CHOICES)
    provider = SelectField("Поставщик", default="", validate_choice=False, choices=[])

    def offer(self, invoice_months: list[date], providers) -> InvoiceFilterForm:
        self.month.choices = [SelectChoice("", "Все месяцы"), *(
            SelectChoice(months.key(m), month_range(m, m)) for m in invoice_months)]
        self.provider.choices = [SelectChoice("", "Все"), *(
            SelectChoice(str(p.id), p.display_name) for p in providers)]
        return self

    def invoice_filter(self) -> queue.InvoiceFilter:
        month = _picked(self.month)
        provider = _picked(self.provider)
        return queue.InvoiceFilter(
            month=months.parse(month) if month else None,
            status=_picked(self.status, queue.ALL),
            provider_id=int(provider) if provider else None)


def version(invoice: Invoice) -> str:
    """Which submission of the invoice a page shows: an approval made on a page older than the
    last (re)submission is refused as stale, since its figures may have changed."""
    return f"{invoice.id}:{invoice.submitted_at.timestamp():.6f}"


class ApproveForm(BaseForm):
    """«Одобрить и оплатить»: a button, with the submission the page showed."""

    seen = HiddenField()


@dataclass(frozen=True)
class Preview:
    """What approving will do, as the button's explanation says it."""

    paid: int
    paid_amount: int
    released: int
    released_amount: int


def approval_preview(invoice: Invoice, lines: list[ServiceReportLine]) -> Preview:
    not_delivered = [line for line in lines if not line.delivered]
    return Preview(paid=invoice.delivered_count, paid_amount=invoice.certificate_total,
                   released=len(not_delivered),
                   released_amount=sum(line.contract_month.certificate_share
                                       for line in not_delivered))


class ReturnForm(BaseForm):
    remarks = TextAreaField(
        "Замечания для поставщика",
        [required("Напишите, что исправить: замечания прочитает поставщик"),
         Length(max=COMMENT_MAX, message=f"Не длиннее {COMMENT_MAX} символов")],
        description="Поставщик прочитает их, исправит отчёт и отправит счёт снова.",
        render_kw={"rows": 3})


def correctable(lines: list[ServiceReportLine]) -> list[ServiceReportLine]:
    """The lines a correction may reverse: delivered, paid, not corrected yet."""
    return [line for line in lines
            if line.delivered and line.corrected_at is None
            and line.contract_month.status == MonthStatus.PAID]


def line_label(line: ServiceReportLine) -> str:
    """«Д-000045, Иванова А. П., март 2026 — 1 200,00 ₽»."""
    month = line.contract_month
    return (f"{line.contract.number}, {line.contract.child.short_name}, "
            f"{month_range(month.month, month.month)} — {format_rub(month.certificate_share)}")


class CorrectionForm(BaseForm):
    line = SelectField("Оплаченный месяц", [required("Выберите месяц, оплату которого отозвать")],
                       validate_choice=False, choices=[])
    reason = TextAreaField(
        "Причина исправления",
        [required("Укажите причину исправления: её прочитают поставщик и семья"),
         Length(max=COMMENT_MAX, message=f"Не длиннее {COMMENT_MAX} символов")],
        description="Её прочитают поставщик и семья: например, «ребёнок не посещал занятия "
                    "в этом месяце».",
        render_kw={"rows": 3})

    def offer(self, lines: list[ServiceReportLine]) -> CorrectionForm:
        self._lines = {str(line.id): line for line in correctable(lines)}
        self.line.choices = [SelectChoice("", "Выберите договор и месяц"), *(
            SelectChoice(key, line_label(line)) for key, line in self._lines.items())]
        return self

    def picked_line(self) -> ServiceReportLine:
        """The line picked, if the page offered it; refuses anything else beside the field."""
        line = self._lines.get(self.line.data or "")
        if line is None:
            raise DomainError("Этот месяц нельзя исправить: выберите оплаченный месяц из списка",
                              field="line")
        return line
