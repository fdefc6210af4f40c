"""The provider's reports for each month and the invoices built from them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import groupby

from flask import flash, render_template, request, url_for
from flask_login import current_user

from pfdo.accounts.access import roles_required
from pfdo.accounts.models import Role
from pfdo.billing import access, lists, months, reports
from pfdo.billing.provider_forms import CHECK_LINES, SUBMIT, LineInput, OpenReportForm, ReportForm
from pfdo.billing.views import bp
from pfdo.errors import DomainError
from pfdo.formatting import count_with_noun
from pfdo.money import format_rub
from pfdo.municipality.services import local_today
from pfdo.providers.access import own_provider_or_404
from pfdo.web import STALE_PAGE, redirect_to


def _actor():
    return current_user._get_current_object()


@bp.route("/provider/reports")
@roles_required(Role.PROVIDER)
def provider_reports():
    provider = own_provider_or_404(current_user)
    today = local_today()
    return render_template("billing/provider_reports.html", provider=provider,
                           rows=lists.provider_months(provider, today), today=today,
                           open_form=OpenReportForm(formdata=None))


@bp.route("/provider/reports/open", methods=["POST"])
@roles_required(Role.PROVIDER)
def provider_open_report():
    provider = own_provider_or_404(current_user)
    form = OpenReportForm()
    back = url_for("billing.provider_reports")
    if not form.validate_on_submit():
        flash(form.month.errors[0] if form.month.errors else STALE_PAGE, "danger")
        return redirect_to(back)
    try:
        report = reports.open_report(provider, months.parse(form.month_key()),
                                     today=local_today())
    except DomainError as error:
        flash(str(error), "warning")
        return redirect_to(back)
    return redirect_to(url_for("billing.provider_report", report_id=report.id))


@dataclass(frozen=True)
class ReportSection:
    program: str
    group: str
    lines: list
    not_delivered: int
    is_open: bool


def _sorted_lines(report):
    return sorted(report.lines, key=lambda line: (
        line.contract.program.title, line.contract.group.name, line.contract.child.last_name,
        line.contract.child.first_name, line.id))


def _report_page(report, *, form=None, inputs=None, status: int = 200):
    lines = _sorted_lines(report)
    if inputs is None:
        inputs = {line.id: LineInput(delivered=line.delivered, comment=line.comment or "")
                  for line in lines}
    def delivered(line) -> bool:
        return inputs.get(line.id, LineInput(line.delivered, "")).delivered

    not_delivered = sum(1 for line in lines if not delivered(line))
    # one section per group, as the provider's teachers keep their registers; with many
    # groups only those with a month not delivered or an error are open
    grouped = [list(g) for _, g in groupby(
        lines, key=lambda line: (line.contract.program_id, line.contract.group_id))]
    sections = []
    for rows in grouped:
        missed = sum(1 for line in rows if not delivered(line))
        error = any(getattr(inputs.get(line.id), "error", None) for line in rows)
        sections.append(ReportSection(rows[0].contract.program.title,
                                      rows[0].contract.group.name, rows, missed,
                                      is_open=len(grouped) <= 3 or bool(missed) or error))
    body = render_template(
        "billing/provider_report.html", report=report, lines=lines, inputs=inputs,
        sections=sections,
        form=form or ReportForm(formdata=None), label=reports.month_label(report.month),
        due_on=months.due_on(report.month),
        late=months.is_late(report.month, local_today()) and report.invoice is None,
        not_delivered=not_delivered)
    return body, status


@bp.route("/provider/reports/<int:report_id>")
@roles_required(Role.PROVIDER)
def provider_report(report_id: int):
    return _report_page(access.own_report(current_user, report_id))


@bp.route("/provider/reports/<int:report_id>", methods=["POST"])
@roles_required(Role.PROVIDER)
def provider_save_report(report_id: int):
    report = access.own_report(current_user, report_id)
    back = url_for("billing.provider_report", report_id=report_id)
    form = ReportForm()
    if not form.validate_on_submit():
        flash(STALE_PAGE, "danger")
        return redirect_to(back)
    marks, inputs = form.read(request.form, {line.id for line in report.lines})
    if form.refused(inputs):
        return _report_page(report, form=form, inputs=inputs, status=422)
    try:
        if form.pressed() == SUBMIT:
            invoice = reports.submit(report, marks, actor=_actor(), today=local_today())
        else:
            reports.save(report, marks, actor=_actor())
    except DomainError as error:
        report = access.own_report(current_user, report_id)
        if not report.editable:  # submitted meanwhile (another tab, a colleague)
            flash(str(error), "warning")
            return redirect_to(back)
        line_id = _line_of(error.field)
        if line_id in inputs:
            inputs[line_id].error = error.message
            form.form_errors.append(CHECK_LINES)
        else:
            form.form_errors.append(error.message)
        return _report_page(report, form=form, inputs=inputs, status=422)
    if form.pressed() == SUBMIT:
        flash(f"Отчёт за {reports.month_label(report.month)} отправлен координатору: счёт "
              f"{invoice.number} на {format_rub(invoice.certificate_total)} "
              f"({count_with_noun(invoice.delivered_count, 'договор', 'договора', 'договоров')})."
              , "success")
        return redirect_to(url_for("billing.provider_invoice", invoice_id=invoice.id))
    flash("Черновик отчёта сохранён. Отправьте отчёт, когда всё проверите.", "success")
    return redirect_to(back)


def _line_of(field: str | None) -> int | None:
    prefix = "comment-"
    if field and field.startswith(prefix) and re.fullmatch(r"[0-9]{1,10}", field[len(prefix):]):
        return int(field[len(prefix):])
    return None


@bp.route("/provider/invoices/<int:invoice_id>")
@roles_required(Role.PROVIDER)
def provider_invoice(invoice_id: int):
    invoice = access.own_invoice(current_user, invoice_id)
    return render_template("billing/provider_invoice.html", invoice=invoice,
                           lines=lists.invoice_lines(invoice),
                           events=lists.invoice_events(invoice))
