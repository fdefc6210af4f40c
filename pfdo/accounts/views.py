"""Login, logout, registration, passwords, the cabinet, and the admin's user management."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, render_template, request, url_for
from flask_login import current_user

from pfdo.accounts import services, sessions
from pfdo.accounts.access import is_safe_next, login_required, public, roles_required
from pfdo.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    RegistrationForm,
    ResetPasswordForm,
    RoleForm,
    StaffUserForm,
    UserFilterForm,
)
from pfdo.accounts.models import Role
from pfdo.errors import DomainError
from pfdo.extensions import limiter
from pfdo.forms import EmptyForm
from pfdo.web import add_error, arg_int, form_status, redirect_to, render_page_or_block

bp = Blueprint("accounts", __name__)


def _login_account_key() -> str:
    """Rate-limit key for one account: the login as typed, normalised."""
    login = (request.form.get("login") or "").strip().lower()
    return "login:" + (login or request.remote_addr or "")


def _login_failed(response) -> bool:
    return response.status_code != 302 and "HX-Redirect" not in response.headers


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
        return redirect_to(url_for("accounts.cabinet"))
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
            return redirect_to(next_url if is_safe_next(next_url) else url_for("accounts.cabinet"))
    return render_page_or_block("accounts/login.html", "form", form_status(form), form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    if EmptyForm().validate_on_submit():
        services.logout(current_user._get_current_object())
        sessions.end()
        flash("Вы вышли из системы", "info")
    return redirect_to(url_for("site.home"))


@bp.route("/register", methods=["GET", "POST"])
@public
def register():
    if current_user.is_authenticated:
        return redirect_to(url_for("accounts.cabinet"))
    form = RegistrationForm()
    if form.validate_on_submit():
        registration = services.Registration(
            name=_name(form), email=form.email.data, phone=form.phone.data,
            password=form.password.data, consent=form.consent.data,
        )
        try:
            user = services.register_parent(registration, ip=request.remote_addr)
        except DomainError as error:
            add_error(form, error)
        else:
            sessions.start(user)
            flash("Учётная запись создана. Добро пожаловать!", "success")
            return redirect_to(url_for("accounts.cabinet"))
    return render_page_or_block("accounts/register.html", "form", form_status(form), form=form,
                                consent_version=services.CONSENT_VERSION)


@bp.route("/cabinet")
@login_required
def cabinet():
    if current_user.role == Role.PROVIDER:
        from pfdo.providers.access import provider_of

        if provider_of(current_user) is not None:  # staff of a provider have their own cabinet
            return redirect_to(url_for("providers.cabinet"))
    context = {}
    if current_user.role == Role.PARENT:
        from pfdo.certificates.services import family_overview
        from pfdo.notifications.services import recent_notices

        context = {"family": family_overview(current_user), "notices": recent_notices(current_user)}
    return render_template("accounts/cabinet.html", user=current_user, **context)


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
            return redirect_to(url_for("accounts.cabinet"))
    return render_page_or_block("accounts/change_password.html", "form", form_status(form),
                                form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit(_limit("LOGIN_LIMIT_PER_IP"), methods=["POST"])
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


# --- The admin's user management -------------------------------------------------------

@bp.route("/admin/users")
@roles_required(Role.ADMIN)
def users():
    filters = UserFilterForm(request.args)
    page = arg_int("page", 1)
    pagination = services.list_users(role=filters.role.data or "", query=filters.q.data or "",
                                     page=page)
    return render_page_or_block("accounts/users.html", "results", filters=filters,
                                pagination=pagination)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create_user():
    form = StaffUserForm()
    if form.validate_on_submit():
        account = services.StaffAccount(name=_name(form), email=form.email.data,
                                        role=form.role.data, phone=form.phone.data or "")
        try:
            user = services.create_staff_user(account, actor=current_user._get_current_object())
        except DomainError as error:
            add_error(form, error)
        else:
            flash(f"Учётная запись создана. Приглашение отправлено на {user.email}", "success")
            return redirect_to(url_for("accounts.user_detail", user_id=user.id))
    return render_page_or_block("accounts/user_new.html", "form", form_status(form), form=form)


@bp.route("/admin/users/<int:user_id>")
@roles_required(Role.ADMIN)
def user_detail(user_id: int):
    user = services.get_user_or_404(user_id)
    role_form = RoleForm(role=user.role)
    return render_template("accounts/user_detail.html", user=user, role_form=role_form,
                           block_form=EmptyForm())


@bp.route("/admin/users/<int:user_id>/role", methods=["POST"])
@roles_required(Role.ADMIN)
def change_role(user_id: int):
    user = services.get_user_or_404(user_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            services.change_role(user, form.role.data, actor=current_user._get_current_object())
        except DomainError as error:
            add_error(form, error)
        else:
            flash(f"Роль изменена: {Role(user.role).label}", "success")
            return redirect_to(url_for("accounts.user_detail", user_id=user.id))
    return render_template("accounts/user_detail.html", user=user, role_form=form,
                           block_form=EmptyForm()), 422


@bp.route("/admin/users/<int:user_id>/block", methods=["POST"])
@roles_required(Role.ADMIN)
def block_user(user_id: int):
    return _set_active(user_id, False)


@bp.route("/admin/users/<int:user_id>/unblock", methods=["POST"])
@roles_required(Role.ADMIN)
def unblock_user(user_id: int):
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    user = services.get_user_or_404(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.set_active(user, active, actor=current_user._get_current_object())
    except DomainError as error:
        flash(str(error), "danger")
    else:
        flash("Учётная запись разблокирована" if active else
              "Учётная запись заблокирована, все её сеансы завершены", "success")
    return redirect_to(url_for("accounts.user_detail", user_id=user.id))
