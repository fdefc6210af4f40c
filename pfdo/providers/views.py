"""Provider pages: the application, the provider's cabinet, the coordinator's review, the
public registry."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, request, url_for
from flask_login import current_user

from pfdo import storage, xlsx
from pfdo.accounts import sessions
from pfdo.accounts.access import public, roles_required
from pfdo.accounts.landing import landing_endpoint
from pfdo.accounts.models import Role
from pfdo.accounts.services import CONSENT_VERSION
from pfdo.errors import DomainError, NotFound
from pfdo.extensions import limiter
from pfdo.forms import EmptyForm
from pfdo.municipality.services import days_since, local_today, timezone
from pfdo.providers import review as reviewing
from pfdo.providers import services
from pfdo.providers.access import own_provider_or_404
from pfdo.providers.forms import (
    ApplicationForm,
    DocumentForm,
    ProfileForm,
    QueueFilterForm,
    RejectionForm,
)
from pfdo.providers.models import DOCUMENT_KIND_LABELS, OWNERSHIP_LABELS
from pfdo.web import (
    STALE_PAGE,
    add_error,
    arg_int,
    decide,
    form_status,
    redirect_to,
    render_page_or_block,
    send_xlsx,
)

bp = Blueprint("providers", __name__)

def _actor():
    return current_user._get_current_object()


# --- The public application ------------------------------------------------------------------

@bp.route("/providers/apply", methods=["GET", "POST"])
@public
# Each POST may carry four PDFs of 10 MB, checked and stored, and an argon2 hash: per IP.
@limiter.limit(lambda: current_app.config["PROVIDER_APPLY_LIMIT_PER_IP"], methods=["POST"])
def apply():
    if current_user.is_authenticated:
        flash("Заявку на включение в реестр подают без входа в систему: выйдите из учётной "
              "записи и заполните форму заново", "info")
        return redirect_to(url_for(landing_endpoint(current_user)))
    form = ApplicationForm()
    if form.validate_on_submit():
        try:
            _provider, user = services.apply(form.application(), ip=request.remote_addr)
        except DomainError as error:
            add_error(form, error)
        else:
            sessions.start(user)
            flash("Заявка отправлена координатору. Решение придёт на почту и появится "
                  "в этом кабинете", "success")
            return redirect_to(url_for("providers.cabinet"))
    return render_page_or_block("providers/apply.html", "form", form_status(form), form=form,
                                consent_version=CONSENT_VERSION,
                                posted=request.method == "POST")


# --- The provider's cabinet -------------------------------------------------------------------

def _cabinet(provider, *, document_form=None, status: int = 200):
    return render_page_or_block(
        "providers/cabinet.html", "documents", status, provider=provider,
        documents=reviewing.documents_of(provider), events=reviewing.history(provider),
        missing=services.missing_documents(provider), kind_labels=DOCUMENT_KIND_LABELS,
        document_form=document_form or DocumentForm(formdata=None))


@bp.route("/provider")
@roles_required(Role.PROVIDER)
def cabinet():
    return _cabinet(own_provider_or_404(current_user))


@bp.route("/provider/profile", methods=["GET", "POST"])
@roles_required(Role.PROVIDER)
def edit():
    provider = own_provider_or_404(current_user)
    form = ProfileForm.for_provider(provider, submitted=request.method == "POST")
    if form.validate_on_submit():
        try:
            changed = services.update_provider(provider, form.provider_data(provider=provider),
                                               actor=_actor())
        except DomainError as error:
            add_error(form, error)
        else:
            flash("Сведения сохранены" if changed else "Изменений нет",
                  "success" if changed else "info")
            return redirect_to(url_for("providers.cabinet"))
    return render_page_or_block("providers/edit.html", "form", form_status(form), form=form,
                                provider=provider)


@bp.route("/provider/documents", methods=["POST"])
@roles_required(Role.PROVIDER)
def add_document():
    provider = own_provider_or_404(current_user)
    form = DocumentForm()
    if form.validate_on_submit():
        try:
            document = services.add_document(provider, form.kind.data,
                                             getattr(form.file, "upload", None),
                                             actor=_actor())
        except DomainError as error:
            add_error(form, error)
        else:
            flash(f"Документ приложен: {document.kind_label}", "success")
            return redirect_to(url_for("providers.cabinet"))
    return _cabinet(provider, document_form=form, status=form_status(form))


@bp.route("/provider/documents/<int:document_id>/remove", methods=["POST"])
@roles_required(Role.PROVIDER)
def remove_document(document_id: int):
    provider = own_provider_or_404(current_user)
    if not EmptyForm().validate_on_submit():
        flash(STALE_PAGE, "danger")
        return redirect_to(url_for("providers.cabinet"))
    try:
        services.remove_document(provider, document_id, actor=_actor())
    except NotFound:
        raise
    except DomainError as error:
        flash(str(error), "warning")
    else:
        flash("Документ удалён", "success")
    return redirect_to(url_for("providers.cabinet"))


@bp.route("/provider/resubmit", methods=["POST"])
@roles_required(Role.PROVIDER)
def resubmit():
    provider = own_provider_or_404(current_user)
    if not EmptyForm().validate_on_submit():
        flash(STALE_PAGE, "danger")
        return redirect_to(url_for("providers.cabinet"))
    try:
        services.resubmit(provider, actor=_actor())
    except DomainError as error:
        flash(str(error), "warning")
    else:
        flash("Заявка отправлена координатору повторно", "success")
    return redirect_to(url_for("providers.cabinet"))


@bp.route("/provider/documents/<int:document_id>")
@roles_required(Role.PROVIDER, Role.COORDINATOR)
def document(document_id: int):
    document = reviewing.get_document_for(_actor(), document_id)
    if current_user.role == Role.COORDINATOR:
        reviewing.record_document_view(document, actor=_actor())
    return storage.send(document.file)


# --- The coordinator's review ------------------------------------------------------------------

@bp.route("/coordinator/providers")
@roles_required(Role.COORDINATOR)
def queue():
    filters = QueueFilterForm(request.args)
    pagination = reviewing.search_queue(filters.queue_filter(),
                                       page=arg_int("page", 1))
    return render_page_or_block("providers/queue.html", "results", filters=filters,
                                pagination=pagination, today=local_today(),
                                days_waiting=days_since)


QUEUE_COLUMNS = [
    xlsx.Column("Дата подачи", xlsx.DATETIME, 17), xlsx.Column("Поставщик", width=28),
    xlsx.Column("Полное наименование", width=44), xlsx.Column("Форма", width=9),
    xlsx.Column("Район", width=20), xlsx.Column("ИНН", width=13),
    xlsx.Column("ОГРН", width=16), xlsx.Column("Адрес", width=36),
    xlsx.Column("Контактное лицо", width=28), xlsx.Column("Телефон", width=18),
    xlsx.Column("Почта", width=26), xlsx.Column("Статус", width=22),
    xlsx.Column("Ждёт, дней", xlsx.INT, 11), xlsx.Column("В реестре с", xlsx.DATE, 12),
]


@bp.route("/coordinator/providers.xlsx")
@roles_required(Role.COORDINATOR)
def queue_xlsx():
    """The providers as filtered on the coordinator's list, every row of it."""
    today = local_today()
    return send_xlsx(f"Поставщики {today:%d.%m.%Y}.xlsx", "Поставщики", QUEUE_COLUMNS,
                     reviewing.queue_rows(QueueFilterForm(request.args).queue_filter(),
                                          today=today), timezone=timezone())


