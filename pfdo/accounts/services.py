"""Accounts: registration, login and logout, passwords, staff accounts, roles."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pfdo import clock, links
from pfdo.accounts.models import Role, User
from pfdo.accounts.passwords import (
    check_login_password,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from pfdo.accounts.validation import name_problem, normalize_email, normalize_name, normalize_phone
from pfdo.audit import services as audit
from pfdo.db import db, get_or_not_found, unit_of_work
from pfdo.errors import DomainError
from pfdo.identifiers import has_control_characters
from pfdo.notifications.services import queue_email

#: the version of the text in templates/site/consent.html; bump it whenever the text changes
CONSENT_VERSION = "2026-12"

LOGIN_FAILED = "Неверный адрес почты, телефон или пароль"


@dataclass(frozen=True)
class PersonName:
    last_name: str
    first_name: str
    middle_name: str = ""


@dataclass(frozen=True)
class StaffAccount:
    name: PersonName
    email: str
    role: str
    phone: str = ""
    password: str | None = None  # None: the person sets it through an invitation link


def clean_name(name: PersonName) -> PersonName:
    for field, label in (("last_name", "фамилию"), ("first_name", "имя")):
        problem = name_problem(getattr(name, field), label)
        if problem:
            raise DomainError(problem, field=field)
    if name.middle_name.strip():
        problem = name_problem(name.middle_name, "отчество")
        if problem:
            raise DomainError(problem, field="middle_name")
    return PersonName(
        normalize_name(name.last_name), normalize_name(name.first_name),
        normalize_name(name.middle_name),
    )


def email_syntax(email: str) -> str:
    """The normalised e-mail; refuses (field "email") one that is not an address. Says nothing
    of whether an account has it."""
    try:
        return normalize_email(email)
    except ValueError as error:
        raise DomainError(str(error), field="email") from error


def phone_syntax(phone: str, *, required: bool) -> str | None:
    """+7XXXXXXXXXX, or None when empty and optional; refuses (field "phone") a malformed one.
    Says nothing of whether an account has it."""
    if not phone.strip():
        if required:
            raise DomainError("Укажите номер телефона", field="phone")
        return None
    normalized = normalize_phone(phone)
    if normalized is None:
        raise DomainError("Номер телефона в формате +7 (914) 123-45-67", field="phone")
    return normalized


def _clean_email(email: str) -> str:
    email = email_syntax(email)
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise DomainError(
            "Этот адрес уже зарегистрирован. Войдите или восстановите пароль", field="email"
        )
    return email


def _clean_phone(phone: str, *, required: bool) -> str | None:
    normalized = phone_syntax(phone, required=required)
    if normalized is None:
        return None
    if db.session.scalar(select(User.id).where(User.phone == normalized)):
        raise DomainError(
            "Этот номер уже зарегистрирован. Войдите или восстановите пароль", field="phone"
        )
    return normalized


def check_password_rules(password: str, *, email: str, phone: str | None,
                         field: str = "password") -> None:
    """Refuse (DomainError beside `field`) a password the policy refuses."""
    problem = password_problem(password, email=email, phone=phone or "")
    if problem:
        raise DomainError(problem, field=field)


def _insert_user(user: User) -> None:
    db.session.add(user)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:  # a concurrent registration took the e-mail or phone
        raise DomainError("Этот адрес или телефон уже зарегистрирован", field="email") from error


def create_account(*, name: PersonName, email: str, phone: str, role: str,
                   password: str | None, phone_required: bool) -> User:
    """Insert a new account inside the caller's unit of work (flushes, never commits): the
    name, e-mail and phone cleaned, the password (None: set later through an invitation
    link) checked and hashed. Used by staff creation and the provider's application; the
    parent's e-mail-confirmed registration has its own path (accounts.registration).

    Refuses (DomainError beside the field): invalid names, a malformed or taken e-mail or
    phone, a weak password — and a concurrent insert of the same e-mail or phone."""
    name = clean_name(name)
    email = _clean_email(email)
    phone = _clean_phone(phone, required=phone_required)
    if password is not None:
        check_password_rules(password, email=email, phone=phone)
    now = clock.now()
    user = User(email=email, phone=phone, role=role, last_name=name.last_name,
                first_name=name.first_name, middle_name=name.middle_name or None,
                password_hash=hash_password(password) if password else None,
                password_changed_at=now if password else None, created_at=now)
    _insert_user(user)
    return user


def login_identifier(login: str) -> str | None:
    """What a typed login means: the normalised e-mail («anna@example.ru») or phone
    («+79144567890»), whatever the spelling; None when it is neither."""
    login = (login or "").strip()
    if not login or len(login) > 254:
        return None
    if "@" in login:
        try:
            return normalize_email(login)
        except ValueError:
            return None
    return normalize_phone(login)


def find_by_login(login: str) -> User | None:
    """A user by e-mail or phone number, whichever was typed, in any spelling."""
    identifier = login_identifier(login)
    if identifier is None and "@" in login and len(login.strip()) <= 254 \
            and not has_control_characters(login):
        identifier = login.strip().lower()  # an address the validator refuses (….local)
    if identifier is None:
        return None
    column = User.email if "@" in identifier else User.phone
    return db.session.scalars(select(User).where(column == identifier)).first()


def login_limit_key(login: str) -> str:
    """The rate-limit key of a login attempt: the account it resolves to (so its e-mail and
    its phone in every spelling share one limit), else the normalised login."""
    user = find_by_login(login)
    if user is not None:
        return f"account:{user.id}"
    return "login:" + (login_identifier(login) or (login or "").strip().lower()[:254])


def _failed_login_details(login: str, user: User | None) -> dict:
    """What the log keeps of a failed login. Never the typed text (it may be a password typed
    into the wrong field): the account alone, or a syntactically valid e-mail or phone."""
    if user is not None:
        return {"reason": "no_password" if user.password_hash is None else "wrong_password"}
    identifier = login_identifier(login)
    return {"reason": "unknown_login", **({"login": identifier} if identifier else {})}


def authenticate(login: str, password: str) -> User:
    """Check the credentials and record the login.

    Refuses, with the same message for an unknown login and a wrong password: wrong
    credentials, a blocked account, an account whose password has not been set yet. Every
    path spends exactly one argon2 verification, so timing does not reveal the account."""
    with unit_of_work():
        user = find_by_login(login)
        ok = check_login_password(user.password_hash if user else None, password)
        if not ok:
            audit.record(user, "auth.login_failed", user, _failed_login_details(login, user))
        if ok and not user.active:
            audit.record(user, "auth.login_failed", user, {"reason": "blocked"})
    # The failure is recorded (committed) before it is reported.
    if not ok:
        raise DomainError(LOGIN_FAILED)
    if not user.active:
        raise DomainError("Учётная запись заблокирована. Обратитесь к администратору")
    with unit_of_work():
        user.previous_login_at = user.last_login_at
        user.last_login_at = clock.now()
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        audit.record(user, "auth.login", user)
    return user


def logout(user: User) -> None:
    """End every session of the user: the cookie's session version no longer matches."""
    with unit_of_work():
        user.session_version += 1
        audit.record(user, "auth.logout", user)


