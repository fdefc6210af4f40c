"""The provider's enrolment pages: incoming requests with their deadlines, the answer (an offer
or a refusal with a reason), contracts, and the pupils of each group."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from pfdo.accounts.access import roles_required
from pfdo.accounts.models import Role
from pfdo.enrollments import access
from pfdo.enrollments.views import bp


@bp.route("/provider/enrolments/requests/<int:request_id>")
@roles_required(Role.PROVIDER)
def provider_request(request_id: int):
    found = access.provider_request(current_user, request_id)
    return render_template("enrollments/provider_request.html", request_=found)


@bp.route("/provider/enrolments/contracts/<int:contract_id>")
@roles_required(Role.PROVIDER)
def provider_contract(contract_id: int):
    found = access.provider_contract(current_user, contract_id)
    return render_template("enrollments/provider_contract.html", contract=found)
