"""Personal data (152-ФЗ; docs/domain.md §13): a parent withdraws the consent to personal-data
processing in the cabinet, or gives it again; on the 30th day after a withdrawal the family's
data is anonymised (`flask privacy erase`, run daily from cron) while the ledger's totals stay.

What a withdrawal does, at once and in one transaction:
  - the consent gets `withdrawn_at` (and an audit event);
  - the family's applications waiting for the coordinator are withdrawn: nobody decides them;
  - the children's active certificates are suspended: while the consent is withdrawn they
    cannot be converted or queued (every use checks the status), and /verify says
    «приостановлен»; a waiting place in the queue is cancelled;
  - adding or changing a child and new applications are refused (accounts.consent).
Given again before the erasure, the consent undoes exactly that: the withdrawn applications
return to the queue and the suspended certificates act again.

The erasure itself is pfdo.privacy.erasure's; a deletion request, carried out by the
coordinator, is pfdo.privacy.deletion's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, update

from pfdo import clock
from pfdo.accounts import consent as consents
from pfdo.accounts.models import Consent, Role, User
from pfdo.accounts.services import CONSENT_VERSION
from pfdo.audit import services as audit
from pfdo.certificates.models import (
    ApplicationStatus,
    Certificate,
    CertificateApplication,
    CertificateStatus,
    QueueEntry,
)
from pfdo.children.models import Child
from pfdo.db import db, unit_of_work
from pfdo.errors import DomainError
from pfdo.municipality import services as municipality
from pfdo.notifications.services import notify

#: the erasure runs on this day after the withdrawal: within the 30 days of 152-ФЗ ст. 21 ч. 5
ERASE_AFTER_DAYS = 29
SUSPENDED_REASON = "Родитель отозвал согласие на обработку персональных данных"


@dataclass(frozen=True)
class FamilyConsent:
    """The parent's consent and what a withdrawal touches (or touched) in the family."""

    consent: Consent | None
    #: the municipality's date of the withdrawal, and of the erasure it leads to
    withdrawn_on: date | None
    erase_on: date | None
    #: waiting for the coordinator (before a withdrawal) or withdrawn with the consent
    applications: list[CertificateApplication]
    #: active (before a withdrawal) or suspended by it
    certificates: list[Certificate]

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_on is not None


def erase_on(withdrawn_on: date) -> date:
    return withdrawn_on + timedelta(days=ERASE_AFTER_DAYS)


def _children_ids(parent: User) -> list[int]:
    return list(db.session.scalars(select(Child.id).where(Child.parent_id == parent.id)))


def _applications(ids: list[int], status: str) -> list[CertificateApplication]:
    return list(db.session.scalars(select(CertificateApplication).where(
        CertificateApplication.child_id.in_(ids), CertificateApplication.status == status)
        .order_by(CertificateApplication.id)))


def _certificates(ids: list[int], status: str, *, reason: str | None = None
                  ) -> list[Certificate]:
    stmt = select(Certificate).where(Certificate.child_id.in_(ids), Certificate.status == status)
    if reason is not None:
        stmt = stmt.where(Certificate.status_reason == reason)
    return list(db.session.scalars(stmt.order_by(Certificate.id)))


def family_consent(parent: User) -> FamilyConsent:
    """The consent in force or withdrawn, and the applications and certificates it concerns."""
    consent = consents.latest(parent)
    ids = _children_ids(parent)
    if consent is not None and consent.withdrawn_at is not None:
        withdrawn_on = municipality.local_date(consent.withdrawn_at)
        return FamilyConsent(consent, withdrawn_on, erase_on(withdrawn_on),
                             _applications(ids, ApplicationStatus.WITHDRAWN),
                             _certificates(ids, CertificateStatus.SUSPENDED,
                                           reason=SUSPENDED_REASON))
    return FamilyConsent(consent, None, None, _applications(ids, ApplicationStatus.SUBMITTED),
                         _certificates(ids, CertificateStatus.ACTIVE))


