"""Certificates: applications, the coordinator's decisions, numbers, conversion to financing,
the queue for freed places, and the balance as the family sees it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from pfdo import clock, links, russian
from pfdo.accounts.consent import require_consent
from pfdo.accounts.models import User
from pfdo.accounts.services import CONSENT_VERSION
from pfdo.audit import services as audit
from pfdo.certificates import duplicates
from pfdo.certificates.models import (
    ApplicationStatus,
    Certificate,
    CertificateApplication,
    CertificateKind,
    CertificateStatus,
    FinancingGrant,
    QueueEntry,
)
from pfdo.certificates.numbering import next_number
from pfdo.certificates.numbers import format_number, normalize_number
from pfdo.children.models import Child
from pfdo.db import db, unit_of_work
from pfdo.errors import DomainError
from pfdo.identifiers import digits_or_none, fold
from pfdo.ledger import services as ledger
from pfdo.ledger.models import AccountKind, TransferKind
from pfdo.money import format_rub
from pfdo.municipality import services as municipality
from pfdo.notifications.services import notify
from pfdo.periods import services as periods
from pfdo.periods.models import FinancingPeriod

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


def certificate_of(child: Child) -> Certificate | None:
    return db.session.scalars(select(Certificate).where(Certificate.child_id == child.id)).first()


# --- Applications ------------------------------------------------------------------------

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
    return db.paginate(stmt.order_by(order, CertificateApplication.id), page=page,
                       per_page=per_page, error_out=False)


def get_application_or_404(application_id: int) -> CertificateApplication:
    return db.get_or_404(CertificateApplication, application_id)


def view_application(application: CertificateApplication, *, actor: User,
                     duplicates_shown=()) -> CertificateApplication:
    """Open the application with the child's full record for a staff member: every such view
    is written to the personal-data access log (152-ФЗ) before the data is shown, with the
    children shown beside it as possible duplicates."""
    details = {"application": application.id}
    if duplicates_shown:
        details["duplicates"] = sorted({m.child.id for m in duplicates_shown})
    with unit_of_work():
        audit.record(actor, "child.viewed", application.child, details)
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


# --- Certificates, financing and the queue -------------------------------------------------

def get_own_certificate_or_404(parent: User, certificate_id: int) -> Certificate:
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or certificate.child.parent_id != parent.id:
        abort(404)
    return certificate


def find_by_number(number: str) -> Certificate | None:
    return db.session.scalars(select(Certificate).where(
        Certificate.number == normalize_number(number))).first()


class DuplicateGrant(DomainError):
    """The certificate already has a financing grant for the period."""


def grant_for(certificate: Certificate, period: FinancingPeriod) -> FinancingGrant | None:
    return db.session.scalars(select(FinancingGrant).where(
        FinancingGrant.certificate_id == certificate.id,
        FinancingGrant.period_id == period.id)).first()


def _grant(certificate: Certificate, period: FinancingPeriod, *, today: date, source: str,
           actor: User | None) -> FinancingGrant:
    """Take a quota place and top the certificate up (helpers only flush)."""
    periods.take_quota_place(period)
    amount, months = periods.prorated_nominal(period, certificate.child.age_on(today), today)
    grant = FinancingGrant(certificate_id=certificate.id, period_id=period.id, months=months,
                           amount=amount, source=source, granted_at=clock.now())
    db.session.add(grant)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise DuplicateGrant("Сертификат уже переведён в сертификат ПФ на этот период") \
            from error
    fund = ledger.get_or_create_account(periods.fund_code(period), AccountKind.FUND,
                                        overdraft_limit=period.budget)
    account = ledger.get_or_create_account(certificate.account_code, AccountKind.CERTIFICATE)
    reason = f"Пополнение сертификата на {period.title}"
    if months < period.months:
        reason += f" за {months} мес."
    ledger.transfer(key=f"topup:{certificate.id}:{period.id}", debit=fund, credit=account,
                    amount=amount, kind=TransferKind.TOPUP, reason=reason, actor=actor)
    certificate.kind = CertificateKind.FINANCING
    return grant


def grant_financing(certificate: Certificate, *, actor: User | None, today: date,
                    source: str = "request") -> FinancingGrant:
    """Turn a certificate into a financing one for the current period and top it up to the
    nominal for the child's age, pro-rated by whole months if the period has begun.

    Called on the parent's request now and by enrolment later. Refuses: no current period, a
    certificate that is not active, one already financed in this period, an exhausted quota
    (QuotaExhausted: the family keeps the record certificate and may queue)."""
    period = periods.current_period(today)
    if period is None:
        raise DomainError("Сейчас нет действующего периода финансирования")
    if certificate.status != CertificateStatus.ACTIVE:
        raise DomainError("Сертификат не действует: перевод невозможен")
    with unit_of_work():
        if grant_for(certificate, period) is not None:
            raise DuplicateGrant(f"Сертификат уже переведён в сертификат ПФ на {period.title}")
        grant = _grant(certificate, period, today=today, source=source, actor=actor)
        _resolve_queue_entry(certificate, period)
        audit.record(actor, "certificate.financing_granted", certificate,
                     {"period": period.title, "amount": grant.amount, "source": source})
        notify(certificate.child.parent,
               f"Сертификат № {format_number(certificate.number)} переведён в сертификат ПФ: "
               f"зачислено {format_rub(grant.amount)} на {period.title} за {grant.months} мес. "
               f"(до {period.ends_on:%d.%m.%Y}).",
               url=links.path("certificates.detail", certificate_id=certificate.id),
               subject="Сертификат переведён в сертификат ПФ",
               template="emails/financing_granted.txt", certificate=certificate, grant=grant)
    return grant


def join_queue(certificate: Certificate, *, actor: User, today: date) -> QueueEntry:
    """Queue for a freed financing place. Refuses: no period, places still free (convert
    instead), already financed, already queued, a certificate that is not active."""
    period = periods.current_period(today)
    if period is None:
        raise DomainError("Сейчас нет действующего периода финансирования")
    if certificate.status != CertificateStatus.ACTIVE:
        raise DomainError("Сертификат не действует")
    if period.quota_left > 0:
        raise DomainError("Места ещё есть: переведите сертификат сразу, без очереди")
    with unit_of_work():
        if grant_for(certificate, period) is not None:
            raise DomainError("Сертификат уже переведён в сертификат ПФ")
        entry = QueueEntry(certificate_id=certificate.id, period_id=period.id,
                           queued_at=clock.now())
        db.session.add(entry)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError as error:
            raise DomainError("Вы уже стоите в очереди") from error
        audit.record(actor, "certificate.queued", certificate, {"period": period.title})
    return entry


def queue_entry(certificate: Certificate, period: FinancingPeriod) -> QueueEntry | None:
    return db.session.scalars(select(QueueEntry).where(
        QueueEntry.certificate_id == certificate.id, QueueEntry.period_id == period.id,
        QueueEntry.status == "waiting")).first()


def queue_position(entry: QueueEntry) -> int:
    return db.session.scalar(select(func.count()).select_from(QueueEntry).where(
        QueueEntry.period_id == entry.period_id, QueueEntry.status == "waiting",
        QueueEntry.id <= entry.id))


def _resolve_queue_entry(certificate: Certificate, period: FinancingPeriod) -> None:
    entry = queue_entry(certificate, period)
    if entry is not None:
        entry.status = "granted"
        entry.resolved_at = clock.now()


def process_queue(period: FinancingPeriod, *, today: date) -> int:
    """Grant freed places to the queue in order; returns how many were granted."""
    granted = 0
    while True:
        db.session.refresh(period)
        if period.quota_left <= 0:
            return granted
        entry = db.session.scalars(select(QueueEntry).where(
            QueueEntry.period_id == period.id, QueueEntry.status == "waiting")
            .order_by(QueueEntry.id).limit(1)).first()
        if entry is None:
            return granted
        certificate = entry.certificate
        if certificate.status != CertificateStatus.ACTIVE:
            with unit_of_work():
                entry.status, entry.resolved_at = "cancelled", clock.now()
            continue
        try:
            grant_financing(certificate, actor=None, today=today, source="queue")
        except periods.QuotaExhausted:
            return granted
        except DomainError:  # e.g. financed meanwhile: this entry cannot be served, the next can
            with unit_of_work():
                entry.status, entry.resolved_at = "cancelled", clock.now()
            continue
        granted += 1


# --- Public verification ----------------------------------------------------------------------

@dataclass(frozen=True)
class Verification:
    """The public check's whole answer. No date: the valid-until date is the child's 18th
    birthday, and a provider needs only to know whether the certificate is valid now."""

    found: bool
    valid: bool = False
    kind_label: str = ""
    status_label: str = ""


def verify(number: str, *, today: date) -> Verification:
    """What anyone may learn from a number: valid or not, kind, status — nothing derived from
    the child."""
    certificate = find_by_number(number)
    if certificate is None:
        return Verification(found=False)
    active = certificate.status == CertificateStatus.ACTIVE
    valid = active and certificate.valid_until > today
    return Verification(found=True, valid=valid, kind_label=certificate.kind_label,
                        status_label=certificate.status_label if valid or not active
                        else "срок действия истёк")


@dataclass(frozen=True)
class ChildSummary:
    child: Child
    application: CertificateApplication | None
    certificate: Certificate | None
    available: int | None


def family_overview(parent: User) -> list[ChildSummary]:
    """Each child of the parent with its latest application, certificate and available sum,
    in a fixed number of queries."""
    children = db.session.scalars(select(Child).where(Child.parent_id == parent.id)
                                  .order_by(Child.birth_date)).all()
    ids = [c.id for c in children]
    if not ids:
        return []
    applications = {}
    for application in db.session.scalars(select(CertificateApplication).where(
            CertificateApplication.child_id.in_(ids)).order_by(CertificateApplication.id)):
        applications[application.child_id] = application  # the latest wins
    certs = {c.child_id: c for c in db.session.scalars(
        select(Certificate).where(Certificate.child_id.in_(ids)))}
    balances = ledger.balances_by_code([c.account_code for c in certs.values()])
    return [ChildSummary(child, applications.get(child.id), certs.get(child.id),
                         balances.get(certs[child.id].account_code)
                         if child.id in certs else None) for child in children]