def change_password(user: User, current: str, new: str, confirm: str) -> User:
    """Set a new password; every other session of the user ends.

    Refuses: a wrong current password, a weak or mismatched new one, the same one again."""
    if not verify_password(user.password_hash, current):
        raise DomainError("Текущий пароль введён неверно", field="current_password")
    check_password_rules(new, email=user.email, phone=user.phone, field="new_password")
    if new != confirm:
        raise DomainError("Пароли не совпадают", field="confirm_password")
    if verify_password(user.password_hash, new):
        raise DomainError("Новый пароль совпадает с текущим", field="new_password")
    with unit_of_work():
        _set_password(user, new)
        audit.record(user, "auth.password_changed", user)
    return user


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = clock.now()
    user.session_version += 1


class _ClockSigner(TimestampSigner):
    """Token timestamps from pfdo.clock, so expiry follows the same (freezable) time."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset",
                                  signer=_ClockSigner)


def make_reset_token(user: User) -> str:
    # The session version makes the token single-use: a reset (or any logout) bumps it.
    return _serializer().dumps({"uid": user.id, "v": user.session_version})


def request_password_reset(login: str) -> None:
    """E-mail a single-use reset link if the login exists. Says nothing either way."""
    with unit_of_work():
        user = find_by_login(login)
        if user is None or not user.active:
            return
        token = make_reset_token(user)
        queue_email(
            user.email, "Восстановление пароля", "emails/password_reset.txt", user=user,
            url=links.absolute_url("accounts.reset_password", token=token),
            hours=current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600,
        )
        audit.record(user, "auth.password_reset_requested", user)


def user_for_reset_token(token: str) -> User:
    """The user a valid, unused, unexpired reset token belongs to.

    Refuses: a forged, expired or already used token."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired as error:
        raise DomainError("Срок действия ссылки истёк. Запросите новую") from error
    except BadSignature as error:
        raise DomainError("Ссылка недействительна. Запросите новую") from error
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.active or user.session_version != data.get("v"):
        raise DomainError("Ссылка уже использована или недействительна. Запросите новую")
    return user


