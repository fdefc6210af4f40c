"""The coordinator's enrolment pages: every offer and contract of the municipality, and how the
providers keep the answer deadlines of the requests."""

from __future__ import annotations

from flask import render_template, request

from pfdo.accounts.access import roles_required
from pfdo.accounts.models import Role
from pfdo.enrollments import lists
from pfdo.enrollments.provider_forms import CoordinatorContractFilterForm
from pfdo.enrollments.views import bp
from pfdo.municipality.services import local_today
from pfdo.web import arg_int, render_page_or_block


@bp.route("/coordinator/contracts")
@roles_required(Role.COORDINATOR)
def coordinator_contracts():
    filters = CoordinatorContractFilterForm(request.args).offer(
        lists.all_providers(), lists.provider_programs(None))
    pagination = lists.all_contracts(filters.contract_filter(), page=arg_int("page", 1))
    return render_page_or_block("enrollments/coordinator_contracts.html", "results",
                                filters=filters, pagination=pagination, today=local_today(),
                                deadline_words=lists.deadline_words)


@bp.route("/coordinator/enrolments/deadlines")
@roles_required(Role.COORDINATOR)
def provider_deadlines():
    return render_template("enrollments/coordinator_deadlines.html",
                           rows=lists.provider_deadlines(local_today()))
