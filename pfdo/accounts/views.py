"""Login, logout, registration, passwords, the cabinet, and the admin's user management."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from pfdo.accounts import admin, registration, services, sessions
from pfdo.accounts.access import is_safe_next, login_required, public, roles_required
from pfdo.accounts.forms import (
    ChangePasswordForm,
    ContactsForm,
    ForgotPasswordForm,
    LoginForm,
    ProviderStaffForm,
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
from pfdo.navigation import LANDING
from pfdo.phones import format_phone
from pfdo.providers import staff
from pfdo.web import add_error, arg_int, form_status, redirect_to, render_page_or_block

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
        return redirect_to(url_for("accounts.cabinet"))
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
        return redirect_to(url_for("accounts.cabinet"))
    return render_template("accounts/register_confirm.html", pending=pending, form=form,
                           token=token)


@bp.route("/cabinet")
@login_required
def cabinet():
    """Each role's workspace: the family's cabinet for a parent; staff are sent to theirs."""
    if current_user.role == Role.PROVIDER:
        from pfdo.providers.access import provider_of

        if provider_of(current_user) is not None:  # staff of a provider have their own cabinet
            return redirect_to(url_for("providers.cabinet"))
    if current_user.role in LANDING:
        return redirect_to(url_for(LANDING[Role(current_user.role)]))
    context = {}
    if current_user.role == Role.PARENT:
        from pfdo.certificates.services import family_overview
        from pfdo.notifications.services import recent_notices
        from pfdo.privacy.services import family_consent

        context = {"family": family_overview(current_user), "notices": recent_notices(current_user),
                   "consent_state": family_consent(current_user)}
    return render_template("accounts/cabinet.html", user=current_user, **context)


@bp.route("/account")
@login_required
def account():
    """The account's data, the password and, for a parent, the consent and its withdrawal."""
    context = {}
    if current_user.role == Role.PARENT:
        from pfdo.privacy.services import family_consent

        context["consent_state"] = family_consent(current_user)
    return render_template("accounts/account.html", user=current_user, action_form=EmptyForm(),
                           **context)


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
            return redirect_to(url_for("accounts.account"))
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


# --- The admin's user management -------------------------------------------------------

@bp.route("/admin/users")
@roles_required(Role.ADMIN)
def users():
    filters = UserFilterForm(request.args)
    page = arg_int("page", 1)
    pagination = admin.users_for_admin(current_user._get_current_object(),
                                       role=filters.role.data or "",
                                       query=filters.q.data or "", page=page)
    return render_page_or_block("accounts/users.html", "results", filters=filters,
                                pagination=pagination)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create_user():
    form = StaffUserForm()
    form.provider_id.choices = [("", "— не выбран —"), *staff.registry_choices()]
    if form.validate_on_submit():
        account = services.StaffAccount(name=_name(form), email=form.email.data,
                                        role=form.role.data, phone=form.phone.data or "")
        try:
            user = staff.create_staff_member(account, form.provider_id.data or None,
                                             admin=current_user._get_current_object())
        except DomainError as error:
            add_error(form, error)
        else:
            flash(f"Учётная запись создана. Приглашение отправлено на {user.email}", "success")
            return redirect_to(url_for("accounts.user_detail", user_id=user.id))
    return render_page_or_block("accounts/user_new.html", "form", form_status(form), form=form)


@bp.route("/admin/users/<int:user_id>")
@roles_required(Role.ADMIN)
def user_detail(user_id: int):
    user = admin.view_user(current_user._get_current_object(), user_id)
    return _user_page(user)


def _user_page(user, *, role_form=None, contacts_form=None, status: int = 200):
    place = staff.place_of(user) if user.role == Role.PROVIDER else None
    provider_form = ProviderStaffForm(formdata=None)
    provider_form.provider_id.choices = staff.registry_choices()
    return render_template(
        "accounts/user_detail.html", user=user, block_form=EmptyForm(), place=place,
        role_form=role_form or RoleForm(formdata=None, role=user.role),
        contacts_form=contacts_form or ContactsForm(formdata=None, email=user.email,
                                                    phone=format_phone(user.phone)),
        provider_form=provider_form), status


@bp.route("/admin/users/<int:user_id>/contacts", methods=["POST"])
@roles_required(Role.ADMIN)
def change_contacts(user_id: int):
    user = services.get_user_or_404(user_id)
    form = ContactsForm()
    if form.validate_on_submit():
        acting = current_user._get_current_object()
        try:
            changed = admin.change_contacts(user, email=form.email.data,
                                            phone=form.phone.data or "", admin=acting)
        except DomainError as error:
            add_error(form, error)
        else:
            if changed and user.id == acting.id:
                sessions.refresh(user)  # the admin's own session goes on
            flash("Данные для входа изменены. Пользователю нужно войти заново; письмо об "
                  "изменении отправлено" if changed else "Почта и телефон не изменились",
                  "success" if changed else "info")
            return redirect_to(url_for("accounts.user_detail", user_id=user.id))
    return _user_page(user, contacts_form=form, status=422)


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
    return _user_page(user, role_form=form, status=422)


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
