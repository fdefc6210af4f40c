"""The coordinator's enrolment pages: every offer and contract of the municipality, and how the
providers keep the answer deadlines of the requests."""

from __future__ import annotations

from flask import render_template, request

from pfdo import xlsx
from pfdo.accounts.access import roles_required
from pfdo.accounts.models import Role
from pfdo.enrollments import lists
from pfdo.enrollments.provider_forms import CoordinatorContractFilterForm
from pfdo.enrollments.views import bp
from pfdo.municipality.services import local_today, timezone
from pfdo.web import arg_int, render_page_or_block, send_xlsx


@bp.route("/coordinator/contracts")
@roles_required(Role.COORDINATOR)
def coordinator_contracts():
    filters = CoordinatorContractFilterForm(request.args).offer(
        lists.all_providers(), lists.provider_programs(None))
    pagination = lists.all_contracts(filters.contract_filter(), page=arg_int("page", 1))
    return render_page_or_block("enrollments/coordinator_contracts.html", "results",
                                filters=filters, pagination=pagination, today=local_today(),
                                deadline_words=lists.deadline_words)


CONTRACT_COLUMNS = [
    xlsx.Column("Номер", width=11), xlsx.Column("Ребёнок", width=22),
    xlsx.Column("Поставщик", width=34), xlsx.Column("Программа", width=34),
    xlsx.Column("Группа", width=18), xlsx.Column("Статус", width=22),
    xlsx.Column("Первый месяц", xlsx.DATE, 13), xlsx.Column("Окончание", xlsx.DATE, 12),
    xlsx.Column("Оферта направлена", xlsx.DATETIME, 18),
    xlsx.Column("Принят", xlsx.DATETIME, 18),
    xlsx.Column("За счёт сертификата", xlsx.MONEY, 18),
    xlsx.Column("Доплата семьи", xlsx.MONEY, 15),
]


@bp.route("/coordinator/contracts.xlsx")
@roles_required(Role.COORDINATOR)
def coordinator_contracts_xlsx():
    """The contracts list as filtered on the page, every row of it."""
    filters = CoordinatorContractFilterForm(request.args).offer(
        lists.all_providers(), lists.provider_programs(None))
    return send_xlsx(f"Договоры {local_today():%d.%m.%Y}.xlsx", "Договоры",
                     CONTRACT_COLUMNS, lists.contract_rows(filters.contract_filter()),
                     timezone=timezone())


@bp.route("/coordinator/enrolments/deadlines")
@roles_required(Role.COORDINATOR)
def provider_deadlines():
    return render_template("enrollments/coordinator_deadlines.html",
                           rows=lists.provider_deadlines(local_today()))
