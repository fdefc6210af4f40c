"""The coordinator's deletion requests: the list with the days left, a request's page with
the family it concerns and what the erasure will end, and carrying it out."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from pfdo.accounts.access import roles_required
from pfdo.accounts.models import Role
from pfdo.enrollments.contracts import last_day_of_month
from pfdo.municipality.services import local_today
from pfdo.privacy import deletion
from pfdo.privacy.forms import CarryOutForm, DeletionFilterForm
from pfdo.privacy.models import DeletionStatus
from pfdo.web import arg_int, decide, render_page_or_block

bp = Blueprint("deletions", __name__, url_prefix="/coordinator/data-deletion")


def _actor():
    return current_user._get_current_object()


@bp.route("")
@roles_required(Role.COORDINATOR)
def index():
    # without a choice, the requests waiting: what the coordinator has to do
    filters = DeletionFilterForm(request.args, status=str(DeletionStatus.PENDING))
    status = filters.status_value
    pagination = deletion.requests_page(status=status, page=arg_int("page", 1))
    return render_page_or_block("privacy/deletions.html", "results", filters=filters,
                                pagination=pagination, today=local_today())


def _card(found, form=None, status: int = 200):
    family = deletion.family(found, actor=_actor()) \
        if found.status == DeletionStatus.PENDING else None
    today = local_today()
    return render_template("privacy/deletion_card.html", request_=found, family=family,
                           today=today, ends_on=last_day_of_month(today),
                           form=form or CarryOutForm(formdata=None)), status


@bp.route("/<int:deletion_id>")
@roles_required(Role.COORDINATOR)
def card(deletion_id: int):
    return _card(deletion.get(deletion_id))


@bp.route("/<int:deletion_id>/carry-out", methods=["POST"])
@roles_required(Role.COORDINATOR)
def carry_out(deletion_id: int):
    found = deletion.get(deletion_id)
    back = url_for("deletions.card", deletion_id=deletion_id)
    form = CarryOutForm()
    return decide(form, lambda: deletion.carry_out(found, actor=_actor(), today=local_today()),
                  success="Данные семьи удалены: договоры расторгнуты, сертификаты закрыты, "
                          "родителю отправлено письмо", back=back, done=back,
                  rerender=lambda f, code: _card(found, f, code))
