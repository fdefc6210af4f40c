"""The admin's work on accounts beyond creating them: the logged user list and user page,
correcting a person's e-mail or phone, and attaching provider staff to providers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pfdo.accounts.models import User
from pfdo.accounts.services import email_syntax, list_users, phone_syntax
from pfdo.accounts.validation import normalize_phone
from pfdo.audit import access_log
from pfdo.audit import services as audit
from pfdo.db import db, get_or_not_found, unit_of_work
from pfdo.errors import DomainError
from pfdo.identifiers import fold
from pfdo.notifications.services import queue_email


def _masked_query(query: str) -> str:
    query = " ".join((query or "").split())
    phone = normalize_phone(query) if any(c in "0123456789" for c in fold(query)) else None
    if phone:
        return access_log.mask_phone(phone)
    if "@" in query:
        return access_log.mask_email(query.lower())
    return access_log.mask_text(query)


def users_for_admin(admin: User, *, role: str = "", query: str = "", page: int = 1):
    """The admin's user list (names, e-mails, phones); a page that shows anyone is written to
    the personal-data access log first: who looked, with which filters, at whom."""
    pagination = list_users(role=role, query=query, page=page)
    if pagination.items:
        details = {"users": [u.id for u in pagination.items], "page": page}
        if role:
            details["role"] = role
        if query.strip():
            details["query"] = _masked_query(query)
        access_log.record_access(admin, "user.list_viewed", None, details,
                                 users=details["users"])
    return pagination


def view_user(admin: User, user_id: int) -> User:
    """A user's page for the admin (contacts, logins); logged in the access log first."""
    user = get_or_not_found(User, user_id)
    access_log.record_access(admin, "user.viewed", user, users=[user.id])
    return user


# --- Correcting contacts --------------------------------------------------------------------

def _refuse_taken(column, value: str, user: User, field: str, what: str) -> None:
    other = db.session.scalars(select(User).where(column == value, User.id != user.id)).first()
    if other is not None:
        raise DomainError(f"{what} уже у другой учётной записи: {other.short_name} "
                          f"(№ {other.id}). Сначала исправьте её", field=field)


def change_contacts(user: User, *, email: str, phone: str, admin: User) -> list[str]:
    """Correct a user's login e-mail and phone; returns what changed ("email", "phone").
    A change of either ends the user's sessions and voids their reset links (the session
    version), is audited with both values masked, and is told to the person by e-mail (the
    old address too, when it is the e-mail that changed).

    Refuses (beside the field): a malformed e-mail or phone, one another account has."""
    new_email = email_syntax(email)
    new_phone = phone_syntax(phone, required=False)
    with unit_of_work():
        changed = []
        old_email, old_phone = user.email, user.phone
        if new_email != user.email:
            _refuse_taken(User.email, new_email, user, "email", "Этот адрес")
            changed.append("email")
        if new_phone != user.phone:
            if new_phone is not None:
                _refuse_taken(User.phone, new_phone, user, "phone", "Этот номер")
            changed.append("phone")
        if not changed:
            return []
        user.email, user.phone = new_email, new_phone
        user.session_version += 1
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError as error:  # taken by a concurrent change
            raise DomainError("Этот адрес или номер только что занят другой учётной записью",
                              field=changed[0]) from error
        if "email" in changed:
            audit.record(admin, "user.email_changed", user,
                         {"from": access_log.mask_email(old_email),
                          "to": access_log.mask_email(new_email)})
        if "phone" in changed:
            audit.record(admin, "user.phone_changed", user,
                         {"from": access_log.mask_phone(old_phone) if old_phone else "—",
                          "to": access_log.mask_phone(new_phone) if new_phone else "—"})
        for recipient in dict.fromkeys([new_email, old_email]):
            queue_email(recipient, "Изменены данные для входа в систему ПФДО",
                        "emails/contacts_changed.txt", user=user, changed=changed,
                        old_email=old_email)
    return changed
