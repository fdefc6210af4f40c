"""The coordinator's certificate registry: search by number, СНИЛС or surname, status and kind;
the certificate's card (the child's record, logged as a view of personal data); suspension with
a reason and resumption. A suspended certificate keeps its contracts running and its money
where it is, but no new request, offer or conversion can use it (the enrolment's checks refuse
a certificate that is not active)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from pfdo import links
from pfdo.accounts import consent
from pfdo.accounts.models import User
from pfdo.audit import access_log
from pfdo.audit import services as audit
from pfdo.certificates.models import Certificate, CertificateKind, CertificateStatus
from pfdo.children.identity import name_key
from pfdo.children.models import Child
from pfdo.db import db, unit_of_work
from pfdo.errors import DomainError, NotFound
from pfdo.identifiers import digits_or_none, fold
from pfdo.masking import initials_name
from pfdo.municipality import services as municipality
from pfdo.notifications.services import notify

REASON_MAX = 500
PER_PAGE = 30


@dataclass(frozen=True)
class RegistryFilter:
    query: str = ""
    status: str = ""
    kind: str = ""


def search(flt: RegistryFilter, *, page: int = 1, per_page: int = PER_PAGE):
    """Certificates newest first: a 10-digit query is a number, 11 digits a СНИЛС, words the
    beginning of the child's surname (any case, «ё» as «е»)."""
    stmt = (select(Certificate).join(Child, Child.id == Certificate.child_id)
            .options(joinedload(Certificate.child))
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc()))
    return db.paginate(_filtered(stmt, flt), page=page, per_page=per_page, error_out=False)


def rows(flt: RegistryFilter):
    """The filtered registry as export rows, newest first, read in chunks: number, child
    (surname and initials), date of birth, kind, status, the reason, issued, valid until."""
    stmt = (select(Certificate.number, Child.last_name, Child.first_name, Child.middle_name,
                   Child.birth_date, Certificate.kind, Certificate.status,
                   Certificate.status_reason, Certificate.issued_at, Certificate.valid_until)
            .join(Child, Child.id == Certificate.child_id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc()))
    for (number, last, first, middle, born, kind, status, reason, issued,
         until) in db.session.execute(_filtered(stmt, flt).execution_options(yield_per=1000)):
        yield (number, initials_name(last, first, middle), born,
               CertificateKind(kind).label, CertificateStatus(status).label, reason, issued,
               until)


def _filtered(stmt, flt: RegistryFilter):
    if flt.status in {str(s) for s in CertificateStatus}:
        stmt = stmt.where(Certificate.status == flt.status)
    if flt.kind in {str(k) for k in CertificateKind}:
        stmt = stmt.where(Certificate.kind == flt.kind)
    text = " ".join(fold(flt.query).split())[:100]
    digits = digits_or_none(text)
    if digits is not None and len(digits) == 10:
        stmt = stmt.where(Certificate.number == digits)
    elif digits is not None and len(digits) == 11:
        stmt = stmt.where(Child.snils == digits)
    elif text:
        prefix = name_key(text.split()[0])
        stmt = stmt.where(func.replace(func.lower(Child.last_name), "ё", "е")
                          .startswith(prefix, autoescape=True))
    return stmt


def get(certificate_id: int) -> Certificate:
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        raise NotFound("Сертификат не найден")
    return certificate


def view(certificate_id: int, *, actor: User) -> Certificate:
    """The certificate's card for the coordinator: written to the personal-data access log
    before it is shown."""
    certificate = get(certificate_id)
    access_log.record_access(actor, "child.viewed", certificate.child,
                             {"from": "certificates.registry_card",
                              "certificate": certificate.number},
                             children=[certificate.child_id])
    return certificate


def _reason(text: str | None) -> str:
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise DomainError("Напишите причину: её прочитает родитель", field="reason")
    if len(cleaned) > REASON_MAX:
        raise DomainError(f"Не длиннее {REASON_MAX} символов", field="reason")
    return cleaned


def suspend(certificate: Certificate, reason: str, *, actor: User) -> Certificate:
    """Suspend an active certificate with a reason; the family is told. Refuses one that is
    not active, or an empty reason."""
    reason = _reason(reason)
    with unit_of_work():
        db.session.refresh(certificate, with_for_update=True)
        if certificate.status != CertificateStatus.ACTIVE:
            raise DomainError(f"Сертификат {certificate.status_label}: приостановить можно "
                              "только действующий")
        certificate.status, certificate.status_reason = CertificateStatus.SUSPENDED, reason
        audit.record(actor, "certificate.suspended", certificate, {"reason": reason})
        _tell(certificate, f"Сертификат № {certificate.number} приостановлен: {reason}. "
                           "Договоры продолжаются, новые записи пока невозможны.",
              subject="Сертификат приостановлен")
    return certificate


def resume(certificate: Certificate, *, actor: User) -> Certificate:
    """Make a suspended certificate active again; the family is told. Refuses one that is not
    suspended, one whose child is 18 already, or one suspended because the parent withdrew
    the consent (only the parent's new consent resumes it)."""
    with unit_of_work():
        db.session.refresh(certificate, with_for_update=True)
        if certificate.status != CertificateStatus.SUSPENDED:
            raise DomainError(f"Сертификат {certificate.status_label}: возобновить можно только "
                              "приостановленный")
        if consent.is_withdrawn(certificate.child.parent):
            raise DomainError("Родитель отозвал согласие на обработку данных: сертификат "
                              "возобновится, когда он даст согласие снова")
        if certificate.valid_until <= municipality.local_today():
            raise DomainError("Ребёнку исполнилось 18 лет: сертификат не возобновить")
        certificate.status, certificate.status_reason = CertificateStatus.ACTIVE, None
        audit.record(actor, "certificate.resumed", certificate, {})
        _tell(certificate, f"Сертификат № {certificate.number} снова действует.",
              subject="Сертификат возобновлён")
    return certificate


def _tell(certificate: Certificate, text: str, *, subject: str) -> None:
    url = links.path("certificates.detail", certificate_id=certificate.id)
    notify(certificate.child.parent, text, url=url, subject=subject,
           template="emails/certificate_status.txt", certificate=certificate,
           link=links.absolute_url("certificates.detail", certificate_id=certificate.id))
