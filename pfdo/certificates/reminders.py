"""«Забыли номер сертификата?»: the family's certificate numbers, sent to the account's own
e-mail, never shown on the page that asked for them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from pfdo import links
from pfdo.accounts.landing import CABINET
from pfdo.accounts.models import Role, User
from pfdo.accounts.services import find_by_login, login_identifier
from pfdo.audit import services as audit
from pfdo.audit.access_log import mask_email, mask_phone, mask_text
from pfdo.certificates.models import Certificate
from pfdo.certificates.numbers import format_number
from pfdo.children.models import Child
from pfdo.db import db, unit_of_work
from pfdo.notifications.services import queue_email

SUBJECT = "Номера сертификатов дополнительного образования"


@dataclass(frozen=True)
class ChildCertificate:
    """One line of the letter: a child and its certificate, if it has one."""

    first_name: str
    number: str | None = None  # formatted, «79 05 00012 3»
    kind: str | None = None
    status: str | None = None


def masked_login(login: str) -> str:
    """What the audit log keeps of a typed login: never the whole e-mail or phone."""
    identifier = login_identifier(login)
    if identifier is None:
        return mask_text(login or "")
    return mask_email(identifier) if "@" in identifier else mask_phone(identifier)


def family_certificates(parent: User) -> list[ChildCertificate]:
    """The parent's children, eldest first, each with its certificate (or none), in one query."""
    rows = db.session.execute(
        select(Child, Certificate)
        .outerjoin(Certificate, Certificate.child_id == Child.id)
        .where(Child.parent_id == parent.id)
        .order_by(Child.birth_date, Child.id)
    ).all()
    return [
        ChildCertificate(child.first_name, format_number(certificate.number),
                         certificate.kind_label, certificate.status_label)
        if certificate is not None else ChildCertificate(child.first_name)
        for child, certificate in rows
    ]


def send_certificate_numbers(login: str) -> None:
    """E-mail the family's certificate numbers to the registered address of the parent account
    the login (e-mail or phone, any spelling) belongs to, with a link to the cabinet.

    Refuses nothing and says nothing either way: an unknown login, a blocked account or a staff
    account get no letter and the same silence, so the page cannot tell who is registered.
    Every request is audited with the login masked."""
    with unit_of_work():
        user = find_by_login(login)
        found = (user is not None and user.active and user.role == Role.PARENT
                 and bool(user.email))
        audit.record(None, "certificate.numbers_requested", user if found else None,
                     {"login": masked_login(login)})
        if not found:
            return
        entries = family_certificates(user)
        queue_email(
            user.email, SUBJECT, "emails/certificate_numbers.txt", user=user, entries=entries,
            without_certificate=any(entry.number is None for entry in entries),
            url=links.absolute_url(CABINET),
        )