def reset_password(token: str, new: str, confirm: str) -> User:
    """Set a new password by a reset (or invitation) link; every session of the user ends.

    Refuses: an invalid token, a weak or mismatched password."""
    with unit_of_work():
        user = user_for_reset_token(token)
        check_password_rules(new, email=user.email, phone=user.phone, field="new_password")
        if new != confirm:
            raise DomainError("Пароли не совпадают", field="confirm_password")
        _set_password(user, new)
        audit.record(user, "auth.password_reset", user)
    return user


def create_staff_user(account: StaffAccount, *, actor: User | None) -> User:
    """Create a staff account (provider staff, coordinator, hotline, admin).

    Without a password an invitation with a link to set one is e-mailed.
    Refuses: an unknown or parent role, invalid or taken e-mail or phone, a weak password."""
    if account.role not in {str(r) for r in Role.staff()}:
        raise DomainError("Выберите роль сотрудника", field="role")
    with unit_of_work():
        user = create_account(name=account.name, email=account.email, phone=account.phone,
                              role=account.role, password=account.password,
                              phone_required=False)
        audit.record(actor, "user.created", user, {"role": account.role})
        if account.password is None:
            queue_email(
                user.email, "Приглашение в систему ПФДО", "emails/invitation.txt", user=user,
                url=links.absolute_url("accounts.reset_password",
                                       token=make_reset_token(user)),
                hours=current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600,
            )
    return user


def change_role(user: User, role: str, *, actor: User) -> User:
    """Give a staff account another role; its sessions end.

    Refuses: an unknown role, turning staff into a parent or a parent into staff, and an
    admin taking away their own admin role (the installation would lose its last admin)."""
    staff_roles = {str(r) for r in Role.staff()}
    if role not in staff_roles or user.role not in staff_roles:
        raise DomainError("Роль родителя не меняется на роль сотрудника и обратно", field="role")
    if user.id == actor.id and role != Role.ADMIN:
        raise DomainError("Нельзя снять с себя роль администратора", field="role")
    if user.role == role:
        return user
    with unit_of_work():
        old = user.role
        user.role = role
        user.session_version += 1
        audit.record(actor, "user.role_changed", user, {"from": old, "to": role})
    return user


def set_active(user: User, active: bool, *, actor: User) -> User:
    """Block (ending every session at once) or unblock an account. Refuses blocking oneself."""
    if user.id == actor.id and not active:
        raise DomainError("Нельзя заблокировать свою учётную запись")
    if user.active == active:
        return user
    with unit_of_work():
        user.active = active
        user.session_version += 1
        audit.record(actor, "user.unblocked" if active else "user.blocked", user)
    return user


def list_users(*, role: str = "", query: str = "", page: int = 1, per_page: int = 50):
    """Users for the admin, filtered by role and by a part of the name or e-mail."""
    stmt = select(User).order_by(User.last_name, User.first_name, User.id)
    if role:
        stmt = stmt.where(User.role == role)
    query = query.strip()
    if query:
        pattern = f"%{query.lower()}%"
        stmt = stmt.where(
            func.lower(User.email).like(pattern) | func.lower(User.last_name).like(pattern)
            | (User.phone == (normalize_phone(query) or ""))
        )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def get_user_or_404(user_id: int) -> User:
    return get_or_not_found(User, user_id)
