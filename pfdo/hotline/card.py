"""The certificate card an operator reads to a caller: status, kind, the balance's parts, the
child's contracts with their months, open requests, offers and waitlist places, and recent
operations in plain words — the person's fields as the masking table gives them to the
hotline. Opening a card, and revealing one masked field (with a reason from a list), are each
written to the personal-data access log before anything is shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pfdo.accounts.models import User
from pfdo.audit import access_log
from pfdo.certificates.balance import Balance, HistoryRow, balance, history
from pfdo.certificates.models import Certificate
from pfdo.children.models import Child
from pfdo.db import db
from pfdo.enrollments.family import ChildEnrolments, overview
from pfdo.errors import DomainError, NotFound
from pfdo.masking import FIELD_LABELS, Field, present, revealable, show
from pfdo.privacy import deletion
from pfdo.privacy.models import DeletionRequest

HOTLINE = "hotline"
RECENT_OPERATIONS = 10

#: why an operator may open a masked field; the code is what the log keeps
REVEAL_REASONS = {
    "identify": "Звонящий уточняет, тот ли это ребёнок",
    "correct": "Проверка данных по просьбе семьи (ошибка в данных)",
    "coordinator": "Передача обращения координатору",
    "documents": "Вопрос о документах",
}


@dataclass(frozen=True)
class Person:
    """The child's and the parent's fields as the hotline sees them (None: hidden)."""
    child_name: str | None
    birth_date: str | None
    snils: str | None
    document: str | None
    parent_name: str | None
    phone: str | None
    email: str | None
    address: str | None
    #: the fields the operator may reveal, with their labels
    revealable: dict[Field, str]


@dataclass(frozen=True)
class Card:
    certificate: Certificate
    child: Child
    person: Person
    balance: Balance
    enrolments: ChildEnrolments
    operations: list[HistoryRow]
    #: the family's deletion request waiting for the coordinator (a caller asks about it)
    deletion: DeletionRequest | None = None


def _raw(child: Child, field: Field):
    parent = child.parent
    return {
        Field.CHILD_NAME: child.full_name,
        Field.BIRTH_DATE: child.birth_date,
        Field.SNILS: child.snils,
        Field.DOCUMENT: child.document_text,
        Field.PARENT_NAME: parent.full_name if parent else None,
        Field.PHONE: parent.phone if parent else None,
        Field.EMAIL: parent.email if parent else None,
        Field.ADDRESS: child.address,
    }[field]


def person_as(role: str, child: Child) -> Person:
    values = {field: present(role, field, _raw(child, field)) for field in Field}
    return Person(
        child_name=values[Field.CHILD_NAME], birth_date=values[Field.BIRTH_DATE],
        snils=values[Field.SNILS], document=values[Field.DOCUMENT],
        parent_name=values[Field.PARENT_NAME], phone=values[Field.PHONE],
        email=values[Field.EMAIL], address=values[Field.ADDRESS],
        revealable={field: FIELD_LABELS[field] for field in Field
                    if revealable(role, field) and _raw(child, field)})


def get_certificate(certificate_id: int) -> Certificate:
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        raise NotFound("Сертификат не найден")
    return certificate


def open_card(operator: User, certificate_id: int, *, today: date) -> Card:
    """The card of the certificate, the look-up logged first."""
    certificate = get_certificate(certificate_id)
    child = certificate.child
    access_log.record_access(operator, "hotline.certificate_viewed", certificate,
                             {"child": child.id}, children=[child.id])
    enrolments = next((item for item in overview(child.parent) if item.child.id == child.id),
                      ChildEnrolments(child))
    return Card(certificate=certificate, child=child, person=person_as(HOTLINE, child),
                balance=balance(certificate, today=today), enrolments=enrolments,
                operations=history(certificate)[:RECENT_OPERATIONS],
                deletion=deletion.pending_for(child.parent) if child.parent else None)


def reveal(operator: User, certificate_id: int, field: str, reason: str) -> tuple[str, str]:
    """One masked field in full, for the operator: (its label, its value). Logged with the
    field and the reason before it is returned. Refuses a field the hotline may not reveal
    (the address is never shown), an empty one, or a reason not from the list."""
    certificate = get_certificate(certificate_id)
    try:
        wanted = Field(field)
    except ValueError:
        raise DomainError("Выберите, какое поле открыть", field="field") from None
    if not revealable(HOTLINE, wanted):
        raise DomainError("Это поле горячей линии не показывается", field="field")
    if reason not in REVEAL_REASONS:
        raise DomainError("Выберите причину из списка", field="reason")
    raw = _raw(certificate.child, wanted)
    if not raw:
        raise DomainError("Это поле не заполнено", field="field")
    access_log.record_access(operator, "hotline.field_revealed", certificate,
                             {"child": certificate.child_id, "field": wanted.value,
                              "reason": reason}, children=[certificate.child_id])
    return FIELD_LABELS[wanted], show(wanted, raw)
