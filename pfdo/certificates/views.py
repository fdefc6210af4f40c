"""The family's certificate page, the printable extract with its QR code, conversion to a
financing certificate, the queue, the public verification page, and «Забыли номер
сертификата?»."""

from __future__ import annotations

import io

import segno
from flask import Blueprint, Response, current_app, flash, render_template, request, url_for
from flask_login import current_user

from pfdo import links
from pfdo.accounts.access import public, roles_required
from pfdo.accounts.models import Role
from pfdo.accounts.services import login_limit_key
from pfdo.certificates import balance, financing, reminders, services
from pfdo.certificates.forms import FinancingForm, NumberReminderForm
from pfdo.certificates.numbers import format_number, number_problem
from pfdo.errors import DomainError
from pfdo.extensions import limiter
from pfdo.forms import EmptyForm
from pfdo.money import format_rub
from pfdo.municipality.services import local_today
from pfdo.periods import services as periods
from pfdo.web import form_status, redirect_to, render_page_or_block

bp = Blueprint("certificates", __name__)

#: one budget for both addresses of the public check, per IP: guessing numbers is slow
_verify_limit = limiter.shared_limit(lambda: current_app.config["VERIFY_LIMIT_PER_IP"],
                                     scope="verify")


def _page_context(certificate):
    today = local_today()
    period = periods.current_period(today)
    return {
        "certificate": certificate, "child": certificate.child, "today": today,
        "period": period,
        "grant": financing.grant_for(certificate, period) if period else None,
        "queue_entry": financing.queue_entry(certificate, period) if period else None,
        "balance": balance.balance(certificate, today=today),
        "history": balance.history(certificate),
        "action_form": EmptyForm(),
        "financing": financing,
    }


@bp.route("/certificates/<int:certificate_id>")
@roles_required(Role.PARENT)
def detail(certificate_id: int):
    certificate = services.get_own_certificate(current_user, certificate_id)
    return render_template("certificates/detail.html", **_page_context(certificate))


@bp.route("/certificates/<int:certificate_id>/financing")
@roles_required(Role.PARENT)
def financing_preview(certificate_id: int):
    certificate = services.get_own_certificate(current_user, certificate_id)
    shown = financing.preview(certificate, today=local_today())
    form = FinancingForm(amount=str(shown.amount),
                         idempotency_key=financing.new_request_key())
    return render_template("certificates/financing.html", certificate=certificate,
                           child=certificate.child, preview=shown, form=form,
                           queue_form=EmptyForm(), financing=financing)


@bp.route("/certificates/<int:certificate_id>/financing", methods=["POST"])
@roles_required(Role.PARENT)
def request_financing(certificate_id: int):
    certificate = services.get_own_certificate(current_user, certificate_id)
    form = FinancingForm()
    if not form.validate_on_submit():
        flash("Страница устарела. Проверьте расчёт и подтвердите перевод ещё раз.", "warning")
        return redirect_to(url_for("certificates.financing_preview",
                                   certificate_id=certificate.id))
    key = form.request_key  # a malformed key is a DomainError here: answered 400, not caught
    try:
        grant = financing.confirm(certificate, actor=current_user._get_current_object(),
                                  today=local_today(), expected_amount=form.expected_amount,
                                  request_key=key)
    except financing.AlreadyFinanced as error:
        flash(str(error), "info")
    except DomainError as error:
        flash(str(error), "warning")
        return redirect_to(url_for("certificates.financing_preview",
                                   certificate_id=certificate.id))
    else:
        flash(f"Готово: сертификат переведён в сертификат ПФ. Зачислено "
              f"{format_rub(grant.amount)} на {grant.period.title} за {grant.months} мес.",
              "success")
    return redirect_to(url_for("certificates.detail", certificate_id=certificate.id))


@bp.route("/certificates/<int:certificate_id>/queue", methods=["POST"])
@roles_required(Role.PARENT)
def join_queue(certificate_id: int):
    certificate = services.get_own_certificate(current_user, certificate_id)
    if EmptyForm().validate_on_submit():
        try:
            entry = financing.join_queue(certificate, actor=current_user._get_current_object(),
                                        today=local_today())
        except DomainError as error:
            flash(str(error), "warning")
        else:
            flash(f"Вы в очереди: место № {financing.queue_position(entry)}. Когда место "
                  "освободится, сертификат переведут автоматически", "success")
    return redirect_to(url_for("certificates.detail", certificate_id=certificate.id))


@bp.route("/certificates/<int:certificate_id>/extract")
@roles_required(Role.PARENT)
def extract(certificate_id: int):
    certificate = services.get_own_certificate(current_user, certificate_id)
    return render_template("certificates/extract.html", **_page_context(certificate),
                           verify_url=_verify_url(certificate.number))


@bp.route("/certificates/<int:certificate_id>/qr.svg")
@roles_required(Role.PARENT)
def qr(certificate_id: int):
    certificate = services.get_own_certificate(current_user, certificate_id)
    buffer = io.BytesIO()
    segno.make(_verify_url(certificate.number), error="m").save(
        buffer, kind="svg", scale=4, border=2,
        title=f"Проверка сертификата {format_number(certificate.number)}")
    return Response(buffer.getvalue(), mimetype="image/svg+xml")


def _verify_url(number: str) -> str:
    return links.absolute_url("certificates.verify_number", number=number)


@bp.route("/verify")
@public
@_verify_limit
def verify():
    number = (request.args.get("number") or "").strip()
    problem = number_problem(number) if number else None
    result = services.verify(number, today=local_today()) if number and not problem else None
    return render_template("certificates/verify.html", number=number, problem=problem,
                           result=result)


@bp.route("/verify/<number>")
@public
@_verify_limit
def verify_number(number: str):
    problem = number_problem(number)
    result = None if problem else services.verify(number, today=local_today())
    return render_template("certificates/verify.html", number=number, problem=problem,
                           result=result)


def _reminder_account_key() -> str:
    """Rate-limit key for one account: the account the login resolves to, in any spelling."""
    login = request.form.get("login") or ""
    return login_limit_key(login) if login.strip() else f"ip:{request.remote_addr}"


@bp.route("/certificates/forgot-number", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["NUMBER_REMINDER_LIMIT_PER_IP"], methods=["POST"])
@limiter.limit(lambda: current_app.config["NUMBER_REMINDER_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_reminder_account_key)
def forgot_number():
    form = NumberReminderForm()
    sent = form.validate_on_submit()
    if sent:
        # The same answer whoever asked: the numbers go only to the account's own e-mail.
        reminders.send_certificate_numbers(form.login.data)
    return render_page_or_block("certificates/forgot_number.html", "form", form_status(form),
                                form=form, sent=sent)
from pfdo.certificates import registry_views  # noqa: E402,F401  (routes on bp)
