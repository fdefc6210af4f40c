"""Login, logout, registration, passwords, the cabinet, and the admin's user management."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from pfdo.accounts import registration, services, sessions
from pfdo.accounts.access import is_safe_next, login_required, public
from pfdo.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    RegistrationForm,
    ResetPasswordForm,
)
from pfdo.accounts.landing import CABINET, landing_endpoint
from pfdo.errors import DomainError
from pfdo.extensions import limiter
from pfdo.forms import EmptyForm
from pfdo.web import add_error, form_status, redirect_to, render_page_or_block

bp = Blueprint("accounts", __name__)


def _login_account_key() -> str:
    """Rate-limit key for one account: the account the login resolves to, in any spelling."""
    login = request.form.get("login") or ""
    return services.login_limit_key(login) if login.strip() else f"ip:{request.remote_addr}"


def _login_failed(response) -> bool:
    # 503 (server busy) checked no password: it costs the account nothing
    return (response.status_code not in (302, 503)
            and "HX-Redirect" not in response.headers)


def _limit(name: str):
    return lambda: current_app.config[name]


def _name(form):
    return services.PersonName(form.last_name.data or "", form.first_name.data or "",
                               form.middle_name.data or "")


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_limit("LOGIN_LIMIT_PER_IP"), methods=["POST"], deduct_when=_login_failed)
@limiter.limit(_limit("LOGIN_LIMIT_PER_ACCOUNT"), methods=["POST"], key_func=_login_account_key,
               deduct_when=_login_failed)
def login():
    if current_user.is_authenticated:
        return redirect_to(url_for(landing_endpoint(current_user)))
    form = LoginForm()
    next_url = request.args.get("next")
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.login.data, form.password.data)
        except DomainError as error:
            add_error(form, error)
        else:
            sessions.start(user)
            flash(f"Здравствуйте, {user.first_name}!", "success")
            return redirect_to(next_url if is_safe_next(next_url)
                               else url_for(CABINET))
    return render_page_or_block("accounts/login.html", "form", form_status(form), form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    if EmptyForm().validate_on_submit():
        services.logout(current_user._get_current_object())
        sessions.end()
        flash("Вы вышли из системы", "info")
    return redirect_to(url_for("site.home"))


SENT_TO = "_pfdo_registration_sent_to"


def _registration_email_key() -> str:
    """One budget of confirmation letters per address, whether or not it has an account."""
    return "register:" + (request.form.get("email") or "").strip().lower()[:254]


def _letter_sent(response) -> bool:
    return response.status_code == 302 or "HX-Redirect" in response.headers


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit(_limit("REGISTER_LIMIT_PER_IP"), methods=["POST"])
@limiter.limit(_limit("REGISTER_LIMIT_PER_EMAIL"), methods=["POST"],
               key_func=_registration_email_key, deduct_when=_letter_sent)
def register():
    if current_user.is_authenticated:
        return redirect_to(url_for(landing_endpoint(current_user)))
    form = RegistrationForm()
    if form.validate_on_submit():
        typed = registration.Registration(
            name=_name(form), email=form.email.data, phone=form.phone.data,
            password=form.password.data, consent=form.consent.data,
        )
        try:
            email = registration.start_registration(typed, ip=request.remote_addr)
        except DomainError as error:
            add_error(form, error)
        else:
            session[SENT_TO] = email
            return redirect_to(url_for("accounts.registration_sent"))
    return render_page_or_block("accounts/register.html", "form", form_status(form), form=form,
                                consent_version=services.CONSENT_VERSION)


@bp.route("/register/sent")
@public
def registration_sent():
    email = session.get(SENT_TO)
    if not email:
        return redirect_to(url_for("accounts.register"))
    return render_template("accounts/register_sent.html", email=email,
                           hours=current_app.config["REGISTRATION_MAX_AGE"] // 3600)


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
@public
def confirm_registration(token: str):
    """GET shows what will be created; the account is made by the button's POST, so a mail
    scanner that opens links creates nothing."""
    try:
        pending = registration.pending_for(token)
    except DomainError as error:
        return render_template("accounts/register_invalid.html", message=str(error)), 400
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            confirmed = registration.confirm_registration(token)
        except DomainError as error:
            return render_template("accounts/register_invalid.html", message=str(error)), 400
        sessions.start(confirmed.user)
        flash("Учётная запись создана. Добро пожаловать!", "success")
        if confirmed.phone_left_off:
            flash("Номер телефона не добавлен к учётной записи: почему и что делать — в "
                  "уведомлениях ниже", "warning")
        return redirect_to(url_for(CABINET))
    return render_template("accounts/register_confirm.html", pending=pending, form=form,
                           token=token)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user = services.change_password(
                current_user._get_current_object(), form.current_password.data,
                form.new_password.data, form.confirm_password.data,
            )
        except DomainError as error:
            add_error(form, error)
        else:
            sessions.refresh(user)
            flash("Пароль изменён. На других устройствах нужно войти заново", "success")
            return redirect_to(url_for("privacy.account"))
    return render_page_or_block("accounts/change_password.html", "form", form_status(form),
                                form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit(_limit("LOGIN_LIMIT_PER_IP"), methods=["POST"])
@limiter.limit(_limit("RESET_LIMIT_PER_ACCOUNT"), methods=["POST"], key_func=_login_account_key)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.login.data)
        return render_template("accounts/forgot_password_sent.html")
    return render_page_or_block("accounts/forgot_password.html", "form", form_status(form),
                                form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    try:
        user = services.user_for_reset_token(token)
    except DomainError as error:
        return render_template("accounts/reset_password_invalid.html", message=str(error)), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.new_password.data, form.confirm_password.data)
        except DomainError as error:
            add_error(form, error)
        else:
            sessions.end()
            flash("Пароль сохранён. Войдите с новым паролем", "success")
            return redirect_to(url_for("accounts.login"))
    return render_page_or_block("accounts/reset_password.html", "form", form_status(form),
                                form=form, user=user)
