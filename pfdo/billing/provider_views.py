"""The provider's reports for each month and the invoices built from them."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from pfdo.accounts.access import roles_required
from pfdo.accounts.models import Role
from pfdo.billing import access
from pfdo.billing.views import bp


@bp.route("/provider/reports/<int:report_id>")
@roles_required(Role.PROVIDER)
def provider_report(report_id: int):
    report = access.own_report(current_user, report_id)
    return render_template("billing/provider_report.html", report=report)
