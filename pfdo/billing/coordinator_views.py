"""The coordinator's invoice queue, an invoice with its decision, and the month's overview."""

from __future__ import annotations

from flask import make_response, render_template, request, url_for
from flask_login import current_user

from pfdo import xlsx
from pfdo.accounts.access import roles_required
from pfdo.accounts.models import Role
from pfdo.billing import invoices, lists, months, overview, queue
from pfdo.billing.coordinator_forms import (
    ApproveForm,
    CorrectionForm,
    InvoiceFilterForm,
    ReturnForm,
    approval_preview,
    version,
)
from pfdo.billing.views import bp
from pfdo.errors import DomainError, NotFound
from pfdo.formatting import count_with_noun, month_range
from pfdo.money import format_rub
from pfdo.municipality.services import local_today, timezone
from pfdo.web import arg_int, decide, render_page_or_block, send_xlsx


def _actor():
    return current_user._get_current_object()


def _months(n: int) -> str:
    return count_with_noun(n, "месяц", "месяца", "месяцев")


@bp.route("/coordinator/invoices")
@roles_required(Role.COORDINATOR)
def coordinator_invoices():
    filters = InvoiceFilterForm(request.args).offer(queue.invoice_months(),
                                                    queue.invoice_providers())
    found = queue.invoice_queue(filters.invoice_filter(), page=arg_int("page", 1))
    return render_page_or_block("billing/coordinator_invoices.html", "results",
                                filters=filters, pagination=found.pagination, rows=found.rows)


INVOICE_COLUMNS = [
    xlsx.Column("Номер", width=18), xlsx.Column("Поставщик", width=34),
    xlsx.Column("Месяц", xlsx.DATE, 11), xlsx.Column("Статус", width=22),
    xlsx.Column("За счёт сертификатов", xlsx.MONEY, 20),
    xlsx.Column("Доплаты семей", xlsx.MONEY, 15),
    xlsx.Column("Месяцев проведено", xlsx.INT, 12), xlsx.Column("Не проведено", xlsx.INT, 12),
    xlsx.Column("Подан", xlsx.DATETIME, 17), xlsx.Column("Одобрен", xlsx.DATETIME, 17),
    xlsx.Column("Оплачен", xlsx.DATETIME, 17),
]


@bp.route("/coordinator/invoices.xlsx")
@roles_required(Role.COORDINATOR)
def coordinator_invoices_xlsx():
    """The invoice queue as filtered on the page, every row of it."""
    filters = InvoiceFilterForm(request.args).offer(queue.invoice_months(),
                                                    queue.invoice_providers())
    return send_xlsx(f"Счета {local_today():%d.%m.%Y}.xlsx", "Счета", INVOICE_COLUMNS,
                     queue.invoice_rows(filters.invoice_filter()), timezone=timezone())


def _invoice_page(invoice, *, return_form=None, correction_form=None, status: int = 200):
    lines = lists.invoice_lines(invoice)
    body = render_template(
        "billing/coordinator_invoice.html", invoice=invoice, lines=lines,
        events=lists.invoice_events(invoice),
        approve_form=ApproveForm(formdata=None, seen=version(invoice)),
        return_form=return_form or ReturnForm(formdata=None),
        correction_form=(correction_form or CorrectionForm(formdata=None)).offer(lines),
        preview=approval_preview(invoice, lines))
    return make_response(body, status)


@bp.route("/coordinator/invoices/<int:invoice_id>")
@roles_required(Role.COORDINATOR)
def coordinator_invoice(invoice_id: int):
    return _invoice_page(invoices.get(invoice_id))


def _back(invoice) -> str:
    return url_for("billing.coordinator_invoice", invoice_id=invoice.id)


def _approved(invoice, settled) -> str:
    text = (f"Счёт {invoice.number} одобрен и оплачен: {_months(settled.paid)} на "
            f"{format_rub(settled.paid_amount)}")
    if settled.released:
        text += (f"; на сертификаты возвращено {_months(settled.released)} на "
                 f"{format_rub(settled.released_amount)}")
    return text + "."


@bp.route("/coordinator/invoices/<int:invoice_id>/approve", methods=["POST"])
@roles_required(Role.COORDINATOR)
def coordinator_approve(invoice_id: int):
    invoice = invoices.get(invoice_id)
    form = ApproveForm()
    return decide(form, lambda: invoices.approve(invoice, actor=_actor()),
                  success=lambda settled: _approved(invoice, settled),
                  back=_back(invoice), done=url_for("billing.coordinator_invoices"),
                  fresh=lambda: form.seen.data == version(invoice))


@bp.route("/coordinator/invoices/<int:invoice_id>/return", methods=["POST"])
@roles_required(Role.COORDINATOR)
def coordinator_return(invoice_id: int):
    invoice = invoices.get(invoice_id)
    form = ReturnForm()
    return decide(
        form, lambda: invoices.return_(invoice, form.remarks.data, actor=_actor()),
        success=lambda _: (f"Счёт {invoice.number} возвращён поставщику "
                           f"«{invoice.provider.display_name}» на исправление с замечаниями."),
        back=_back(invoice), done=url_for("billing.coordinator_invoices"),
        rerender=lambda invalid, status: _invoice_page(invoice, return_form=invalid,
                                                       status=status))


def _corrected(form: CorrectionForm):
    line = form.picked_line()
    amount = invoices.correct(line, form.reason.data, actor=_actor(), today=local_today())
    return line, amount


@bp.route("/coordinator/invoices/<int:invoice_id>/correct", methods=["POST"])
@roles_required(Role.COORDINATOR)
def coordinator_correct(invoice_id: int):
    invoice = invoices.get(invoice_id)
    form = CorrectionForm().offer(lists.invoice_lines(invoice))

    def success(result) -> str:
        line, amount = result
        month = line.contract_month.month
        return (f"Оплата за {month_range(month, month)} по договору {line.contract.number} "
                f"({format_rub(amount)}) отозвана и возвращена на сертификат. Поставщик и "
                "семья получили уведомление.")

    return decide(form, lambda: _corrected(form), success=success,
                  back=_back(invoice), done=_back(invoice),
                  rerender=lambda invalid, status: _invoice_page(invoice,
                                                                 correction_form=invalid,
                                                                 status=status))


@bp.route("/coordinator/billing", defaults={"month": None})
@bp.route("/coordinator/billing/<month>")
@roles_required(Role.COORDINATOR)
def coordinator_month(month: str | None):
    today = local_today()
    if month is None:
        shown = months.previous_month(today)
    else:
        try:
            shown = months.parse(month)
        except DomainError:
            raise NotFound("Такого месяца нет") from None
    rows = overview.month_rows(shown, today=today)
    return render_template(
        "billing/coordinator_month.html", month=shown, rows=rows,
        totals=overview.totals(rows), today=today, label=month_range(shown, shown),
        ended=months.has_ended(shown, today), due_on=months.due_on(shown),
        previous=months.key(months.previous_month(shown)),
        next=months.key(months.next_month(shown))
        if months.has_ended(shown, today) else None)
