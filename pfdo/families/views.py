"""The family's cabinet: the children with their certificates and notices, adding and editing a
child, the child's page and the certificate application."""

from __future__ import annotations

from flask import Blueprint, flash, render_template, url_for
from flask_login import current_user

from pfdo.accounts.access import login_required, roles_required
from pfdo.accounts.consent import is_withdrawn
from pfdo.accounts.landing import landing_endpoint
from pfdo.accounts.models import Role
from pfdo.accounts.services import PersonName
from pfdo.certificates import applications
from pfdo.certificates import services as certificates
from pfdo.children.validation import format_snils
from pfdo.errors import DomainError
from pfdo.families import services
from pfdo.families.forms import ApplyForm, ChildForm
from pfdo.municipality.services import local_today
from pfdo.notifications.services import recent_notices
from pfdo.privacy.services import family_consent
from pfdo.providers.access import provider_of
from pfdo.russian import gendered
from pfdo.web import add_error, form_status, redirect_to, render_page_or_block

bp = Blueprint("families", __name__)


def _data(form: ChildForm) -> services.ChildData:
    return services.ChildData(
        name=PersonName(form.last_name.data or "", form.first_name.data or "",
                        form.middle_name.data or ""),
        birth_date=form.birth_date.data, sex=form.sex.data or "",
        document_type=form.document_type.data or "", document_series=form.document_series.data
        or "", document_number=form.document_number.data or "", snils=form.snils.data or "",
        address=form.address.data or "")


@bp.route("/cabinet")
@login_required
def cabinet():
    """The family's cabinet; every other role is sent to its own workspace, and a provider's
    staff account no provider is attached to yet is told so."""
    if current_user.role == Role.PROVIDER and provider_of(current_user) is None:
        return render_template("families/no_provider.html", user=current_user)
    if current_user.role != Role.PARENT:
        return redirect_to(url_for(landing_endpoint(current_user)))
    return render_template("families/cabinet.html", user=current_user,
                           family=certificates.family_overview(current_user),
                           notices=recent_notices(current_user),
                           consent_state=family_consent(current_user))


@bp.route("/children/new", methods=["GET", "POST"])
@roles_required(Role.PARENT)
def add():
    form = ChildForm()
    if form.validate_on_submit():
        try:
            child = services.add_child(current_user._get_current_object(), _data(form),
                                       today=local_today())
        except DomainError as error:
            add_error(form, error)
        else:
            flash(f"{child.first_name} {gendered(child.sex, 'добавлен', 'добавлена')}. Теперь "
                  "можно подать заявление на сертификат", "success")
            return redirect_to(url_for("families.child", child_id=child.id))
    return render_page_or_block("families/child_form.html", "form", form_status(form),
                                form=form, child=None, locked=False)


@bp.route("/children/<int:child_id>")
@roles_required(Role.PARENT)
def child(child_id: int):
    child = services.get_own_child_or_404(current_user, child_id)
    return render_template("families/child.html", **_child_context(child, ApplyForm()))


def _child_context(child, apply_form):
    today = local_today()
    return {
        "child": child, "today": today, "age": child.age_on(today),
        "application": applications.live_application(child),
        "certificate": certificates.certificate_of(child),
        "consent_withdrawn": is_withdrawn(child.parent),
        "apply_form": apply_form,
    }


LOCKED_HINT = "Не меняется после подачи заявления (почему — см. выше)"


def _lock_protected_fields(form: ChildForm) -> None:
    """After an application the identity fields are shown read-only, each with a hint, and the
    page says why and what to do; the service refuses a change of them anyway, beside it."""
    for name in services.PROTECTED_FIELDS:
        form[name].render_kw = {**(form[name].render_kw or {}), "readonly": True}
        form[name].description = LOCKED_HINT


@bp.route("/children/<int:child_id>/edit", methods=["GET", "POST"])
@roles_required(Role.PARENT)
def edit(child_id: int):
    child = services.get_own_child_or_404(current_user, child_id)
    form = ChildForm(obj=child)
    if not form.is_submitted():
        form.snils.data = format_snils(child.snils)
    application = applications.live_application(child)
    locked = application is not None and application.status != "refused"
    if locked:
        _lock_protected_fields(form)
    if form.validate_on_submit():
        try:
            services.update_child(current_user._get_current_object(), child, _data(form),
                                  today=local_today())
        except DomainError as error:
            add_error(form, error)
        else:
            flash("Данные сохранены", "success")
            return redirect_to(url_for("families.child", child_id=child.id))
    return render_page_or_block("families/child_form.html", "form", form_status(form),
                                form=form, child=child, locked=locked,
                                application=application,
                                certificate=certificates.certificate_of(child))


@bp.route("/children/<int:child_id>/apply", methods=["POST"])
@roles_required(Role.PARENT)
def apply(child_id: int):
    child = services.get_own_child_or_404(current_user, child_id)
    form = ApplyForm()
    if form.validate_on_submit():
        try:
            applications.apply_for_certificate(current_user._get_current_object(), child,
                                               consent=form.consent.data, today=local_today())
        except DomainError as error:
            if applications.has_live_application(child):
                # Sent again (another tab, the back button): say so over the current state.
                flash(str(error), "info")
                return redirect_to(url_for("families.child", child_id=child.id))
            add_error(form, error)
        else:
            flash("Заявление отправлено координатору. Мы сообщим о решении в кабинете и по почте",
                  "success")
            return redirect_to(url_for("families.child", child_id=child.id))
    return render_template("families/child.html", **_child_context(child, form)), 422
