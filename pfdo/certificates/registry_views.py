"""The coordinator's certificate registry pages (certificates.registry): the filtered list,
the card with the child's record, balance and history, suspension and resumption."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user

from pfdo import xlsx
from pfdo.accounts.access import roles_required
from pfdo.accounts.models import Role
from pfdo.certificates import balance, registry
from pfdo.certificates.forms import RegistryFilterForm, SuspendForm
from pfdo.certificates.views import bp
from pfdo.forms import EmptyForm
from pfdo.municipality.services import local_today, timezone
from pfdo.web import arg_int, decide, render_page_or_block, send_xlsx


def _actor():
    return current_user._get_current_object()


def _filter():
    filters = RegistryFilterForm(request.args)
    filters.validate()
    return filters, registry.RegistryFilter(query=filters.q.data or "",
                                            status=filters.status.data or "",
                                            kind=filters.kind.data or "")


REGISTRY_COLUMNS = [
    xlsx.Column("Номер", width=12), xlsx.Column("Ребёнок", width=24),
    xlsx.Column("Дата рождения", xlsx.DATE, 14), xlsx.Column("Вид", width=44),
    xlsx.Column("Статус", width=14), xlsx.Column("Причина", width=40),
    xlsx.Column("Выдан", xlsx.DATE, 12), xlsx.Column("Действует до", xlsx.DATE, 13),
]


@bp.route("/coordinator/certificates.xlsx")
@roles_required(Role.COORDINATOR)
def registry_xlsx():
    """The registry as filtered on the page, every row of it."""
    _, flt = _filter()
    return send_xlsx(f"Сертификаты {local_today():%d.%m.%Y}.xlsx", "Сертификаты",
                     REGISTRY_COLUMNS, registry.rows(flt), timezone=timezone())


@bp.route("/coordinator/certificates")
@roles_required(Role.COORDINATOR)
def registry_list():
    filters, flt = _filter()
    pagination = registry.search(flt, page=arg_int("page", 1))
    return render_page_or_block("certificates/registry.html", "results", filters=filters,
                                pagination=pagination)


def _card(certificate, *, suspend_form=None, status: int = 200):
    today = local_today()
    return render_template(
        "certificates/registry_card.html", certificate=certificate, child=certificate.child,
        balance=balance.balance(certificate, today=today),
        history=balance.history(certificate)[:20], today=today,
        suspend_form=suspend_form or SuspendForm(formdata=None), resume_form=EmptyForm()), status


@bp.route("/coordinator/certificates/<int:certificate_id>")
@roles_required(Role.COORDINATOR)
def registry_card(certificate_id: int):
    return _card(registry.view(certificate_id, actor=_actor()))


@bp.route("/coordinator/certificates/<int:certificate_id>/suspend", methods=["POST"])
@roles_required(Role.COORDINATOR)
def registry_suspend(certificate_id: int):
    certificate = registry.get(certificate_id)
    back = url_for("certificates.registry_card", certificate_id=certificate_id)
    form = SuspendForm()
    return decide(form, lambda: registry.suspend(certificate, form.reason.data, actor=_actor()),
                  success="Сертификат приостановлен, семья получила уведомление", back=back,
                  done=back, rerender=lambda f, code: _card(certificate, suspend_form=f,
                                                            status=code))


@bp.route("/coordinator/certificates/<int:certificate_id>/resume", methods=["POST"])
@roles_required(Role.COORDINATOR)
def registry_resume(certificate_id: int):
    certificate = registry.get(certificate_id)
    back = url_for("certificates.registry_card", certificate_id=certificate_id)
    return decide(EmptyForm(), lambda: registry.resume(certificate, actor=_actor()),
                  success="Сертификат снова действует, семья получила уведомление", back=back,
                  done=back)
