"""A parent's children: add, edit, list; ownership checked on every load."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from pfdo import clock
from pfdo.accounts.consent import require_consent
from pfdo.accounts.models import User
from pfdo.accounts.services import PersonName, clean_name
from pfdo.audit import services as audit
from pfdo.certificates.applications import has_live_application
from pfdo.children.identity import identity_key
from pfdo.children.models import Child, Sex
from pfdo.children.validation import (
    document_problem,
    normalize_document,
    normalize_snils,
    snils_problem,
)
from pfdo.db import db, unit_of_work
from pfdo.errors import DomainError, NotFound

MAX_AGE = 18
#: what a child's certificate application fixes: the coordinator checks these against the
#: documents, so once it is filed (and after the certificate is issued) they do not change
PROTECTED_FIELDS = ("last_name", "first_name", "middle_name", "birth_date", "snils")
MAX_ADDRESS = 300


@dataclass(frozen=True)
class ChildData:
    name: PersonName
    birth_date: date | None
    sex: str
    document_type: str
    document_series: str
    document_number: str
    snils: str
    address: str


def _clean(data: ChildData, today: date) -> dict:
    name = clean_name(data.name)
    if data.birth_date is None:
        raise DomainError("Укажите дату рождения", field="birth_date")
    if data.birth_date > today:
        raise DomainError("Дата рождения не может быть в будущем", field="birth_date")
    probe = Child(birth_date=data.birth_date)
    if probe.age_on(today) >= MAX_AGE:
        raise DomainError("Сертификат выдаётся детям до 18 лет", field="birth_date")
    if data.sex not in {str(s) for s in Sex}:
        raise DomainError("Укажите пол", field="sex")
    problem = document_problem(data.document_type, data.document_series, data.document_number)
    if problem:
        raise DomainError(problem[1], field=problem[0])
    problem = snils_problem(data.snils)
    if problem:
        raise DomainError(problem, field="snils")
    address = " ".join((data.address or "").split())
    if len(address) < 10:
        raise DomainError("Укажите адрес проживания: населённый пункт, улицу, дом", field="address")
    if len(address) > MAX_ADDRESS:
        raise DomainError(f"Адрес не длиннее {MAX_ADDRESS} знаков: сейчас {len(address)}",
                          field="address")
    series, number = normalize_document(data.document_type, data.document_series,
                                        data.document_number)
    return {
        "last_name": name.last_name, "first_name": name.first_name,
        "middle_name": name.middle_name or None, "birth_date": data.birth_date,
        "sex": data.sex, "document_type": data.document_type, "document_series": series,
        "document_number": number, "snils": normalize_snils(data.snils), "address": address,
    }


def _refuse_family_duplicate(parent: User, values: dict, *, except_id: int | None) -> None:
    """One child is added once: the same СНИЛС, the same surname + first name + date of birth
    (whatever the отчество and the spelling), or the same document as another child of this
    parent is refused beside that field, saying which child it is."""
    key = identity_key(values["last_name"], values["first_name"], values["birth_date"])
    for other in children_of(parent):
        if other.id == except_id:
            continue
        where = f"{other.full_name}, {other.birth_date:%d.%m.%Y}"
        if other.snils == values["snils"]:
            raise DomainError(f"Ребёнок с этим СНИЛС уже есть в вашем кабинете: {where}. "
                              "Откройте его карточку в кабинете", field="snils")
        if identity_key(other.last_name, other.first_name, other.birth_date) == key:
            raise DomainError(f"Этот ребёнок уже есть в вашем кабинете: {where}. Откройте его "
                              "карточку в кабинете и исправьте данные там, если нужно",
                              field="last_name")
        if (other.document_type, other.document_series, other.document_number) == (
                values["document_type"], values["document_series"], values["document_number"]):
            raise DomainError(f"Этот документ уже указан у ребёнка в вашем кабинете: {where}",
                              field="document_number")


def add_child(parent: User, data: ChildData, *, today: date) -> Child:
    """Add a child to the parent's cabinet.

    Refuses: invalid names, a birth date in the future or 18+ years ago, an unknown sex,
    a malformed document, a СНИЛС with a wrong checksum, a missing or too long address, a
    child this parent has already added (the same СНИЛС, ФИО + date of birth, or document),
    and anything while the parent's consent to personal-data processing is withdrawn."""
    require_consent(parent)
    with unit_of_work():
        values = _clean(data, today)
        _refuse_family_duplicate(parent, values, except_id=None)
        child = Child(parent_id=parent.id, created_at=clock.now(), **values)
        db.session.add(child)
        db.session.flush()
        audit.record(parent, "child.added", child)
    return child


def update_child(parent: User, child: Child, data: ChildData, *, today: date) -> Child:
    """Change a child's data. Once an application is filed, identity (ФИО, birth date, СНИЛС)
    is checked by the coordinator and can no longer be changed here (the form shows those
    fields read-only); the other fields still save.

    Refuses: what add_child refuses, and a change of a protected field after an application
    (beside that field)."""
    require_consent(parent)
    with unit_of_work():
        values = _clean(data, today)
        changed = [k for k in values if getattr(child, k) != values[k]]
        locked = [k for k in PROTECTED_FIELDS if k in changed]
        if locked and has_live_application(child):
            raise DomainError(
                "Это поле после подачи заявления не меняется: по нему координатор сверяет "
                "документы. Если в нём ошибка, сообщите координатору — контакты на странице "
                "«Контакты»", field=locked[0])
        _refuse_family_duplicate(parent, values, except_id=child.id)
        for key in changed:
            setattr(child, key, values[key])
        if changed:
            audit.record(parent, "child.updated", child, {"changed": sorted(changed)})
    return child


def children_of(parent: User) -> list[Child]:
    return db.session.scalars(
        select(Child).where(Child.parent_id == parent.id).order_by(Child.birth_date)
    ).all()


def get_own_child_or_404(parent: User, child_id: int) -> Child:
    """The child, if it belongs to this parent; 404 otherwise (never reveal another family's)."""
    child = db.session.get(Child, child_id)
    if child is None or child.parent_id != parent.id:
        raise NotFound()
    return child
