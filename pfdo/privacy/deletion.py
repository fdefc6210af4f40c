"""A parent's request to delete the family's data (152-ФЗ ст. 21; docs/domain.md §13): asked in
the cabinet, cancelled there while it waits, carried out by the coordinator within
DELETION_DAYS — the erasure of pfdo.privacy.erasure, which keeps the ledger's totals, the
invoices and the service reports whole."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from pfdo import clock, links
from pfdo.accounts import consent as consents
from pfdo.accounts.models import Role, User
from pfdo.audit import access_log
from pfdo.audit import services as audit
from pfdo.certificates.models import Certificate, CertificateStatus
from pfdo.children.models import Child
from pfdo.db import db, get_or_not_found, unit_of_work
from pfdo.enrollments.models import (
    Contract,
    ContractStatus,
    EnrollmentRequest,
    RequestStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from pfdo.errors import DomainError
from pfdo.ledger import services as ledger
from pfdo.municipality import services as municipality
from pfdo.notifications.services import notify, queue_email
from pfdo.privacy import erasure
from pfdo.privacy.models import COMMENT_MAX, DELETION_DAYS, DeletionRequest, DeletionStatus

#: the coordinator is warned when this few days are left
DUE_SOON_DAYS = 5


def due_on(requested_on: date) -> date:
    return requested_on + timedelta(days=DELETION_DAYS)


def pending_for(parent: User) -> DeletionRequest | None:
    """The parent's request waiting for the coordinator, if any."""
    return db.session.scalar(select(DeletionRequest).where(
        DeletionRequest.parent_id == parent.id,
        DeletionRequest.status == DeletionStatus.PENDING))


def _coordinators() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == Role.COORDINATOR,
                                                      User.active.is_(True))
                                   .order_by(User.id)))


def request_deletion(parent: User, *, comment: str | None) -> DeletionRequest:
    """The parent asks for the family's data to be deleted; the coordinator is told, the
    parent gets the date it will be done by. Refuses: not a parent, a request already
    waiting, a comment too long."""
    if parent.role != Role.PARENT:
        raise DomainError("Удалить данные семьи может попросить только родитель")
    comment = " ".join((comment or "").split()) or None
    if comment is not None and len(comment) > COMMENT_MAX:
        raise DomainError(f"Не длиннее {COMMENT_MAX} символов", field="comment")
    today = municipality.local_today()
    try:
        with unit_of_work():
            if pending_for(parent) is not None:
                raise DomainError("Запрос на удаление данных уже отправлен")
            request = DeletionRequest(parent_id=parent.id, due_on=due_on(today),
                                      comment=comment)
            db.session.add(request)
            db.session.flush()
            audit.record(parent, "personal_data.deletion_requested", request,
                         {"due_on": request.due_on.isoformat()})
            notify(parent, f"Запрос на удаление данных семьи принят. Координатор удалит их "
                   f"не позднее {request.due_on:%d.%m.%Y}; до этого запрос можно отменить.",
                   url=links.path("privacy.account"), subject="Запрос на удаление данных принят",
                   template="emails/deletion_requested.txt", request=request,
                   link=links.absolute_url("privacy.account"))
            for coordinator in _coordinators():
                notify(coordinator, f"Новый запрос на удаление данных семьи: выполнить до "
                       f"{request.due_on:%d.%m.%Y}.",
                       url=links.path("deletions.card", deletion_id=request.id))
    except IntegrityError:  # the same request sent twice at once: the unique index kept one
        raise DomainError("Запрос на удаление данных уже отправлен") from None
    return request


def cancel(parent: User) -> DeletionRequest:
    """The parent takes the waiting request back. Refuses: nothing waiting (done meanwhile)."""
    with unit_of_work():
        request = pending_for(parent)
        taken = request is not None and db.session.execute(
            update(DeletionRequest).where(DeletionRequest.id == request.id,
                                          DeletionRequest.status == DeletionStatus.PENDING)
            .values(status=DeletionStatus.CANCELLED, done_at=clock.now(), done_by_id=parent.id)
            .execution_options(synchronize_session=False)).rowcount
        if not taken:
            raise DomainError("Запроса на удаление данных нет: отменять нечего")
        db.session.refresh(request)
        audit.record(parent, "personal_data.deletion_cancelled", request)
        for coordinator in _coordinators():
            notify(coordinator, "Родитель отменил запрос на удаление данных семьи.",
                   url=links.path("deletions.card", deletion_id=request.id))
    return request


# --- The coordinator's side ---------------------------------------------------------------------

