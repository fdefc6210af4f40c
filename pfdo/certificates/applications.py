"""Certificate applications: the parent files one, the coordinator searches, opens (logged
as a personal-data view), confirms (which issues the certificate) or refuses it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from pfdo import clock, links, russian
from pfdo.accounts.consent import require_consent
from pfdo.accounts.models import User
from pfdo.accounts.services import CONSENT_VERSION
from pfdo.audit import access_log
from pfdo.audit import services as audit
from pfdo.certificates import duplicates
from pfdo.certificates.models import (
    ApplicationStatus,
    Certificate,
    CertificateApplication,
    CertificateKind,
    CertificateStatus,
)
from pfdo.certificates.numbering import next_number
from pfdo.certificates.numbers import format_number
from pfdo.children.models import Child, age_on
from pfdo.db import db, unit_of_work
from pfdo.errors import DomainError, NotFound
from pfdo.identifiers import digits_or_none, fold
from pfdo.ledger import services as ledger
from pfdo.ledger.models import AccountKind
from pfdo.masking import initials_name
from pfdo.municipality import services as municipality
from pfdo.notifications.services import notify

MIN_AGE, MAX_AGE = 5, 17


def has_live_application(child: Child) -> bool:
    return bool(db.session.scalar(select(CertificateApplication.id).where(
        CertificateApplication.child_id == child.id,
        CertificateApplication.status != ApplicationStatus.REFUSED)))


def live_application(child: Child) -> CertificateApplication | None:
    return db.session.scalars(
        select(CertificateApplication).where(CertificateApplication.child_id == child.id)
        .order_by(CertificateApplication.id.desc())).first()


def applications_of(child: Child) -> list[CertificateApplication]:
    return list(db.session.scalars(select(CertificateApplication).where(
        CertificateApplication.child_id == child.id).order_by(CertificateApplication.id)))


def apply_for_certificate(parent: User, child: Child, *, consent: bool,
                          today: date) -> CertificateApplication:
    """File an application for the child's certificate.

    Refuses: no consent, a child outside 5–17 years today, the child's own application filed
    already (a second submit of the form), a duplicate — the same СНИЛС, the same
    surname + first name + date of birth, or the same document, in an application that is
    not refused (enforced by partial unique indexes too, so racing applications cannot both
    pass; the keys do not depend on the optional отчество or on how digits were typed) — and
    a parent whose consent to personal-data processing is withdrawn."""
    if not consent:
        raise DomainError("Нужно согласие на обработку персональных данных ребёнка",
                          field="consent")
    require_consent(parent)
    age = child.age_on(today)
    if age < MIN_AGE:
        raise DomainError(f"Сертификат выдаётся с 5 лет. {child.first_name} сможет его получить "
                          f"с {child.birthday(MIN_AGE):%d.%m.%Y}.")
    if age > MAX_AGE:
        raise DomainError("Сертификат выдаётся детям до 18 лет.")
    with unit_of_work():
        key, document = duplicates.refuse_duplicate(child)
        application = CertificateApplication(
            child_id=child.id, applicant_id=parent.id, consent_version=CONSENT_VERSION,
            snils=child.snils, identity_key=key, document_key=document,
            submitted_at=clock.now())
        db.session.add(application)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError as error:
            raise DomainError(duplicates.DUPLICATE.format(what="совпадают данные ребёнка")) \
                from error
        audit.record(parent, "certificate_application.submitted", application)
    return application


@dataclass(frozen=True)
class ApplicationFilter:
    status: str = ApplicationStatus.SUBMITTED
    query: str = ""
    date_from: date | None = None
    date_to: date | None = None


def search_applications(flt: ApplicationFilter, *, page: int = 1, per_page: int = 30):
    """The coordinator's queue: oldest waiting first; by surname, СНИЛС or certificate number
    (typed in any script's digits, with or without separators: «１１２-２３３-４４５ ９５»)."""
    stmt = (select(CertificateApplication).join(Child)
            .options(selectinload(CertificateApplication.child),
                     selectinload(CertificateApplication.certificate)))
    return db.paginate(_filtered(stmt, flt), page=page, per_page=per_page, error_out=False)


def application_rows(flt: ApplicationFilter, *, today: date):
    """The filtered queue as export rows, in the queue's order, read in chunks: submitted,
    child (surname and initials, as the queue shows them), age on `today`, status, days
    waiting (only while waiting), decided or withdrawn, the certificate's number, the reason
    of a refusal."""
    stmt = (select(CertificateApplication.submitted_at, Child.last_name, Child.first_name,
                   Child.middle_name, Child.birth_date, CertificateApplication.status,
                   CertificateApplication.decided_at, Certificate.number,
                   CertificateApplication.refusal_reason)
            .select_from(CertificateApplication)
            .join(Child, Child.id == CertificateApplication.child_id)
            .outerjoin(Certificate, Certificate.id == CertificateApplication.certificate_id))
    for (submitted, last, first, middle, born, status, decided, number,
         reason) in db.session.execute(_filtered(stmt, flt).execution_options(yield_per=1000)):
        waiting = status == ApplicationStatus.SUBMITTED
        yield (submitted, initials_name(last, first, middle), age_on(born, today),
               ApplicationStatus(status).label,
               municipality.days_since(submitted, today) if waiting else None,
               None if waiting else decided, number, reason)


def _filtered(stmt, flt: ApplicationFilter):
    """The queue's filters and order, on a statement that selects from the applications
    joined with their children: the page and the export read the same rows."""
    if flt.status:
        stmt = stmt.where(CertificateApplication.status == flt.status)
    text = fold(flt.query).strip()
    if text:
        digits = digits_or_none(text) or ""
        conditions = [func.lower(Child.last_name).startswith(text.lower(),
                                                               autoescape=True)]
        if len(digits) == 11:
            conditions.append(Child.snils == digits)
        if len(digits) == 10:
            conditions.append(CertificateApplication.certificate.has(Certificate.number == digits))
        stmt = stmt.where(or_(*conditions))
    start, end = municipality.local_day_bounds(flt.date_from, flt.date_to)
    if start is not None:
        stmt = stmt.where(CertificateApplication.submitted_at >= start)
    if end is not None:
        stmt = stmt.where(CertificateApplication.submitted_at < end)
    order = (CertificateApplication.submitted_at.asc()
             if flt.status == ApplicationStatus.SUBMITTED
             else CertificateApplication.submitted_at.desc())
    return stmt.order_by(order, CertificateApplication.id)


def get_application(application_id: int) -> CertificateApplication:
    """The application with this id. Refuses (NotFound) an unknown id."""
    application = db.session.get(CertificateApplication, application_id)
    if application is None:
        raise NotFound()
    return application


def view_application(application: CertificateApplication, *, actor: User,
                     duplicates_shown=()) -> CertificateApplication:
    """Open the application with the child's full record for a staff member: every such view
    is written to the personal-data access log (152-ФЗ) before the data is shown, with the
    children shown beside it as possible duplicates."""
    details = {"application": application.id}
    if duplicates_shown:
        details["duplicates"] = sorted({m.child.id for m in duplicates_shown})
    access_log.record_access(actor, "child.viewed", application.child, details,
                             children=[application.child_id, *details.get("duplicates", ())])
    return application


def waiting_count() -> int:
    return db.session.scalar(select(func.count()).select_from(CertificateApplication).where(
        CertificateApplication.status == ApplicationStatus.SUBMITTED))


def confirm_application(application: CertificateApplication, *, actor: User) -> Certificate:
    """Confirm the application: issue the certificate (kind record, status active, a new
    number) and tell the parent. Refuses an application that is already decided."""
    with unit_of_work():
        _lock_undecided(application)
        child = application.child
        certificate = Certificate(
            number=next_number(), child_id=child.id, kind=CertificateKind.RECORD,
            status=CertificateStatus.ACTIVE, issued_at=clock.now(),
            valid_until=child.eighteenth_birthday)
        db.session.add(certificate)
        db.session.flush()
        application.status = ApplicationStatus.CONFIRMED
        application.decided_at = clock.now()
        application.decided_by_id = actor.id
        application.certificate_id = certificate.id
        ledger.get_or_create_account(certificate.account_code, AccountKind.CERTIFICATE)
        audit.record(actor, "certificate_application.confirmed", application,
                     {"certificate": certificate.number})
        notify(application.applicant, f"Заявление подтверждено: {child.first_name} "
               f"{russian.gendered(child.sex, 'получил', 'получила')} сертификат "
               f"№ {format_number(certificate.number)}.",
               url=links.path("certificates.detail", certificate_id=certificate.id),
               subject="Сертификат выдан", template="emails/certificate_issued.txt",
               certificate=certificate, child=child)
    return certificate


def refuse_application(application: CertificateApplication, reason: str, *,
                       actor: User) -> CertificateApplication:
    """Refuse with a reason the parent will read. Refuses: an empty reason, a decided one."""
    reason = " ".join((reason or "").split())
    if len(reason) < 5:
        raise DomainError("Напишите причину отказа: её прочитает родитель", field="reason")
    if len(reason) > 500:  # never cut: the parent must read what was written
        raise DomainError(f"Причина не длиннее 500 знаков: сейчас {len(reason)}", field="reason")
    with unit_of_work():
        _lock_undecided(application)
        application.status = ApplicationStatus.REFUSED
        application.refusal_reason = reason
        application.decided_at = clock.now()
        application.decided_by_id = actor.id
        audit.record(actor, "certificate_application.refused", application, {"reason": reason})
        notify(application.applicant, "По заявлению на сертификат для "
               f"{russian.inflect_first_name(application.child, 'genitive')} отказано: {reason}",
               url=links.path("families.child", child_id=application.child_id),
               subject="Отказ в выдаче сертификата", template="emails/application_refused.txt",
               child=application.child, reason=reason)
    return application


def _lock_undecided(application: CertificateApplication) -> None:
    """Claim the decision with a guarded UPDATE: two coordinators cannot both decide."""
    claimed = db.session.execute(
        update(CertificateApplication)
        .where(CertificateApplication.id == application.id,
               CertificateApplication.status == ApplicationStatus.SUBMITTED)
        .values(decided_at=clock.now())
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(application)
    if not claimed:
        # A second click, or another coordinator was faster: say what the state is now.
        if application.status == ApplicationStatus.WITHDRAWN:
            raise DomainError("Заявление отозвано заявителем вместе с согласием на обработку "
                              "персональных данных: решение по нему не принимается")
        raise DomainError(f"Заявление уже рассмотрено: {application.status_label}")
