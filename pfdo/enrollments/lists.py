"""The enrolment lists of the provider and the coordinator: incoming requests with their
deadlines, offers and contracts, a group's pupils, and the providers' answer deadlines.

Each list page runs a fixed number of queries whatever its size: the page and its count, and
one `selectinload` per relation the rows show."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from pfdo.children.models import Child
from pfdo.db import db
from pfdo.enrollments import waitlist
from pfdo.enrollments.models import (
    Contract,
    ContractMonth,
    ContractStatus,
    EnrollmentRequest,
    MonthStatus,
    RequestStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from pfdo.formatting import count_with_noun
from pfdo.identifiers import fold
from pfdo.masking import initials_name
from pfdo.municipality import services as municipality
from pfdo.periods import services as periods
from pfdo.programs.models import Group, Program
from pfdo.providers.models import Provider

#: the filters' value for "every status"
ALL = "all"
#: pending requests whose deadline has passed (the expiry job has not closed them yet)
OVERDUE = "overdue"
PER_PAGE = 30
#: the longest surname search a filter reads
QUERY_MAX = 100


def surname_prefix(text: str | None) -> str:
    """A typed surname as the lists compare it: NFKC, trimmed, lower case, «ё» as «е»."""
    return fold(text or "").strip().lower().replace("ё", "е")[:QUERY_MAX]


def _surname_matches(column, text: str):
    return func.replace(func.lower(column), "ё", "е").startswith(text, autoescape=True)


def deadline_words(due: date, today: date) -> str:
    """How much time is left to answer, as the provider reads it."""
    days = (due - today).days
    if days == 0:
        return "сегодня последний день"
    if days < 0:
        return f"просрочена на {count_with_noun(-days, 'день', 'дня', 'дней')}"
    left = "остался" if days % 10 == 1 and days % 100 != 11 else "осталось"
    return f"{left} {count_with_noun(days, 'день', 'дня', 'дней')}"


# --- The provider's requests ----------------------------------------------------------------

@dataclass(frozen=True)
class RequestFilter:
    #: a RequestStatus, OVERDUE, or ALL
    status: str = RequestStatus.PENDING
    program_id: int | None = None
    group_id: int | None = None
    surname: str = ""
    created_from: date | None = None
    created_to: date | None = None


def provider_requests(provider: Provider, flt: RequestFilter, *, today: date, page: int = 1,
                      per_page: int = PER_PAGE):
    """The provider's incoming requests, the nearest deadline first (the latest first for the
    answered ones), with the child, the group and the program loaded."""
    stmt = (select(EnrollmentRequest).join(EnrollmentRequest.child)
            .where(EnrollmentRequest.provider_id == provider.id)
            .options(selectinload(EnrollmentRequest.child),
                     selectinload(EnrollmentRequest.group),
                     selectinload(EnrollmentRequest.program)))
    if flt.status == OVERDUE:
        stmt = stmt.where(EnrollmentRequest.status == RequestStatus.PENDING,
                          EnrollmentRequest.answer_due_on < today)
    elif flt.status != ALL:
        stmt = stmt.where(EnrollmentRequest.status == flt.status)
    if flt.program_id:
        stmt = stmt.where(EnrollmentRequest.program_id == flt.program_id)
    if flt.group_id:
        stmt = stmt.where(EnrollmentRequest.group_id == flt.group_id)
    text = surname_prefix(flt.surname)
    if text:
        stmt = stmt.where(_surname_matches(Child.last_name, text))
    start, end = municipality.local_day_bounds(flt.created_from, flt.created_to)
    if start is not None:
        stmt = stmt.where(EnrollmentRequest.created_at >= start)
    if end is not None:
        stmt = stmt.where(EnrollmentRequest.created_at < end)
    if flt.status in (RequestStatus.PENDING, OVERDUE):
        order = (EnrollmentRequest.answer_due_on.asc(), EnrollmentRequest.created_at.asc())
    else:
        order = (EnrollmentRequest.created_at.desc(),)
    return db.paginate(stmt.order_by(*order, EnrollmentRequest.id), page=page,
                       per_page=per_page, error_out=False)


# --- Offers and contracts -------------------------------------------------------------------

@dataclass(frozen=True)
class ContractFilter:
    #: a ContractStatus or ALL
    status: str = ALL
    provider_id: int | None = None
    program_id: int | None = None
    group_id: int | None = None
    surname: str = ""
    #: the first day of a month the contract is active in (the coordinator's filter)
    month: date | None = None


def _contracts(flt: ContractFilter):
    stmt = (select(Contract).join(Child, Child.id == Contract.child_id)
            .options(selectinload(Contract.child), selectinload(Contract.group),
                     selectinload(Contract.program), selectinload(Contract.provider)))
    if flt.status != ALL:
        stmt = stmt.where(Contract.status == flt.status)
    if flt.provider_id:
        stmt = stmt.where(Contract.provider_id == flt.provider_id)
    if flt.program_id:
        stmt = stmt.where(Contract.program_id == flt.program_id)
    if flt.group_id:
        stmt = stmt.where(Contract.group_id == flt.group_id)
    text = surname_prefix(flt.surname)
    if text:
        stmt = stmt.where(_surname_matches(Child.last_name, text))
    if flt.month is not None:
        # accepted (active, or terminated at the end of that month or later), covering it
        stmt = (stmt.join(Group, Group.id == Contract.group_id)
                .where(Contract.status.in_((ContractStatus.ACTIVE, ContractStatus.TERMINATED)),
                       Contract.first_month <= flt.month, Group.ends_on >= flt.month,
                       or_(Contract.ends_on.is_(None), Contract.ends_on >= flt.month)))
    return stmt


def provider_contracts(provider: Provider, flt: ContractFilter, *, page: int = 1,
                       per_page: int = PER_PAGE):
    """The provider's offers and contracts: offers waiting first (the nearest time limit),
    then the newest."""
    stmt = _contracts(flt).where(Contract.provider_id == provider.id)
    return _ordered(stmt, page, per_page)


def all_contracts(flt: ContractFilter, *, page: int = 1, per_page: int = PER_PAGE):
    """Every offer and contract of the municipality (the coordinator's list)."""
    return _ordered(_contracts(flt), page, per_page)


def contract_rows(flt: ContractFilter, *, provider_id: int | None = None):
    """The filtered contracts as export rows, in the list's order, read in chunks (never
    the whole list in memory): number, child (surname and initials), provider, program,
    group, status, first month, end, offered, accepted, the certificate's and the family's
    totals over the months that are (or were) part of the contract."""
    flt = replace(flt, provider_id=provider_id) if provider_id is not None else flt
    ids = _contracts(flt).with_only_columns(Contract.id).order_by(None)
    totals = (select(ContractMonth.contract_id, func.sum(ContractMonth.certificate_share)
                     .label("certificate"), func.sum(ContractMonth.family_share).label("family"))
              .where(ContractMonth.status != MonthStatus.DROPPED,
                     ContractMonth.contract_id.in_(ids))
              .group_by(ContractMonth.contract_id).subquery())
    waiting = case((Contract.status == ContractStatus.OFFERED, 0), else_=1)
    stmt = (select(Contract.id, Child.last_name, Child.first_name, Child.middle_name,
                   Provider.short_name, Program.title, Group.name, Contract.status,
                   Contract.first_month, Contract.ends_on, Contract.offered_at,
                   Contract.accepted_at, totals.c.certificate, totals.c.family)
            .join(Child, Child.id == Contract.child_id)
            .join(Provider, Provider.id == Contract.provider_id)
            .join(Program, Program.id == Contract.program_id)
            .join(Group, Group.id == Contract.group_id)
            .outerjoin(totals, totals.c.contract_id == Contract.id)
            .where(Contract.id.in_(ids))
            .order_by(waiting, case((Contract.status == ContractStatus.OFFERED,
                                     Contract.accept_by)),
                      Contract.offered_at.desc(), Contract.id.desc())
            .execution_options(yield_per=1000))
    for row in db.session.execute(stmt):
        (cid, last, first, middle, provider, program, group, status, first_month, ends_on,
         offered, accepted, certificate, family) = row
        yield (f"Д-{cid:06d}", initials_name(last, first, middle), provider, program, group,
               ContractStatus(status).label, first_month, ends_on, offered, accepted,
               int(certificate or 0), int(family or 0))


def _ordered(stmt, page: int, per_page: int):
    waiting = case((Contract.status == ContractStatus.OFFERED, 0), else_=1)
    stmt = stmt.order_by(waiting, case((Contract.status == ContractStatus.OFFERED,
                                        Contract.accept_by)),
                         Contract.offered_at.desc(), Contract.id.desc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def provider_programs(provider: Provider | None) -> list[Program]:
    """The programs a filter offers (one provider's, or every one's for None)."""
    stmt = select(Program).order_by(Program.title, Program.id)
    if provider is not None:
        stmt = stmt.where(Program.provider_id == provider.id)
    return list(db.session.scalars(stmt))


def provider_groups(provider: Provider) -> list[Group]:
    return list(db.session.scalars(
        select(Group).join(Program, Program.id == Group.program_id)
        .where(Program.provider_id == provider.id)
        .options(selectinload(Group.program)).order_by(Program.title, Group.name, Group.id)))


def all_providers() -> list[Provider]:
    return list(db.session.scalars(select(Provider).order_by(Provider.short_name, Provider.id)))


# --- A group's pupils -----------------------------------------------------------------------

@dataclass
class Pupils:
    group: Group
    contracts: list[Contract] = field(default_factory=list)
    offers: list[Contract] = field(default_factory=list)
    waiting: list[WaitlistEntry] = field(default_factory=list)
    places: dict[int, int] = field(default_factory=dict)


def group_pupils(group: Group) -> Pupils:
    """The group's active contracts (by surname), offers waiting and its waitlist in order."""
    live = list(db.session.scalars(
        select(Contract).join(Child, Child.id == Contract.child_id)
        .where(Contract.group_id == group.id,
               Contract.status.in_((ContractStatus.ACTIVE, ContractStatus.OFFERED)))
        .options(selectinload(Contract.child))
        .order_by(Child.last_name, Child.first_name, Contract.id)))
    entries = list(db.session.scalars(
        select(WaitlistEntry).where(WaitlistEntry.group_id == group.id,
                                    WaitlistEntry.status == WaitlistStatus.WAITING)
        .options(selectinload(WaitlistEntry.child)).order_by(WaitlistEntry.id)))
    return Pupils(group=group, contracts=[c for c in live if c.is_active],
                  offers=[c for c in live if c.is_offer], waiting=entries,
                  places=waitlist.positions(entries))


# --- The providers' deadlines (the coordinator) --------------------------------------------

@dataclass(frozen=True)
class ProviderDeadlines:
    provider: Provider
    pending: int
    overdue: int
    expired: int


def provider_deadlines(today: date) -> list[ProviderDeadlines]:
    """Per provider with any: pending requests, the overdue among them (deadline passed, not
    closed yet) and the requests expired without an answer in the current period; the most
    overdue first."""
    pending = EnrollmentRequest.status == RequestStatus.PENDING
    expired = EnrollmentRequest.status == RequestStatus.EXPIRED
    period = periods.current_period(today)
    if period is not None:
        start, end = municipality.local_day_bounds(period.starts_on, period.ends_on)
        expired = and_(expired, EnrollmentRequest.created_at >= start,
                       EnrollmentRequest.created_at < end)
    counts = (select(EnrollmentRequest.provider_id,
                     func.count().filter(pending).label("pending"),
                     func.count().filter(and_(pending, EnrollmentRequest.answer_due_on < today))
                     .label("overdue"),
                     func.count().filter(expired).label("expired"))
              .group_by(EnrollmentRequest.provider_id).subquery())
    rows = db.session.execute(
        select(Provider, counts.c.pending, counts.c.overdue, counts.c.expired)
        .join(counts, counts.c.provider_id == Provider.id)
        .where(or_(counts.c.pending > 0, counts.c.expired > 0))
        .order_by(counts.c.overdue.desc(), counts.c.pending.desc(), Provider.short_name))
    return [ProviderDeadlines(p, pending_, overdue, expired_)
            for p, pending_, overdue, expired_ in rows]