def requests_page(*, status: str, page: int):
    """The requests, by status ('' = all), the most urgent first."""
    stmt = select(DeletionRequest)
    if status:
        stmt = stmt.where(DeletionRequest.status == status)
    stmt = stmt.order_by((DeletionRequest.status != DeletionStatus.PENDING),
                         DeletionRequest.due_on, DeletionRequest.id)
    return db.paginate(stmt, page=page, per_page=20, error_out=False)


def get(request_id: int) -> DeletionRequest:
    return get_or_not_found(DeletionRequest, request_id)


@dataclass(frozen=True)
class Family:
    """What the erasure will end, shown to the coordinator before carrying it out."""

    children: list[Child]
    certificates: list[tuple[Certificate, int]]  # with the unspent balance in kopecks
    contracts: list[Contract]
    requests: int
    offers: int
    waitlist: int


def family(request: DeletionRequest, *, actor: User) -> Family:
    """The family behind a pending request, for the coordinator's page (the view is logged:
    it shows the children's data)."""
    children = list(db.session.scalars(select(Child).where(
        Child.parent_id == request.parent_id).order_by(Child.id)))
    ids = [child.id for child in children]
    certificates = [
        (c, ledger.balance(ledger.find_account(c.account_code)) if c.account_code else 0)
        for c in db.session.scalars(select(Certificate).where(
            Certificate.child_id.in_(ids), Certificate.status != CertificateStatus.CLOSED)
            .order_by(Certificate.id))]
    contracts = list(db.session.scalars(select(Contract).where(
        Contract.child_id.in_(ids), Contract.status == ContractStatus.ACTIVE)
        .order_by(Contract.id)))

    def count(model, *where) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    result = Family(
        children, certificates, contracts,
        count(EnrollmentRequest, EnrollmentRequest.child_id.in_(ids),
              EnrollmentRequest.status == RequestStatus.PENDING),
        count(Contract, Contract.child_id.in_(ids), Contract.status == ContractStatus.OFFERED),
        count(WaitlistEntry, WaitlistEntry.child_id.in_(ids),
              WaitlistEntry.status == WaitlistStatus.WAITING))
    if request.status == DeletionStatus.PENDING:
        access_log.record_access(actor, "privacy.deletion_viewed", request.parent,
                                 {"request": request.id, "children": len(children)},
                                 children=ids, users=[request.parent_id])
    return result


def carry_out(request: DeletionRequest, *, actor: User, today: date) -> erasure.Erased:
    """Erase the family's data (pfdo.privacy.erasure) and mark the request done.
    Refuses: not the coordinator, a request no longer pending (cancelled, or carried out by
    another coordinator a moment ago)."""
    if actor.role != Role.COORDINATOR:
        raise DomainError("Удаление данных выполняет координатор")
    with unit_of_work():
        taken = db.session.execute(
            update(DeletionRequest).where(DeletionRequest.id == request.id,
                                          DeletionRequest.status == DeletionStatus.PENDING)
            .values(status=DeletionStatus.DONE, done_at=clock.now(), done_by_id=actor.id)
            .execution_options(synchronize_session=False)).rowcount
        if not taken:
            raise DomainError("Запрос уже выполнен или отменён родителем")
        db.session.refresh(request)
        parent = request.parent
        address = parent.email
        consent = consents.latest(parent)
        if consent is not None and consent.erased_at is not None:
            done = erasure.Erased(0, 0, 0)  # erased already after a withdrawal of the consent
        else:
            done = erasure.erase(parent, today=today, basis="deletion_request", actor=actor)
            # 152-ФЗ ст. 21 ч. 4: the person is told the data is gone (the one trace of the
            # address left is this message in the outbox)
            queue_email(address, "Данные семьи удалены", "emails/deletion_done.txt",
                        request=request, done=done)
        request.children_erased, request.contracts_ended = done.children, done.contracts
        request.certificates_closed = done.certificates
        request.comment = None  # the parent's words may name the family
        audit.record(actor, "personal_data.deletion_done", request,
                     {"children_erased": done.children, "contracts_ended": done.contracts,
                      "certificates_closed": done.certificates})
    return done


@dataclass(frozen=True)
class Waiting:
    count: int
    oldest: datetime | None
    #: pending requests whose day is within DUE_SOON_DAYS (or past)
    due_soon: int


def waiting(today: date) -> Waiting:
    """The pending requests for the coordinator's dashboard, in one query."""
    soon = today + timedelta(days=DUE_SOON_DAYS)
    count, oldest, due_soon = db.session.execute(
        select(func.count(), func.min(DeletionRequest.requested_at),
               func.count().filter(DeletionRequest.due_on <= soon))
        .where(DeletionRequest.status == DeletionStatus.PENDING)).one()
    return Waiting(count, oldest, due_soon)
