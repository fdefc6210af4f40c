"""The coordinator's invoice queue, an invoice with its decision, and the month's overview."""

from __future__ import annotations

from flask import render_template

from pfdo.accounts.access import roles_required
from pfdo.accounts.models import Role
from pfdo.billing import invoices
from pfdo.billing.views import bp


@bp.route("/coordinator/invoices/<int:invoice_id>")
@roles_required(Role.COORDINATOR)
def coordinator_invoice(invoice_id: int):
    invoice = invoices.get(invoice_id)
    return render_template("billing/coordinator_invoice.html", invoice=invoice)
