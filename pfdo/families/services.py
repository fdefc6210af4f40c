"""A parent's children: add, edit, list; ownership checked on every load."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort
from sqlalchemy import select

from pfdo import clock
from pfdo.accounts.consent import require_consent
from pfdo.accounts.models import User
from pfdo.accounts.services import PersonName, clean_name
from pfdo.audit import services as audit
from pfdo.db import db, unit_of_work
from pfdo.errors import DomainError
from pfdo.families.models import Child, DocumentType, Sex
from pfdo.families.validation import (
    document_problem,
    normalize_birth_series,
    normalize_snils,
    snils_problem,
)

MAX_AGE = 18


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
    series = (normalize_birth_series(data.document_series)
              if data.document_type == DocumentType.BIRTH_CERTIFICATE
              else "".join(data.document_series.split()))
    return {
        "last_name": name.last_name, "first_name": name.first_name,
        "middle_name": name.middle_name or None, "birth_date": data.birth_date,
        "sex": data.sex, "document_type": data.document_type, "document_series": series,
        "document_number": data.document_number.strip(), "snils": normalize_snils(data.snils),
        "address": address[:300],
    }


def add_child(parent: User, data: ChildData, *, today: date) -> Child:
    """Add a child to the parent's cabinet.

    Refuses: invalid names, a birth date in the future or 18+ years ago, an unknown sex,
    a malformed document, a СНИЛС with a wrong checksum, a missing address, and the same
    СНИЛС already added by this parent, and anything while the parent's consent to
    personal-data processing is withdrawn."""
    require_consent(parent)
    with unit_of_work():
        values = _clean(data, today)
        duplicate = db.session.scalar(select(Child.id).where(
            Child.parent_id == parent.id, Child.snils == values["snils"]))
        if duplicate:
            raise DomainError("Ребёнок с этим СНИЛС уже есть в вашем кабинете", field="snils")
        child = Child(parent_id=parent.id, created_at=clock.now(), **values)
        db.session.add(child)
        db.session.flush()
        audit.record(parent, "child.added", child)
    return child


def update_child(parent: User, child: Child, data: ChildData, *, today: date) -> Child:
    """Change a child's data. Once an application is filed, identity (ФИО, birth date, СНИЛС)
    is checked by the coordinator and can no longer be changed here.

    Refuses: what add_child refuses, and identity changes after an application."""
    from pfdo.certificates.services import has_live_application

    require_consent(parent)
    with unit_of_work():
        values = _clean(data, today)
        identity = ("last_name", "first_name", "middle_name", "birth_date", "snils")
        changed = sorted(k for k, v in values.items() if getattr(child, k) != v)
        if has_live_application(child) and any(k in identity for k in changed):
            raise DomainError(
                "ФИО, дату рождения и СНИЛС после подачи заявления изменить нельзя: по ним "
                "координатор сверяет документы. Если в них ошибка, сообщите координатору — "
                "контакты на странице «Контакты»", field="last_name")
        for key in changed:
            setattr(child, key, values[key])
        if changed:
            audit.record(parent, "child.updated", child, {"changed": changed})
    return child


def children_of(parent: User) -> list[Child]:
    return db.session.scalars(
        select(Child).where(Child.parent_id == parent.id).order_by(Child.birth_date)
    ).all()


def get_own_child_or_404(parent: User, child_id: int) -> Child:
    """The child, if it belongs to this parent; 404 otherwise (never reveal another family's)."""
    child = db.session.get(Child, child_id)
    if child is None or child.parent_id != parent.id:
        abort(404)
    return child
