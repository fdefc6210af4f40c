"""The account page (the person's data, the password and, for a parent, the consent), the
parent's consent (the confirmation page that explains a withdrawal, the withdrawal itself,
giving the consent again), the family's data download and the request to delete it."""

from __future__ import annotations

from flask import Blueprint, flash, make_response, render_template, request, url_for
from flask_login import current_user

from pfdo.accounts.access import login_required, roles_required
from pfdo.accounts.models import Role
from pfdo.errors import DomainError
from pfdo.forms import EmptyForm
from pfdo.municipality.services import local_today
from pfdo.privacy import deletion, export, services
from pfdo.privacy.forms import DeletionRequestForm
from pfdo.privacy.models import DELETION_DAYS
from pfdo.web import add_error, form_status, redirect_to

bp = Blueprint("privacy", __name__, url_prefix="/account")


@bp.route("")
@login_required
def account():
    """The account's data, the password and, for a parent, the consent and its withdrawal."""
    context = {}
    if current_user.role == Role.PARENT:
        context["consent_state"] = services.family_consent(current_user)
        context["deletion"] = deletion.pending_for(current_user)
        context["deletion_days"] = DELETION_DAYS
    return render_template("privacy/account.html", user=current_user, action_form=EmptyForm(),
                           **context)


@bp.route("/data.zip")
@roles_required(Role.PARENT)
def download_data():
    """Everything held on the family, as JSON and a readable page in a ZIP (audited)."""
    today = local_today()
    body = export.download(current_user, today=today)
    response = make_response(body)
    response.headers["Content-Type"] = "application/zip"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=family-data-{today:%Y-%m-%d}.zip")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/consent/withdraw")
@roles_required(Role.PARENT)
def withdraw_preview():
    state = services.family_consent(current_user)
    if state.withdrawn:
        return redirect_to(url_for("privacy.account"))
    today = local_today()
    return render_template("privacy/withdraw.html", state=state, form=EmptyForm(), today=today,
                           erase_on=services.erase_on(today),
                           erase_after_days=services.ERASE_AFTER_DAYS)


@bp.route("/consent/withdraw", methods=["POST"])
@roles_required(Role.PARENT)
def withdraw():
    if not EmptyForm().validate_on_submit():
        flash("Страница устарела. Прочитайте, что произойдёт, и подтвердите ещё раз.", "warning")
        return redirect_to(url_for("privacy.withdraw_preview"))
    try:
        state = services.withdraw_consent(current_user._get_current_object())
    except DomainError as error:
        flash(str(error), "warning")
    else:
        flash(f"Согласие отозвано. {state.erase_on:%d.%m.%Y} данные семьи будут обезличены; "
              "до этого дня согласие можно дать снова.", "success")
    return redirect_to(url_for("privacy.account"))


@bp.route("/consent", methods=["POST"])
@roles_required(Role.PARENT)
def give_again():
    if EmptyForm().validate_on_submit():
        try:
            services.give_consent_again(current_user._get_current_object(),
                                        ip=request.remote_addr)
        except DomainError as error:
            flash(str(error), "warning")
        else:
            flash("Согласие дано снова: заявления вернулись на рассмотрение, сертификаты "
                  "действуют.", "success")
    return redirect_to(url_for("privacy.account"))


# --- The request to delete the family's data ----------------------------------------------------

def _delete_page(form, status: int = 200):
    today = local_today()
    return render_template("privacy/delete.html", form=form,
                           state=services.family_consent(current_user),
                           due_on=deletion.due_on(today), days=DELETION_DAYS), status


@bp.route("/delete")
@roles_required(Role.PARENT)
def delete_preview():
    """What a deletion does and keeps, and the request's form."""
    if deletion.pending_for(current_user) is not None:
        return redirect_to(url_for("privacy.account"))
    return _delete_page(DeletionRequestForm(formdata=None))


@bp.route("/delete", methods=["POST"])
@roles_required(Role.PARENT)
def request_deletion():
    form = DeletionRequestForm()
    if not form.validate_on_submit():
        return _delete_page(form, form_status(form))
    try:
        request_ = deletion.request_deletion(current_user._get_current_object(),
                                             comment=form.comment.data)
    except DomainError as error:
        if error.field:
            add_error(form, error)
            return _delete_page(form, form_status(form))
        flash(str(error), "warning")
    else:
        flash(f"Запрос на удаление данных отправлен. Координатор удалит их не позднее "
              f"{request_.due_on:%d.%m.%Y}; до этого запрос можно отменить здесь.", "success")
    return redirect_to(url_for("privacy.account"))


@bp.route("/delete/cancel", methods=["POST"])
@roles_required(Role.PARENT)
def cancel_deletion():
    if EmptyForm().validate_on_submit():
        try:
            deletion.cancel(current_user._get_current_object())
        except DomainError as error:
            flash(str(error), "warning")
        else:
            flash("Запрос на удаление данных отменён: данные семьи остаются.", "success")
    return redirect_to(url_for("privacy.account"))
