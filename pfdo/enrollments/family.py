"""What the family's enrolment pages read: «Мои записи» for every child in a fixed number of
queries (whatever the number of contracts in the system), the sums of a contract's months,
what a termination today would return, and the child's week by day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from blinker import signal
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from pfdo.accounts.models import User
from pfdo.certificates.models import Certificate, CertificateStatus
from pfdo.children.models import Child
from pfdo.db import db
from pfdo.enrollments import waitlist
from pfdo.enrollments.contracts import last_day_of_month
from pfdo.enrollments.models import (
    Contract,
    ContractStatus,
    EnrollmentRequest,
    MonthStatus,
    RequestStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from pfdo.enrollments.schedule import Lesson
from pfdo.programs.models import WEEKDAY_LABELS, Group, Program


@dataclass
class ChildEnrolments:
    child: Child
    requests: list[EnrollmentRequest] = field(default_factory=list)
    offers: list[Contract] = field(default_factory=list)
    contracts: list[Contract] = field(default_factory=list)
    #: (entry, place in the queue)
    waiting: list[tuple[WaitlistEntry, int | None]] = field(default_factory=list)
    #: what is over: declined, lapsed, terminated contracts; rejected, expired, withdrawn
    #: requests — newest first
    closed_contracts: list[Contract] = field(default_factory=list)
    closed_requests: list[EnrollmentRequest] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.requests or self.offers or self.contracts or self.waiting
                    or self.closed_contracts or self.closed_requests)

    @property
    def closed_count(self) -> int:
        return len(self.closed_contracts) + len(self.closed_requests)


def own_children(parent: User) -> list[Child]:
    return list(db.session.scalars(select(Child).where(Child.parent_id == parent.id)
                                   .order_by(Child.birth_date, Child.id)))


def with_active_certificate(parent: User) -> set[int]:
    """The ids of the parent's children whose certificate is active (those who can enrol)."""
    return set(db.session.scalars(
        select(Child.id).join(Certificate, Certificate.child_id == Child.id)
        .where(Child.parent_id == parent.id, Certificate.status == CertificateStatus.ACTIVE)))


def overview(parent: User) -> list[ChildEnrolments]:
    """Every child of `parent` with its requests, offers, contracts and queues, in a fixed
    number of queries (children, requests, contracts with their months and classes, queues
    with their places)."""
    by_child = {c.id: ChildEnrolments(c) for c in own_children(parent)}
    program = (joinedload(EnrollmentRequest.program).joinedload(Program.provider))
    for request in db.session.scalars(
            select(EnrollmentRequest).where(EnrollmentRequest.parent_id == parent.id,
                                            EnrollmentRequest.status != RequestStatus.ACCEPTED)
            .options(joinedload(EnrollmentRequest.group), program)
            .order_by(EnrollmentRequest.created_at.desc(), EnrollmentRequest.id.desc())):
        item = by_child.get(request.child_id)
        if item is not None:
            (item.requests if request.is_pending else item.closed_requests).append(request)
    for contract in db.session.scalars(
            select(Contract).where(Contract.parent_id == parent.id)
            .options(joinedload(Contract.group).selectinload(Group.sessions),
                     joinedload(Contract.program),
                     joinedload(Contract.provider), selectinload(Contract.months))
            .order_by(Contract.offered_at.desc(), Contract.id.desc())).unique():
        item = by_child.get(contract.child_id)
        if item is None:
            continue
        if contract.status == ContractStatus.OFFERED:
            item.offers.append(contract)
        elif contract.status == ContractStatus.ACTIVE:
            item.contracts.append(contract)
        else:
            item.closed_contracts.append(contract)
    entries = list(db.session.scalars(
        select(WaitlistEntry).where(WaitlistEntry.parent_id == parent.id,
                                    WaitlistEntry.status == WaitlistStatus.WAITING)
        .options(joinedload(WaitlistEntry.group), joinedload(WaitlistEntry.program))
        .order_by(WaitlistEntry.id)))
    places = waitlist.positions(entries)
    for entry in entries:
        item = by_child.get(entry.child_id)
        if item is not None:
            item.waiting.append((entry, places.get(entry.id)))
    return list(by_child.values())


@dataclass(frozen=True)
class MonthSums:
    price: int
    certificate: int
    family: int
    #: the certificate's share by the months' status
    reserved: int
    planned: int
    paid: int
    released: int


def month_sums(contract: Contract) -> MonthSums:
    """The contract's totals: the months that are (or were) part of it — a terminated
    contract's dropped months are not."""
    months = [m for m in contract.months if m.status != MonthStatus.DROPPED]

    def share(status: str) -> int:
        return sum(m.certificate_share for m in months if m.status == status)

    return MonthSums(price=sum(m.price for m in months),
                     certificate=sum(m.certificate_share for m in months),
                     family=sum(m.family_share for m in months),
                     reserved=share(MonthStatus.RESERVED), planned=share(MonthStatus.PLANNED),
                     paid=share(MonthStatus.PAID), released=share(MonthStatus.RELEASED))


#: Sent with a contract by the contract page; a receiver (the monthly close, a package above
#: this one) answers {contract month id: a note in Russian} — why a month was released, say
#: «по отчёту поставщика: педагог болел». Enrolments know nothing of the reports themselves.
month_notes = signal("pfdo.contract-month-notes")


def notes_for(contract: Contract) -> dict[int, str]:
    """{month id: the notes on it, joined} from every receiver of `month_notes`."""
    found: dict[int, list[str]] = {}
    for _receiver, answer in month_notes.send(contract):
        for month_id, note in (answer or {}).items():
            found.setdefault(month_id, []).append(note)
    return {month_id: "; ".join(notes) for month_id, notes in found.items()}


@dataclass(frozen=True)
class Ending:
    """What terminating today would do: the last day, the reserve returned to the
    certificate, and the months dropped."""

    ends_on: date
    returns: int
    months_dropped: int


def ending_today(contract: Contract, today: date) -> Ending:
    """The same rule as contracts.terminate: the contract ends on the last day of this month,
    the later months' reserve returns, their plan is dropped."""
    ends_on = last_day_of_month(today)
    later = [m for m in contract.months if m.month > ends_on
             and m.status in (MonthStatus.RESERVED, MonthStatus.PLANNED)]
    return Ending(ends_on=ends_on,
                  returns=sum(m.certificate_share for m in later
                              if m.status == MonthStatus.RESERVED),
                  months_dropped=len(later))


@dataclass(frozen=True)
class Day:
    label: str
    lessons: list[Lesson]


def by_day(lessons: list[Lesson]) -> list[Day]:
    """Monday to Sunday, each with its classes in order of time."""
    return [Day(label, [x for x in lessons if x.weekday == weekday])
            for weekday, label in enumerate(WEEKDAY_LABELS)]
