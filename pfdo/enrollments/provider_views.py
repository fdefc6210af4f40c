"""The provider's enrolment pages: incoming requests with their deadlines, the answer (an offer
or a refusal with a reason), offers and contracts, and the pupils of each group."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_login import current_user

from pfdo.accounts.access import roles_required
from pfdo.accounts.models import Role
from pfdo.enrollments import access, contracts, lists, requests, schedule
from pfdo.enrollments.provider_forms import (
    ContractFilterForm,
    DisbandForm,
    RejectRequestForm,
    RequestFilterForm,
    TerminateForm,
)
from pfdo.enrollments.views import bp
from pfdo.errors import DomainError
from pfdo.formatting import count_with_noun
from pfdo.forms import EmptyForm
from pfdo.municipality.services import local_today
from pfdo.providers.access import own_provider_or_404
from pfdo.web import STALE_PAGE, arg_int, decide, redirect_to, render_page_or_block


def _actor():
    return current_user._get_current_object()


# --- Requests -------------------------------------------------------------------------------

@bp.route("/provider/enrolments")
@roles_required(Role.PROVIDER)
def provider_requests():
    provider = own_provider_or_404(current_user)
    filters = RequestFilterForm(request.args).offer(lists.provider_programs(provider),
                                                    lists.provider_groups(provider))
    today = local_today()
    pagination = lists.provider_requests(provider, filters.request_filter(), today=today,
                                         page=arg_int("page", 1))
    return render_page_or_block("enrollments/provider_requests.html", "results",
                                filters=filters, pagination=pagination, today=today,
                                deadline_words=lists.deadline_words)


def _request_page(found, *, reject_form=None, status: int = 200):
    today = local_today()
    body = render_template(
        "enrollments/provider_request.html", request_=found, today=today,
        accept_form=EmptyForm(formdata=None),
        reject_form=reject_form or RejectRequestForm(formdata=None),
        conflicts=schedule.conflicts(found.child, found.group) if found.is_pending else [],
        deadline_words=lists.deadline_words)
    return body, status


@bp.route("/provider/enrolments/requests/<int:request_id>")
@roles_required(Role.PROVIDER)
def provider_request(request_id: int):
    return _request_page(access.provider_request(current_user, request_id))


@bp.route("/provider/enrolments/requests/<int:request_id>/accept", methods=["POST"])
@roles_required(Role.PROVIDER)
def accept_request(request_id: int):
    found = access.provider_request(current_user, request_id)
    back = url_for("enrollments.provider_request", request_id=request_id)
    if not EmptyForm().validate_on_submit():
        flash(STALE_PAGE, "danger")
        return redirect_to(back)
    try:
        offer = requests.accept(found, actor=_actor(), today=local_today())
    except DomainError as error:
        flash(str(error), "warning")
        return redirect_to(back)
    flash(f"Заявка принята: оферта {offer.number} отправлена семье, ответить на неё можно до "
          f"{offer.accept_by:%d.%m.%Y}.", "success")
    return redirect_to(url_for("enrollments.provider_contract", contract_id=offer.id))


@bp.route("/provider/enrolments/requests/<int:request_id>/reject", methods=["POST"])
@roles_required(Role.PROVIDER)
def reject_request(request_id: int):
    found = access.provider_request(current_user, request_id)
    form = RejectRequestForm()
    return decide(
        form, lambda: requests.reject(found, actor=_actor(), reason=form.reason.data),
        success="Заявка отклонена. Семья получила уведомление с причиной.",
        back=url_for("enrollments.provider_request", request_id=request_id),
        done=url_for("enrollments.provider_requests"),
        rerender=lambda invalid, status: _request_page(found, reject_form=invalid,
                                                       status=status))


# --- Offers and contracts -------------------------------------------------------------------

@bp.route("/provider/enrolments/contracts")
@roles_required(Role.PROVIDER)
def provider_contracts():
    provider = own_provider_or_404(current_user)
    filters = ContractFilterForm(request.args).offer(lists.provider_programs(provider),
                                                     lists.provider_groups(provider))
    pagination = lists.provider_contracts(provider, filters.contract_filter(),
                                          page=arg_int("page", 1))
    return render_page_or_block("enrollments/provider_contracts.html", "results",
                                filters=filters, pagination=pagination, today=local_today(),
                                deadline_words=lists.deadline_words)


def _contract_page(found, *, terminate_form=None, status: int = 200):
    body = render_template("enrollments/provider_contract.html", contract=found,
                           today=local_today(), deadline_words=lists.deadline_words,
                           terminate_form=terminate_form or TerminateForm(formdata=None))
    return body, status


@bp.route("/provider/enrolments/contracts/<int:contract_id>")
@roles_required(Role.PROVIDER)
def provider_contract(contract_id: int):
    return _contract_page(access.provider_contract(current_user, contract_id))


@bp.route("/provider/enrolments/contracts/<int:contract_id>/terminate", methods=["POST"])
@roles_required(Role.PROVIDER)
def provider_terminate(contract_id: int):
    found = access.provider_contract(current_user, contract_id)
    form = TerminateForm()
    back = url_for("enrollments.provider_contract", contract_id=contract_id)
    return decide(
        form, lambda: contracts.terminate(found, actor=_actor(), by="provider",
                                          reason=form.reason.data, today=local_today()),
        success=lambda ended: (f"Договор {ended.number} расторгнут: занятия до "
                               f"{ended.ends_on:%d.%m.%Y}. Семья получила уведомление."),
        back=back, done=back,
        rerender=lambda invalid, status: _contract_page(found, terminate_form=invalid,
                                                        status=status))


# --- A group's pupils -----------------------------------------------------------------------

def _pupils_page(group, *, disband_form=None, status: int = 200):
    body = render_template("enrollments/provider_group_pupils.html",
                           pupils=lists.group_pupils(group), today=local_today(),
                           disband_form=disband_form or DisbandForm(formdata=None))
    return body, status


@bp.route("/provider/groups/<int:group_id>/pupils")
@roles_required(Role.PROVIDER)
def group_pupils(group_id: int):
    return _pupils_page(access.provider_group(current_user, group_id))


def _disbanded(group, ended: int) -> str:
    contracts_ended = (f"Завершено {count_with_noun(ended, 'договор', 'договора', 'договоров')}"
                       " — в последний день этого месяца. " if ended else "")
    return (f"Группа «{group.name}» расформирована, запись в неё закрыта. {contracts_ended}"
            "Семьи получили уведомления.")


@bp.route("/provider/groups/<int:group_id>/disband", methods=["POST"])
@roles_required(Role.PROVIDER)
def disband_group(group_id: int):
    group = access.provider_group(current_user, group_id)
    form = DisbandForm()
    back = url_for("enrollments.group_pupils", group_id=group_id)
    return decide(
        form, lambda: contracts.disband(group, actor=_actor(), reason=form.reason.data,
                                        today=local_today()),
        success=lambda ended: _disbanded(group, ended),
        back=back, done=back,
        rerender=lambda invalid, status: _pupils_page(group, disband_form=invalid,
                                                      status=status))


# The coordinator's pages are on the same blueprint, in their own module.
from pfdo.enrollments import coordinator_views  # noqa: E402,F401
