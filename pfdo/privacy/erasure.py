"""The erasure of a family's personal data (docs/domain.md §13), reached two ways: on the 30th
day after the parent withdrew the consent (`flask privacy erase`, daily from cron), or when the
coordinator carries out the parent's deletion request (pfdo.privacy.deletion).

In one transaction it ends what the family has going — pending enrolment requests withdrawn,
offers declined, waitlist places left, active contracts terminated at the end of the month
(the later months' reserve returns to the certificate; the current month is paid or released
at the monthly close as usual, so the provider's report and invoice stay whole) — then closes
the certificates (the unspent balance returns to the period's fund, the financing place goes
to the queue), replaces every personal field of the parent, the children and the
applications' identity snapshots with placeholders, deletes the family's notices and e-mails,
and closes the account. Certificate and contract numbers, the ledger's transfers with their
sums, invoices, service reports and the audit log stay, without a person behind them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select

from pfdo import clock
from pfdo.accounts import consent as consents
from pfdo.accounts.models import Consent, User
from pfdo.audit import services as audit
from pfdo.certificates import financing, jobs
from pfdo.certificates.models import Certificate, CertificateApplication, CertificateStatus
from pfdo.children.models import Child
from pfdo.db import db, unit_of_work
from pfdo.enrollments import contracts, offers, requests, waitlist
from pfdo.enrollments.models import (
    Contract,
    ContractStatus,
    EnrollmentRequest,
    RequestStatus,
    TerminatedBy,
    WaitlistEntry,
    WaitlistStatus,
)
from pfdo.errors import DomainError
from pfdo.municipality import services as municipality
from pfdo.notifications.models import Notice, OutboxMessage
from pfdo.periods import services as periods
from pfdo.privacy.services import erase_on

#: what replaces a person's name
ERASED_NAME = "Данные удалены"
#: why the certificates were closed and the contracts ended, by what led to the erasure
CLOSED_REASONS = {
    "consent_withdrawn": "Данные семьи удалены после отзыва согласия на обработку "
                         "персональных данных",
    "deletion_request": "Данные семьи удалены по запросу родителя",
}


@dataclass(frozen=True)
class Erased:
    """What an erasure ended, counted for the audit log and the coordinator's page."""

    children: int
    contracts: int
    certificates: int


def _snapshot_placeholder(application_id: int) -> str:
    # 11 digits, unique per application (the live-СНИЛС index stays satisfied), and below
    # 001-001-998: numbers that are never issued, so it can never match a real child.
    return f"{application_id:011d}"


def end_enrolments(parent: User, child_ids: list[int], *, reason: str, today: date) -> int:
    """Withdraw the family's pending requests, decline its offers, leave its waitlists and
    terminate its active contracts, as the family itself would; returns the contracts ended.
    Runs inside the caller's transaction."""
    for request in db.session.scalars(select(EnrollmentRequest).where(
            EnrollmentRequest.child_id.in_(child_ids),
            EnrollmentRequest.status == RequestStatus.PENDING).order_by(EnrollmentRequest.id)):
        requests.withdraw(request, actor=parent)
    for offer in db.session.scalars(select(Contract).where(
            Contract.child_id.in_(child_ids), Contract.status == ContractStatus.OFFERED)
            .order_by(Contract.id)).all():
        offers.decline(offer, actor=parent, today=today)
    for entry in db.session.scalars(select(WaitlistEntry).where(
            WaitlistEntry.child_id.in_(child_ids),
            WaitlistEntry.status == WaitlistStatus.WAITING).order_by(WaitlistEntry.id)).all():
        waitlist.leave(entry, actor=parent)
    active = db.session.scalars(select(Contract).where(
        Contract.child_id.in_(child_ids), Contract.status == ContractStatus.ACTIVE)
        .order_by(Contract.id)).all()
    for contract in active:
        contracts.terminate(contract, actor=parent, by=TerminatedBy.PARENT, reason=reason,
                            today=today)
    return len(active)


