"""The administrator's pages: staff accounts (roles, contacts, blocking, the provider they work
for) and the audit log. The services are the accounts', the providers' and the audit's own;
these pages only bring them together for the one role that manages all of them."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_login import current_user

from pfdo import xlsx
from pfdo.accounts import admin as account_admin
from pfdo.accounts import services as accounts
from pfdo.accounts import sessions
from pfdo.accounts.access import roles_required
from pfdo.accounts.models import Role
from pfdo.admin import audit_labels, audit_log, audit_person
from pfdo.admin.forms import (
    AuditFilterForm,
    ContactsForm,
    ProviderStaffForm,
    RoleForm,
    StaffUserForm,
    UserFilterForm,
)
from pfdo.errors import DomainError
from pfdo.forms import EmptyForm
from pfdo.municipality import services as municipality
from pfdo.navigation import section_title
from pfdo.phones import format_phone
from pfdo.providers import staff
from pfdo.web import (
    STALE_PAGE,
    add_error,
    arg_int,
    form_status,
    redirect_to,
    render_page_or_block,
    send_xlsx,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _actor():
    return current_user._get_current_object()


def _person_name(form):
    return accounts.PersonName(form.last_name.data or "", form.first_name.data or "",
                               form.middle_name.data or "")


# --- Staff accounts ----------------------------------------------------------------------------

@bp.route("/users")
@roles_required(Role.ADMIN)
def users():
    filters = UserFilterForm(request.args)
    page = arg_int("page", 1)
    pagination = account_admin.users_for_admin(current_user._get_current_object(),
                                       role=filters.role.data or "",
                                       query=filters.q.data or "", page=page)
    return render_page_or_block("admin/users.html", "results", filters=filters,
                                pagination=pagination)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create_user():
    form = StaffUserForm()
    form.provider_id.choices = [("", "— не выбран —"), *staff.registry_choices()]
    if form.validate_on_submit():
        account = accounts.StaffAccount(name=_person_name(form), email=form.email.data,
                                        role=form.role.data, phone=form.phone.data or "")
        try:
            user = staff.create_staff_member(account, form.provider_id.data or None,
                                             admin=current_user._get_current_object())
        except DomainError as error:
            add_error(form, error)
        else:
            flash(f"Учётная запись создана. Приглашение отправлено на {user.email}", "success")
            return redirect_to(url_for("admin.user_detail", user_id=user.id))
    return render_page_or_block("admin/user_new.html", "form", form_status(form), form=form)


@bp.route("/users/<int:user_id>")
@roles_required(Role.ADMIN)
def user_detail(user_id: int):
    user = account_admin.view_user(current_user._get_current_object(), user_id)
    return _user_page(user)


def _user_page(user, *, role_form=None, contacts_form=None, status: int = 200):
    place = staff.place_of(user) if user.role == Role.PROVIDER else None
    provider_form = ProviderStaffForm(formdata=None)
    provider_form.provider_id.choices = staff.registry_choices()
    return render_template(
        "admin/user_detail.html", user=user, block_form=EmptyForm(), place=place,
        role_form=role_form or RoleForm(formdata=None, role=user.role),
        contacts_form=contacts_form or ContactsForm(formdata=None, email=user.email,
                                                    phone=format_phone(user.phone)),
        provider_form=provider_form), status


@bp.route("/users/<int:user_id>/contacts", methods=["POST"])
@roles_required(Role.ADMIN)
def change_contacts(user_id: int):
    user = accounts.get_user_or_404(user_id)
    form = ContactsForm()
    if form.validate_on_submit():
        acting = current_user._get_current_object()
        try:
            changed = account_admin.change_contacts(user, email=form.email.data,
                                            phone=form.phone.data or "", admin=acting)
        except DomainError as error:
            add_error(form, error)
        else:
            if changed and user.id == acting.id:
                sessions.refresh(user)  # the admin's own session goes on
            flash("Данные для входа изменены. Пользователю нужно войти заново; письмо об "
                  "изменении отправлено" if changed else "Почта и телефон не изменились",
                  "success" if changed else "info")
            return redirect_to(url_for("admin.user_detail", user_id=user.id))
    return _user_page(user, contacts_form=form, status=422)


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@roles_required(Role.ADMIN)
def change_role(user_id: int):
    user = accounts.get_user_or_404(user_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            accounts.change_role(user, form.role.data, actor=current_user._get_current_object())
        except DomainError as error:
            add_error(form, error)
        else:
            flash(f"Роль изменена: {Role(user.role).label}", "success")
            return redirect_to(url_for("admin.user_detail", user_id=user.id))
    return _user_page(user, role_form=form, status=422)


@bp.route("/users/<int:user_id>/block", methods=["POST"])
@roles_required(Role.ADMIN)
def block_user(user_id: int):
    return _set_active(user_id, False)


@bp.route("/users/<int:user_id>/unblock", methods=["POST"])
@roles_required(Role.ADMIN)
def unblock_user(user_id: int):
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    user = accounts.get_user_or_404(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        accounts.set_active(user, active, actor=current_user._get_current_object())
    except DomainError as error:
        flash(str(error), "danger")
    else:
        flash("Учётная запись разблокирована" if active else
              "Учётная запись заблокирована, все её сеансы завершены", "success")
    return redirect_to(url_for("admin.user_detail", user_id=user.id))


# --- The provider a staff account works for -----------------------------------------------------

@bp.route("/users/<int:user_id>/provider", methods=["POST"])
@roles_required(Role.ADMIN)
def attach_staff(user_id: int):
    user = accounts.get_user_or_404(user_id)
    if not EmptyForm().validate_on_submit():
        flash(STALE_PAGE, "danger")
    else:
        try:
            provider = staff.attach_staff(user, request.form.get("provider_id"), admin=_actor())
        except DomainError as error:
            flash(str(error), "danger")
        else:
            flash(f"Учётная запись {user.short_name} прикреплена к поставщику "
                  f"«{provider.short_name}»: кабинет поставщика открыт", "success")
    return redirect_to(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/provider/detach", methods=["POST"])
@roles_required(Role.ADMIN)
def detach_staff(user_id: int):
    user = accounts.get_user_or_404(user_id)
    if not EmptyForm().validate_on_submit():
        flash(STALE_PAGE, "danger")
    else:
        try:
            provider = staff.detach_staff(user, admin=_actor())
        except DomainError as error:
            flash(str(error), "danger")
        else:
            flash(f"Учётная запись {user.short_name} откреплена от поставщика "
                  f"«{provider.short_name}»: кабинет поставщика для неё закрыт", "success")
    return redirect_to(url_for("admin.user_detail", user_id=user.id))



# --- The audit log -----------------------------------------------------------------------------

def _audit_filter():
    """The log's filters, read once for the page and its export: a value that cannot be read
    (a date, a person) is shown beside its field and ignored."""
    filters = AuditFilterForm(request.args)
    filters.validate()
    person, problem = audit_person.find_person(filters.person.data)
    if problem:
        filters.person.errors = [*filters.person.errors, problem]
    return filters, audit_log.AuditFilter(
        action=filters.action.data or "",
        actor=filters.actor.data or "",
        person=None if filters.person.errors else person,
        field=filters.field.data or "",
        date_from=None if filters.date_from.errors else filters.date_from.data,
        date_to=None if filters.date_to.errors else filters.date_to.data,
    )


AUDIT_COLUMNS = [
    xlsx.Column("Время", xlsx.DATETIME, 17), xlsx.Column("Кто", width=30),
    xlsx.Column("Роль", width=14), xlsx.Column("Адрес", width=15),
    xlsx.Column("Действие", width=40), xlsx.Column("Чьи данные", width=40),
    xlsx.Column("Объект", width=22), xlsx.Column("Подробности", width=60),
]


def _describe():
    return partial(audit_labels.describe_details, endpoint_title=section_title)


@bp.route("/audit.xlsx")
@roles_required(Role.ADMIN)
def audit_log_xlsx():
    """The audit log as filtered on the page, every row of it."""
    _, flt = _audit_filter()
    rows = audit_log.rows(flt, actor=_actor(),
                          label=lambda a: audit_labels.ACTION_LABELS.get(a, a),
                          describe=_describe())
    return send_xlsx(f"Журнал действий {municipality.local_today():%d.%m.%Y}.xlsx",
                     "Журнал действий", AUDIT_COLUMNS, rows,
                     timezone=municipality.timezone())


@bp.route("/audit", endpoint="audit_log")
@roles_required(Role.ADMIN)
def audit_log_page():
    filters, flt = _audit_filter()
    pagination, whom = audit_log.search(flt, actor=_actor(), page=arg_int("page", 1))
    return render_page_or_block("admin/audit_log.html", "results", filters=filters,
                                pagination=pagination, whom=whom,
                                labels=audit_labels.ACTION_LABELS,
                                object_labels=audit_labels.OBJECT_LABELS,
                                timezone=municipality.timezone(), describe=_describe())