def withdraw_consent(parent: User) -> FamilyConsent:
    """Withdraw the parent's consent: withdraw the waiting applications, suspend the active
    certificates, cancel their places in the queue; tell the parent when the data goes.

    Refuses: a user who is not a parent, a consent that is not in force."""
    if parent.role != Role.PARENT:
        raise DomainError("Отозвать согласие в кабинете может только родитель")
    with unit_of_work():
        consent = consents.latest(parent)
        now = clock.now()
        # The guard in the WHERE clause: two withdrawals at once do the work once.
        taken = consent is not None and db.session.execute(
            update(Consent).where(Consent.id == consent.id, Consent.withdrawn_at.is_(None))
            .values(withdrawn_at=now).execution_options(synchronize_session=False)).rowcount
        if not taken:
            raise DomainError("Согласие уже отозвано")
        db.session.refresh(consent)
        ids = _children_ids(parent)
        applications = _applications(ids, ApplicationStatus.SUBMITTED)
        for application in applications:
            application.status = ApplicationStatus.WITHDRAWN
            application.decided_at, application.decided_by_id = now, None
            audit.record(parent, "certificate_application.withdrawn", application,
                         {"reason": "consent_withdrawn"})
        suspended = _certificates(ids, CertificateStatus.ACTIVE)
        for certificate in suspended:
            certificate.status, certificate.status_reason = CertificateStatus.SUSPENDED, \
                SUSPENDED_REASON
            audit.record(parent, "certificate.suspended", certificate,
                         {"reason": "consent_withdrawn"})
        if suspended:
            db.session.execute(
                update(QueueEntry).where(QueueEntry.certificate_id.in_(
                    [c.id for c in suspended]), QueueEntry.status == "waiting")
                .values(status="cancelled", resolved_at=now)
                .execution_options(synchronize_session=False))
        audit.record(parent, "consent.withdrawn", consent,
                     {"applications_withdrawn": len(applications),
                      "certificates_suspended": len(suspended)})
        day = erase_on(municipality.local_date(now))
        notify(parent, f"Согласие на обработку персональных данных отозвано. {day:%d.%m.%Y} "
               "данные семьи будут обезличены; до этого дня согласие можно дать снова.",
               subject="Согласие на обработку персональных данных отозвано",
               template="emails/consent_withdrawn.txt", erase_on=day,
               applications=applications, certificates=suspended)
    return family_consent(parent)


def give_consent_again(parent: User, *, ip: str | None) -> Consent:
    """Give the consent again after a withdrawal (before the erasure): the applications
    withdrawn with it return to the coordinator, the certificates it suspended act again.

    Refuses: a consent that is in force, a family whose data is already erased."""
    with unit_of_work():
        previous = consents.latest(parent)
        if previous is None or previous.withdrawn_at is None:
            raise DomainError("Согласие и так действует")
        if previous.erased_at is not None:
            raise DomainError("Данные семьи уже обезличены")
        now = clock.now()
        consent = Consent(user_id=parent.id, kind=consents.PERSONAL_DATA,
                          text_version=CONSENT_VERSION, given_at=now, ip=ip)
        db.session.add(consent)
        ids = _children_ids(parent)
        for application in _applications(ids, ApplicationStatus.WITHDRAWN):
            application.status = ApplicationStatus.SUBMITTED
            application.decided_at = None
            audit.record(parent, "certificate_application.resumed", application)
        for certificate in _certificates(ids, CertificateStatus.SUSPENDED,
                                         reason=SUSPENDED_REASON):
            certificate.status, certificate.status_reason = CertificateStatus.ACTIVE, None
            audit.record(parent, "certificate.resumed", certificate)
        db.session.flush()
        audit.record(parent, "consent.given", consent, {"consent_version": CONSENT_VERSION})
    return consent
