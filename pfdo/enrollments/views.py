"""The family's enrolment pages: the request from the program page, «Мои записи», the offer
and the contract. The provider's pages are in provider_views, the coordinator's in
coordinator_views (the same blueprint)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from pfdo.accounts.access import roles_required
from pfdo.accounts.models import Role
from pfdo.enrollments import access

bp = Blueprint("enrollments", __name__)


@bp.route("/enrolments")
@roles_required(Role.PARENT)
def mine():
    return render_template("enrollments/mine.html")


@bp.route("/enrolments/contracts/<int:contract_id>")
@roles_required(Role.PARENT)
def contract(contract_id: int):
    found = access.own_contract(current_user, contract_id)
    return render_template("enrollments/contract.html", contract=found)


# The provider's pages are on the same blueprint, in their own module.
from pfdo.enrollments import provider_views  # noqa: E402,F401
from pfdo.enrollments import review_views as review_views  # noqa: E402,F401
