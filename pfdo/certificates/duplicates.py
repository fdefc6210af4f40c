"""One child, one certificate: the refusal of a duplicate application, and every possible
duplicate of an application for the coordinator to check.

Exact matches refuse a new application (and partial unique indexes back the refusal up, so
racing applications cannot both pass): the same СНИЛС, the same surname + first name + date
of birth (families.identity: no отчество, any spelling), or the same identity document, in an
application that is not refused. Near matches (the same surname and date of birth, the same
first name and date of birth) do not refuse anything; they are shown to the coordinator
beside the exact ones, with the children who have no application at all."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from pfdo.certificates.models import ApplicationStatus, Certificate, CertificateApplication
from pfdo.children.identity import (
    child_document_key,
    child_identity_key,
    name_key,
)
from pfdo.children.models import Child
from pfdo.db import db
from pfdo.errors import DomainError

DUPLICATE = ("На этого ребёнка уже подано заявление или выдан сертификат ({what}). "
             "Сертификат выдаётся один раз. Если его оформлял другой родитель, номер есть в его "
             "личном кабинете; если это ошибка — обратитесь к координатору.")
SAME_SNILS = "совпадает СНИЛС"
SAME_IDENTITY = "совпадают фамилия, имя и дата рождения"
SAME_DOCUMENT = "совпадает документ, удостоверяющий личность"
SAME_SURNAME = "совпадают фамилия и дата рождения"
SAME_FIRST_NAME = "совпадают имя и дата рождения"
SAME_CHILD = "этот же ребёнок, другое заявление"


def refuse_duplicate(child: Child) -> tuple[str, str]:
    """The child's identity and document keys, for a new application; refuses (DomainError)
    when the child's own application is live already (the form was sent twice) or another
    live application matches exactly. Call inside the unit of work that inserts it."""
    key, document = child_identity_key(child), child_document_key(child)
    clashes = db.session.scalars(select(CertificateApplication).where(
        CertificateApplication.status != ApplicationStatus.REFUSED,
        or_(CertificateApplication.child_id == child.id,
            CertificateApplication.snils == child.snils,
            CertificateApplication.identity_key == key,
            CertificateApplication.document_key == document))
        .order_by(CertificateApplication.id)).all()
    own = next((c for c in clashes if c.child_id == child.id), None)
    if own is not None:
        state = ("оно на рассмотрении" if own.status == ApplicationStatus.SUBMITTED
                 else "оно подтверждено, сертификат выдан")
        raise DomainError(f"Заявление на сертификат уже подано: {child.full_name} — {state}")
    if clashes:
        clash = clashes[0]
        what = (SAME_SNILS if clash.snils == child.snils else
                SAME_IDENTITY if clash.identity_key == key else SAME_DOCUMENT)
        raise DomainError(DUPLICATE.format(what=what))
    return key, document


@dataclass
class PossibleDuplicate:
    """Another child (or another application of this one) the coordinator should compare."""

    child: Child
    #: what matches, in Russian, exact reasons first
    reasons: list[str] = field(default_factory=list)
    #: the same СНИЛС, identity or document (not only a similar name)
    exact: bool = False
    #: the child's latest application other than the one being viewed, if any
    application: CertificateApplication | None = None
    certificate: Certificate | None = None


def possible_duplicates(application: CertificateApplication) -> list[PossibleDuplicate]:
    """Every child that may be the application's child: exact matches (СНИЛС, surname + first
    name + date of birth, document) and near ones (surname + date of birth, first name + date
    of birth), whether they have an application, a certificate or nothing; and the child's own
    other applications. Exact ones first. A fixed number of queries."""
    child = application.child
    candidates = db.session.scalars(select(Child).where(or_(
        Child.snils == child.snils,
        Child.birth_date == child.birth_date,
        and_(Child.document_type == child.document_type,
             Child.document_series == child.document_series,
             Child.document_number == child.document_number)))
        .options(selectinload(Child.parent)).order_by(Child.id)).all()
    identity, document = child_identity_key(child), child_document_key(child)
    surname, first_name = name_key(child.last_name), name_key(child.first_name)
    found: dict[int, PossibleDuplicate] = {}
    for other in candidates:
        if other.id == child.id:
            found[other.id] = PossibleDuplicate(other, [SAME_CHILD], exact=True)
            continue
        reasons = [reason for reason, same in (
            (SAME_SNILS, other.snils == child.snils),
            (SAME_IDENTITY, child_identity_key(other) == identity),
            (SAME_DOCUMENT, child_document_key(other) == document)) if same]
        exact = bool(reasons)
        if not exact and other.birth_date == child.birth_date:
            if name_key(other.last_name) == surname:
                reasons.append(SAME_SURNAME)
            elif name_key(other.first_name) == first_name:
                reasons.append(SAME_FIRST_NAME)
        if reasons:
            found[other.id] = PossibleDuplicate(other, reasons, exact=exact)
    if not found:
        return []
    for filed in db.session.scalars(select(CertificateApplication).where(
            CertificateApplication.child_id.in_(found),
            CertificateApplication.id != application.id).order_by(CertificateApplication.id)):
        found[filed.child_id].application = filed  # the latest wins
    for issued in db.session.scalars(select(Certificate).where(Certificate.child_id.in_(found))):
        found[issued.child_id].certificate = issued
    # The child itself matters only when it has another application.
    matches = [m for m in found.values() if m.child.id != child.id or m.application]
    return sorted(matches, key=lambda m: (not m.exact, m.child.id))
