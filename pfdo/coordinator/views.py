"""The coordinator's pages: the dashboard, the certificate application queue (and its XLSX)
and decisions, the financing periods."""

from __future__ import annotations

from flask import Blueprint, flash, render_template, request, url_for
from flask_login import current_user

from pfdo import xlsx
from pfdo.accounts.access import roles_required
from pfdo.accounts.models import Role
from pfdo.certificates import applications as certificate_applications
from pfdo.certificates import duplicates, staff_search
from pfdo.certificates import services as certificates
from pfdo.certificates.numbers import format_number
from pfdo.children.models import SEX_LABELS
from pfdo.coordinator import dashboard as dashboard_figures
from pfdo.coordinator import services
from pfdo.coordinator.forms import ApplicationFilterForm, PeriodForm, RefusalForm
from pfdo.errors import DomainError
from pfdo.formatting import plural
from pfdo.forms import EmptyForm
from pfdo.municipality import services as municipality
from pfdo.municipality.services import local_today
from pfdo.periods import services as periods
from pfdo.web import (
    add_error,
    arg_int,
    decide,
    form_status,
    redirect_to,
    render_page_or_block,
    send_xlsx,
)

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")


def _actor():
    return current_user._get_current_object()


@bp.route("")
@roles_required(Role.COORDINATOR)
def dashboard():
    today = local_today()
    summary = services.dashboard(today)
    return render_template("coordinator/dashboard.html", summary=summary, today=today,
                           figures=dashboard_figures.figures(today, period=summary.period,
                                                             granted=summary.granted))


# --- Certificate applications --------------------------------------------------------------

def _application_filters():
    filters = ApplicationFilterForm(request.args)
    filters.validate()  # bad dates are shown beside their fields and ignored
    return filters, filters.application_filter()


@bp.route("/applications")
@roles_required(Role.COORDINATOR)
def applications():
    filters, flt = _application_filters()
    pagination = staff_search.search_applications_for(
        _actor(), flt, page=arg_int("page", 1))
    return render_page_or_block("coordinator/applications.html", "results", filters=filters,
                                pagination=pagination, today=local_today(),
                                days_waiting=municipality.days_since)


APPLICATION_COLUMNS = [
    xlsx.Column("Дата подачи", xlsx.DATETIME, 17), xlsx.Column("Ребёнок", width=24),
    xlsx.Column("Возраст, лет", xlsx.INT, 12), xlsx.Column("Статус", width=20),
    xlsx.Column("Ждёт, дней", xlsx.INT, 11),
    xlsx.Column("Рассмотрено или отозвано", xlsx.DATETIME, 17),
    xlsx.Column("Сертификат", width=12), xlsx.Column("Причина отказа", width=44),
]


@bp.route("/applications.xlsx")
@roles_required(Role.COORDINATOR)
def applications_xlsx():
    """The queue as filtered on the page, every row of it."""
    _, flt = _application_filters()
    today = local_today()
    return send_xlsx(f"Заявления на сертификаты {today:%d.%m.%Y}.xlsx", "Заявления",
                     APPLICATION_COLUMNS,
                     staff_search.application_rows_for(_actor(), flt, today=today),
                     timezone=municipality.timezone())


def _detail(application, *, refusal_form=None, status: int = 200):
    """The application's page with every possible duplicate; the full page is a view of the
    child's record (and of the duplicates shown) and is logged."""
    matches = []
    if not request.htmx:
        matches = duplicates.possible_duplicates(application)
        certificate_applications.view_application(application, actor=_actor(),
                                                  duplicates_shown=matches)
    return render_page_or_block(
        "coordinator/application.html", "decision", status, application=application,
        child=application.child, confirm_form=EmptyForm(),
        refusal_form=refusal_form or RefusalForm(formdata=None), today=local_today(),
        sex_labels=SEX_LABELS, format_number=format_number, duplicates=matches)


@bp.route("/applications/<int:application_id>")
@roles_required(Role.COORDINATOR)
def application(application_id: int):
    return _detail(certificate_applications.get_application(application_id))


@bp.route("/children/<int:child_id>")
@roles_required(Role.COORDINATOR)
def child(child_id: int):
    shown = services.view_child(child_id, actor=_actor())
    return render_template("coordinator/child.html", child=shown, today=local_today(),
                           applications=certificate_applications.applications_of(shown),
                           certificate=certificates.certificate_of(shown),
                           sex_labels=SEX_LABELS)


@bp.route("/applications/<int:application_id>/confirm", methods=["POST"])
@roles_required(Role.COORDINATOR)
def confirm(application_id: int):
    application = certificate_applications.get_application(application_id)
    return decide(
        EmptyForm(),
        lambda: certificate_applications.confirm_application(application, actor=_actor()),
        success=lambda certificate: (f"Сертификат № {format_number(certificate.number)} выдан: "
                                     f"{application.child.short_name}"),
        back=url_for("coordinator.application", application_id=application.id),
        done=url_for("coordinator.applications"))


@bp.route("/applications/<int:application_id>/refuse", methods=["POST"])
@roles_required(Role.COORDINATOR)
def refuse(application_id: int):
    application = certificate_applications.get_application(application_id)
    form = RefusalForm()
    return decide(
        form, lambda: certificate_applications.refuse_application(
            application, form.reason.data, actor=_actor()),
        success=lambda _: f"Отказ отправлен родителю: {application.child.short_name}",
        back=url_for("coordinator.application", application_id=application.id),
        done=url_for("coordinator.applications"),
        rerender=lambda invalid, status: _detail(application, refusal_form=invalid,
                                                 status=status))


# --- Financing periods -------------------------------------------------------------------

@bp.route("/periods")
@roles_required(Role.COORDINATOR)
def period_list():
    today = local_today()
    return render_template("coordinator/periods.html", periods=periods.all_periods(),
                           today=today, state_of=services.period_state,
                           states=services.PERIOD_STATES)


def _save_period(form: PeriodForm, period=None):
    """Validate and save; on success flash and redirect, else None (errors are on the form)."""
    if not form.validate_on_submit():
        return None
    try:
        saved, granted = services.save_period(form.period_data(), actor=_actor(),
                                              today=local_today(), period=period)
    except DomainError as error:
        if error.field == "bands":  # about the bands together: shown above their fieldset
            form.band_errors.append(error.message)
        else:
            add_error(form, error)
        return None
    flash(f"Период «{saved.title}» сохранён", "success")
    if granted:
        flash(f"Освободившиеся места получили {granted} "
              f"{plural(granted, 'сертификат', 'сертификата', 'сертификатов')} из очереди",
              "info")
    return redirect_to(url_for("coordinator.period_list"))


def _period_status(form: PeriodForm) -> int:
    return 422 if form.band_errors else form_status(form)


@bp.route("/periods/new", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def new_period():
    form = PeriodForm() if request.method == "POST" else PeriodForm.for_new(local_today())
    return _save_period(form) or render_page_or_block(
        "coordinator/period_form.html", "form", _period_status(form), form=form, period=None)


@bp.route("/periods/<int:period_id>/edit", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def edit_period(period_id: int):
    period = periods.get_or_404(period_id)
    form = PeriodForm() if request.method == "POST" else PeriodForm.for_period(period)
    return _save_period(form, period) or render_page_or_block(
        "coordinator/period_form.html", "form", _period_status(form), form=form,
        period=period)
