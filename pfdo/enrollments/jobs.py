"""The enrolment jobs cron runs daily (`flask enrolments remind`, `flask enrolments expire`):
reminders the working day before a deadline, and the end of what was not answered in time.
Both are idempotent: a reminder is sent once (`reminded_at`), an expiry is a guarded status
change, so a second run — or two at once — does nothing more."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, update

from pfdo import clock
from pfdo.audit import services as audit
from pfdo.certificates.models import Certificate, CertificateStatus
from pfdo.db import db, unit_of_work
from pfdo.enrollments import contracts, notices, offers
from pfdo.enrollments.models import (
    Contract,
    ContractStatus,
    EnrollmentRequest,
    RequestStatus,
    TerminatedBy,
)
from pfdo.enrollments.notices import genitive
from pfdo.errors import DomainError
from pfdo.municipality import services as municipality

#: a deadline is never further than this from its reminder (weekends and the longest holidays)
LOOKAHEAD = timedelta(days=14)


@dataclass
class Report:
    requests: int = 0
    offers: int = 0
    #: active contracts ended because their certificate closed
    contracts: int = 0


def _due_for_reminder(deadline: date, today: date) -> bool:
    return municipality.previous_working_day(deadline) <= today <= deadline


def _mark_reminded(model, row_id: int) -> bool:
    return bool(db.session.execute(
        update(model).where(model.id == row_id, model.reminded_at.is_(None))
        .values(reminded_at=clock.now()).execution_options(synchronize_session=False)
    ).rowcount)


def remind(today: date) -> Report:
    """Remind the provider of a request due tomorrow (the working day before its deadline)
    and the family of an offer lapsing tomorrow."""
    report = Report()
    for request in db.session.scalars(select(EnrollmentRequest).where(
            EnrollmentRequest.status == RequestStatus.PENDING,
            EnrollmentRequest.reminded_at.is_(None),
            EnrollmentRequest.answer_due_on.between(today, today + LOOKAHEAD))).all():
        if not _due_for_reminder(request.answer_due_on, today):
            continue
        with unit_of_work():
            if not _mark_reminded(EnrollmentRequest, request.id):
                continue
            notices.to_provider(
                request.provider,
                f"Срок ответа на заявку «{request.program.title}» (группа «{request.group.name}»)"
                f" истекает {request.answer_due_on:%d.%m.%Y}: без ответа она будет закрыта.",
                endpoint="enrollments.provider_request", request_id=request.id,
                subject="Срок ответа на заявку истекает", template="emails/request_due.txt",
                request=request)
        report.requests += 1
    for contract in db.session.scalars(select(Contract).where(
            Contract.status == ContractStatus.OFFERED, Contract.reminded_at.is_(None),
            Contract.accept_by.between(today, today + LOOKAHEAD))).all():
        if not _due_for_reminder(contract.accept_by, today):
            continue
        with unit_of_work():
            if not _mark_reminded(Contract, contract.id):
                continue
            notices.to_parent(
                contract.parent,
                f"Оферта {contract.number} на «{contract.program.title}» для "
                f"{genitive(contract.child)} действует до {contract.accept_by:%d.%m.%Y}: "
                "примите её или откажитесь.",
                endpoint="enrollments.contract", contract_id=contract.id,
                subject="Срок оферты истекает", template="emails/offer_lapsing.txt",
                contract=contract)
        report.offers += 1
    return report


def expire(today: date) -> Report:
    """Close the requests the provider did not answer in time (the family is told) and the
    offers the family did not accept in time (a seat they held goes to the waitlist)."""
    report = Report()
    for request in db.session.scalars(select(EnrollmentRequest).where(
            EnrollmentRequest.status == RequestStatus.PENDING,
            EnrollmentRequest.answer_due_on < today)).all():
        with unit_of_work():
            done = db.session.execute(
                update(EnrollmentRequest).where(EnrollmentRequest.id == request.id,
                                                EnrollmentRequest.status == RequestStatus.PENDING)
                .values(status=RequestStatus.EXPIRED, answered_at=clock.now())
                .execution_options(synchronize_session=False)).rowcount
            if not done:
                continue
            db.session.refresh(request)
            audit.record(None, "enrolment.expired", request)
            notices.to_parent(
                request.parent,
                f"Поставщик не ответил на заявку «{request.program.title}» для "
                f"{genitive(request.child)} до {request.answer_due_on:%d.%m.%Y}: заявка "
                "закрыта. Можно отправить новую или выбрать другую группу.",
                endpoint="enrollments.mine", subject="Заявка закрыта без ответа",
                template="emails/request_expired.txt", request=request)
        report.requests += 1
    for contract in db.session.scalars(select(Contract).where(
            Contract.status == ContractStatus.OFFERED, Contract.accept_by < today)).all():
        if offers.lapse(contract, today=today):
            report.offers += 1
    report.contracts = end_for_closed_certificates(today)
    return report


def end_for_closed_certificates(today: date) -> int:
    """A closed certificate (the child turned 18, docs/domain.md §4) ends its contracts at the
    end of the month: the later months' reserve returns, the seats go to the waitlists.
    Offers made to it lapse with the ordinary expiry; this ends the active contracts."""
    ended = 0
    for contract in db.session.scalars(
            select(Contract).join(Certificate, Certificate.id == Contract.certificate_id)
            .where(Contract.status == ContractStatus.ACTIVE,
                   Certificate.status == CertificateStatus.CLOSED)
            .order_by(Contract.id)).all():
        reason = contract.certificate.status_reason or "Сертификат закрыт"
        try:
            contracts.terminate(contract, actor=None, by=TerminatedBy.CERTIFICATE,
                                reason=f"Сертификат закрыт: {reason[:1].lower()}{reason[1:]}",
                                today=today)
        except DomainError:  # ended meanwhile by someone else
            continue
        ended += 1
    return ended
