"""A parent's self-registration, confirmed by e-mail, revealing no one's account.

The form checks only what does not depend on existing accounts and always answers «we sent a
letter». A new address gets a single-use confirmation link; an address that has an account
gets «you already have an account: sign in or reset the password» instead. The account is
created, and the person signed in, only when the link is opened. A phone that turns out to
belong to another account by then is left off the new one, and its owner-to-be is told in
the cabinet how to get it fixed (the admin corrects phones), never on the public form."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from pfdo import clock, links
from pfdo.accounts.models import Consent, PendingRegistration, Role, User
from pfdo.accounts.passwords import hash_password
from pfdo.accounts.services import (
    CONSENT_VERSION,
    PersonName,
    check_password_rules,
    clean_name,
    email_syntax,
    phone_syntax,
)
from pfdo.audit import services as audit
from pfdo.db import db, unit_of_work
from pfdo.errors import DomainError
from pfdo.notifications.services import notify, queue_email
from pfdo.phones import format_phone

LINK_INVALID = "Ссылка недействительна. Зарегистрируйтесь ещё раз"
LINK_USED = "Эта ссылка уже использована. Войдите в систему или восстановите пароль"
LINK_EXPIRED = "Срок действия ссылки истёк. Зарегистрируйтесь ещё раз"
ALREADY_REGISTERED = ("У вас уже есть учётная запись с этим адресом. Войдите или восстановите "
                      "пароль")


@dataclass(frozen=True)
class Registration:
    name: PersonName
    email: str
    phone: str
    password: str
    consent: bool


@dataclass(frozen=True)
class Confirmed:
    user: User
    #: the phone typed on the form that another account has (so it was left off), or None
    phone_left_off: str | None = None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _max_age() -> timedelta:
    return timedelta(seconds=current_app.config["REGISTRATION_MAX_AGE"])


def start_registration(reg: Registration, *, ip: str | None) -> str:
    """Check the form and e-mail its address; returns the normalised address for the «we sent
    a letter» page. The answer, the work (one argon2 hash) and the page are the same whether
    or not the address has an account: only the letter differs.

    Refuses: invalid names, a malformed e-mail or phone, a weak password, no consent."""
    with unit_of_work():
        name = clean_name(reg.name)
        email = email_syntax(reg.email)
        phone = phone_syntax(reg.phone, required=True)
        check_password_rules(reg.password, email=email, phone=phone)
        if not reg.consent:
            raise DomainError(
                "Без согласия на обработку персональных данных мы не можем выдать сертификат",
                field="consent")
        password_hash = hash_password(reg.password)  # spent on both paths alike
        now = clock.now()
        _forget_stale(now)
        existing = db.session.scalars(select(User).where(User.email == email)).first()
        if existing is not None:
            queue_email(email, "Вы уже зарегистрированы в системе ПФДО",
                        "emails/registration_exists.txt", user=existing,
                        login_url=links.absolute_url("accounts.login"),
                        reset_url=links.absolute_url("accounts.forgot_password"))
            audit.record(None, "user.registration_repeated", existing)
            return email
        token = secrets.token_urlsafe(32)
        db.session.add(PendingRegistration(
            token_hash=_token_hash(token), email=email, phone=phone,
            last_name=name.last_name, first_name=name.first_name,
            middle_name=name.middle_name or None, password_hash=password_hash,
            consent_version=CONSENT_VERSION, ip=ip, created_at=now))
        db.session.flush()
        queue_email(email, "Подтвердите регистрацию в системе ПФДО",
                    "emails/registration_confirm.txt", name=name,
                    url=links.absolute_url("accounts.confirm_registration", token=token),
                    hours=current_app.config["REGISTRATION_MAX_AGE"] // 3600)
    return email


def _forget_stale(now) -> None:
    """Pending registrations hold personal data and a password hash: keep them no longer than
    their links live (a used one is kept as long, to say «already used»)."""
    db.session.execute(delete(PendingRegistration).where(
        PendingRegistration.created_at < now - _max_age()))


def pending_for(token: str) -> PendingRegistration:
    """The registration a link belongs to. Refuses: an unknown, used or expired link."""
    pending = db.session.scalars(select(PendingRegistration).where(
        PendingRegistration.token_hash == _token_hash(token or ""))).first()
    if pending is None:
        raise DomainError(LINK_INVALID)
    if pending.used_at is not None:
        raise DomainError(LINK_USED)
    if clock.now() - _aware(pending.created_at) > _max_age():
        raise DomainError(LINK_EXPIRED)
    return pending


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite gives naive UTC


def confirm_registration(token: str) -> Confirmed:
    """Create the parent's account from a confirmation link, with the consent given on the
    form, and send the welcome e-mail. The link works once. A phone another account has is
    left off the account, and a notice in the cabinet says how to get it fixed.

    Refuses: an unknown, used or expired link; an address that got an account meanwhile."""
    with unit_of_work():
        pending = pending_for(token)
        password_hash = pending.password_hash
        claimed = db.session.execute(
            update(PendingRegistration)
            .where(PendingRegistration.id == pending.id, PendingRegistration.used_at.is_(None))
            .values(used_at=clock.now(), password_hash=None)
            .execution_options(synchronize_session=False)).rowcount
        if not claimed:  # the same link opened twice at once
            raise DomainError(LINK_USED)
        user, phone_left_off = _create_parent(pending, password_hash)
        if user is not None:
            db.session.add(Consent(user=user, kind="personal_data",
                                   text_version=pending.consent_version,
                                   given_at=pending.created_at, ip=pending.ip))
            audit.record(user, "user.registered", user,
                         {"consent_version": pending.consent_version})
            if phone_left_off:
                audit.record(user, "user.phone_left_off", user)
                notify(user, f"Номер {format_phone(phone_left_off)} не добавлен к учётной "
                             "записи: он уже привязан к другой учётной записи. Если та "
                             "учётная запись тоже ваша, входите по этому номеру или "
                             "восстановите к ней пароль. Если номер ваш, а учётная запись "
                             "чужая, напишите муниципальному координатору (адрес — на "
                             "странице «Контакты»): администратор системы проверит и "
                             "исправит номер.", url=links.path("site.contacts"))
            queue_email(user.email, "Регистрация в системе ПФДО", "emails/welcome.txt",
                        user=user)
    # The link is used up (committed) even when the address turned out to be taken.
    if user is None:
        raise DomainError(ALREADY_REGISTERED)
    return Confirmed(user, phone_left_off)


def _create_parent(pending: PendingRegistration,
                   password_hash: str | None) -> tuple[User | None, str | None]:
    """The account, with the phone if no account has it; (None, None) when the e-mail was
    registered meanwhile. Each try is a savepoint, so a concurrent registration that takes
    the phone or the e-mail first is caught by the UNIQUE constraints."""
    taken = db.session.scalars(select(User).where(or_(
        User.email == pending.email, User.phone == pending.phone))).all()
    if any(u.email == pending.email for u in taken):
        return None, None
    phones = [None] if any(u.phone == pending.phone for u in taken) else [pending.phone, None]
    for phone in phones:
        now = clock.now()
        user = User(email=pending.email, phone=phone, role=Role.PARENT,
                    password_hash=password_hash, last_name=pending.last_name,
                    first_name=pending.first_name, middle_name=pending.middle_name,
                    password_changed_at=now, created_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(user)
                db.session.flush()
        except IntegrityError:
            continue
        return user, (pending.phone if phone is None else None)
    return None, None