def _review(provider, *, rejection_form=None, status: int = 200):
    return render_page_or_block(
        "providers/review.html", "decision", status, provider=provider,
        documents=reviewing.documents_of(provider), events=reviewing.history(provider),
        missing=services.missing_documents(provider), approve_form=EmptyForm(),
        rejection_form=rejection_form or RejectionForm(formdata=None), today=local_today(),
        days_waiting=days_since, ownership_labels=OWNERSHIP_LABELS,
        kind_labels=DOCUMENT_KIND_LABELS)


@bp.route("/coordinator/providers/<int:provider_id>")
@roles_required(Role.COORDINATOR)
def review(provider_id: int):
    return _review(reviewing.get_provider_or_404(provider_id))


@bp.route("/coordinator/providers/<int:provider_id>/approve", methods=["POST"])
@roles_required(Role.COORDINATOR)
def approve(provider_id: int):
    provider = reviewing.get_provider_or_404(provider_id)
    return decide(
        EmptyForm(), lambda: reviewing.approve(provider, actor=_actor()),
        success=lambda _: f"Поставщик {provider.short_name} включён в реестр",
        back=url_for("providers.review", provider_id=provider.id),
        done=url_for("providers.queue"))


@bp.route("/coordinator/providers/<int:provider_id>/reject", methods=["POST"])
@roles_required(Role.COORDINATOR)
def reject(provider_id: int):
    provider = reviewing.get_provider_or_404(provider_id)
    form = RejectionForm()
    return decide(
        form, lambda: reviewing.reject(provider, form.reason.data, actor=_actor()),
        success=lambda _: f"Заявка {provider.short_name} отклонена, поставщик получит причину",
        back=url_for("providers.review", provider_id=provider.id),
        done=url_for("providers.queue"),
        rerender=lambda invalid, status: _review(provider, rejection_form=invalid,
                                                 status=status))