def erase(parent: User, *, today: date, basis: str, actor: User | None = None) -> Erased:
    """Anonymise the parent's and the children's data after ending everything the family has
    going (the module docstring). `basis`: a key of CLOSED_REASONS. Runs in the caller's
    transaction, or its own; the freed financing places go to the queue after it."""
    reason = CLOSED_REASONS[basis]
    period = periods.current_period(today)
    with unit_of_work():
        now = clock.now()
        children = db.session.scalars(select(Child).where(Child.parent_id == parent.id)
                                      .order_by(Child.id)).all()
        ids = [child.id for child in children]
        ended = end_enrolments(parent, ids, reason=reason, today=today)
        closing = db.session.scalars(select(Certificate).where(
            Certificate.child_id.in_(ids), Certificate.status != CertificateStatus.CLOSED)
            .order_by(Certificate.id)).all()
        for certificate in closing:
            jobs.close_certificate(
                certificate, period, key=f"erase:{certificate.id}",
                transfer_reason=f"Возврат остатка: {reason[:1].lower()}{reason[1:]}",
                status_reason=reason, audit_reason=basis, actor=actor)
        for application in db.session.scalars(select(CertificateApplication).where(
                CertificateApplication.child_id.in_(ids))):
            application.snils = _snapshot_placeholder(application.id)
            application.identity_key = f"erased|{application.id}"
            if application.refusal_reason is not None:
                application.refusal_reason = ERASED_NAME
        for child in children:
            child.last_name, child.first_name, child.middle_name = ERASED_NAME, "", None
            child.birth_date = date(child.birth_date.year, 1, 1)  # the year stays: statistics
            child.document_series = child.document_number = ""
            child.snils, child.address = "0" * 11, ""
        db.session.execute(delete(Notice).where(Notice.user_id == parent.id))
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.recipient == parent.email))
        for given in db.session.scalars(select(Consent).where(Consent.user_id == parent.id)):
            given.ip = None
            if given.withdrawn_at is None:
                given.withdrawn_at = now  # processing ends with the erasure
            given.erased_at = given.erased_at or now
        parent.email = f"erased-{parent.id}@erased.invalid"
        parent.phone = None
        parent.last_name, parent.first_name, parent.middle_name = ERASED_NAME, "", None
        parent.password_hash = None
        parent.last_login_at = parent.previous_login_at = None
        parent.active = False
        parent.session_version += 1
        erased = Erased(len(children), ended, len(closing))
        audit.record(actor, "personal_data.erased", parent,
                     {"basis": basis, "children_erased": erased.children,
                      "contracts_ended": erased.contracts,
                      "certificates_closed": erased.certificates})
    if period is not None and closing:
        financing.process_queue(period, today=today)
    return erased


# --- On the 30th day after a withdrawal of the consent -----------------------------------------

def due_for_erasure(today: date) -> list[User]:
    """Parents whose latest consent was withdrawn ERASE_AFTER_DAYS or more days ago (the
    municipality's dates) and whose data is not erased yet."""
    withdrawn = db.session.scalars(select(Consent).where(
        Consent.kind == consents.PERSONAL_DATA, Consent.withdrawn_at.is_not(None),
        Consent.erased_at.is_(None)).order_by(Consent.id)).all()
    due = []
    for consent in withdrawn:
        if consents.latest(consent.user) is consent \
                and erase_on(municipality.local_date(consent.withdrawn_at)) <= today:
            due.append(consent.user)
    return due


def erase_due(*, today: date) -> int:
    """Erase every family that is due (see due_for_erasure); returns how many."""
    erased = 0
    for parent in due_for_erasure(today):
        erase_family(parent, today=today)
        erased += 1
    return erased


def erase_family(parent: User, *, today: date) -> Erased:
    """The erasure after a withdrawal of the consent. Refuses: a consent that is not
    withdrawn, or already erased."""
    consent = consents.latest(parent)
    if consent is None or consent.withdrawn_at is None or consent.erased_at is not None:
        raise DomainError("Согласие не отозвано: данные не обезличиваются")
    return erase(parent, today=today, basis="consent_withdrawn")
