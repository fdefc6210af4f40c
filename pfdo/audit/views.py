"""The admin's view of the audit log."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, request

from pfdo.accounts.access import roles_required
from pfdo.accounts.models import Role
from pfdo.audit import services
from pfdo.audit.forms import AuditFilterForm
from pfdo.municipality import services as municipality
from pfdo.navigation import section_title
from pfdo.web import arg_int, render_page_or_block

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.route("")
@roles_required(Role.ADMIN)
def log():
    filters = AuditFilterForm(request.args)
    filters.validate()  # bad dates are shown beside their fields and ignored
    flt = services.AuditFilter(
        action=filters.action.data or "",
        actor=filters.actor.data or "",
        date_from=None if filters.date_from.errors else filters.date_from.data,
        date_to=None if filters.date_to.errors else filters.date_to.data,
    )
    pagination = services.search(flt, tz=municipality.timezone(),
                                 page=arg_int("page", 1))
    return render_page_or_block("audit/log.html", "results", filters=filters,
                                pagination=pagination, labels=services.ACTION_LABELS,
                                object_labels=services.OBJECT_LABELS,
                                timezone=municipality.timezone(),
                                describe=partial(services.describe_details,
                                                 endpoint_title=section_title))
