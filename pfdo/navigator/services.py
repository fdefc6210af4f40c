"""The public navigator: which programs a family sees, found by words and filters (what a chosen
child's certificate would pay is in `child_pricing`). Read-only: nothing here changes state.

Only published programs of providers in the registry are ever shown. Every list is loaded in a
fixed number of queries whatever its length (the cards' prices, seats and days come from two
grouped queries over the page's programs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, exists, false, func, select
from sqlalchemy.orm import contains_eager, selectinload

from pfdo.db import db
from pfdo.enrollments import reviews as program_reviews
from pfdo.errors import NotFound
from pfdo.periods.models import Direction
from pfdo.programs import search
from pfdo.programs.models import (
    WEEKDAY_SHORT,
    Group,
    GroupSession,
    Program,
    ProgramStatus,
)
from pfdo.providers import review as provider_review
from pfdo.providers.models import Provider, ProviderStatus

PER_PAGE = 20
SIMILAR_LIMIT = 4
#: reviews shown on a program page at first and added by «Показать ещё»
REVIEWS_STEP = 5


class Sort:
    RELEVANCE = "relevance"
    PRICE = "price"
    RATING = "rating"
    SEATS = "seats"


def _visible(stmt):
    """Published programs of providers in the registry (the statement must join Provider)."""
    return stmt.where(Program.status == ProgramStatus.PUBLISHED,
                      Provider.status == ProviderStatus.APPROVED)


def _open_group(today: date):
    """A group still taking children: open for enrolment and not yet over."""
    return and_(Group.is_open.is_(True), Group.ends_on >= today)


# --- The catalogue ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ProgramFilter:
    q: str = ""
    direction: str = ""
    age: int | None = None
    district: str = ""
    funding: str = ""
    weekday: int | None = None
    #: kopecks a month, the most a family wants to pay (the group's price)
    max_price: int | None = None
    free_seats: bool = False
    #: the providers the «Организация» text found
    provider_ids: tuple[int, ...] | None = None
    sort: str = ""

    @property
    def effective_sort(self) -> str:
        if self.sort in (Sort.PRICE, Sort.RATING, Sort.SEATS):
            return self.sort
        return Sort.RELEVANCE


@dataclass(frozen=True)
class ProgramCard:
    """A program as a card in a list: what the family compares at a glance."""

    program: Program
    #: the lowest price a month among the open groups; None when no group is open
    min_price: int | None
    #: free seats over the open groups
    seats_free: int
    #: weekdays (0 = Monday) of the open groups' classes
    weekdays: list[int] = field(default_factory=list)

    @property
    def has_open_group(self) -> bool:
        return self.min_price is not None

    @property
    def days(self) -> str:
        """«пн, ср»"""
        return ", ".join(WEEKDAY_SHORT[d] for d in self.weekdays)


def _group_stats(today: date):
    return (select(Group.program_id.label("program_id"),
                   func.min(Group.price_per_month).label("min_price"),
                   func.sum(Group.capacity - Group.seats_taken).label("seats_free"))
            .where(_open_group(today)).group_by(Group.program_id).subquery("open_stats"))


def _cards(programs: list[Program], today: date) -> list[ProgramCard]:
    """Cards for the programs in two queries, whatever their number."""
    ids = [p.id for p in programs]
    if not ids:
        return []
    stats = {row.program_id: row for row in db.session.execute(
        select(Group.program_id, func.min(Group.price_per_month).label("min_price"),
               func.sum(Group.capacity - Group.seats_taken).label("seats_free"))
        .where(Group.program_id.in_(ids), _open_group(today)).group_by(Group.program_id))}
    days: dict[int, set[int]] = {}
    for program_id, weekday in db.session.execute(
            select(Group.program_id, GroupSession.weekday).select_from(GroupSession)
            .join(GroupSession.group)
            .where(Group.program_id.in_(ids), _open_group(today)).distinct()):
        days.setdefault(program_id, set()).add(weekday)
    cards = []
    for program in programs:
        row = stats.get(program.id)
        cards.append(ProgramCard(
            program=program, min_price=int(row.min_price) if row else None,
            seats_free=int(row.seats_free or 0) if row else 0,
            weekdays=sorted(days.get(program.id, ()))))
    return cards


def _group_filter(flt: ProgramFilter, today: date):
    """One EXISTS: some single open group satisfies the day, the price and the free seats."""
    conditions = [Group.program_id == Program.id, _open_group(today)]
    if flt.max_price is not None:
        conditions.append(Group.price_per_month <= flt.max_price)
    if flt.free_seats:
        conditions.append(Group.seats_taken < Group.capacity)
    if flt.weekday is not None:
        conditions.append(exists().where(GroupSession.group_id == Group.id,
                                         GroupSession.weekday == flt.weekday))
    return exists().where(*conditions)


@dataclass
class Results:
    """One page of the catalogue: cards plus what the pager needs."""

    pagination: object
    cards: list[ProgramCard]
    #: the query as the search understood it, when it read a word differently (a typo, the
    #: Latin layout): the page says «Возможно, вы искали …»
    corrected: str | None = None

    @property
    def total(self) -> int:
        return self.pagination.total or 0


def find_programs(flt: ProgramFilter, *, today: date, page: int = 1,
                  per_page: int = PER_PAGE) -> Results:
    """The catalogue filtered and sorted, one page. Words go through the stemmed term index
    (never LIKE); a query of stop words only matches everything. Refuses nothing: values the
    form could not read arrive here as "no filter"."""
    sort = flt.effective_sort
    stmt = _visible(select(Program).join(Program.provider)
                    .options(contains_eager(Program.provider)))
    if sort in (Sort.PRICE, Sort.SEATS):
        # the open groups' figures are aggregated only when the order needs them
        stats = _group_stats(today)
        stmt = stmt.outerjoin(stats, stats.c.program_id == Program.id)
    understood = search.understand(flt.q) if flt.q.strip() else search.Understood()
    matched = search.matching(understood.words) if understood.words else None
    if matched is not None:
        stmt = stmt.join(matched, matched.c.program_id == Program.id)
    elif understood.nothing:
        stmt = stmt.where(false())
    if flt.direction:
        stmt = stmt.where(Program.direction == flt.direction)
    if flt.age is not None:
        stmt = stmt.where(Program.age_from <= flt.age, Program.age_to >= flt.age)
    if flt.district:
        stmt = stmt.where(Program.district == flt.district)
    if flt.funding:
        stmt = stmt.where(Program.funding == flt.funding)
    if flt.provider_ids is not None:
        stmt = stmt.where(Program.provider_id.in_(flt.provider_ids))
    if flt.weekday is not None or flt.max_price is not None or flt.free_seats:
        stmt = stmt.where(_group_filter(flt, today))

    if sort == Sort.PRICE:
        order = [stats.c.min_price.is_(None), stats.c.min_price.asc()]
    elif sort == Sort.RATING:
        # the average in thousandths of a star, in integer arithmetic on both databases
        ratio = case((Program.rating_count > 0,
                      (Program.rating_total * 1000) // Program.rating_count), else_=0)
        order = [(Program.rating_count == 0), ratio.desc(), Program.rating_count.desc()]
    elif sort == Sort.SEATS:
        order = [func.coalesce(stats.c.seats_free, 0).desc()]
    elif matched is not None:
        order = [matched.c.relevance.desc()]
    else:
        order = []
    stmt = stmt.order_by(*order, Program.title, Program.id)
    pagination = db.paginate(stmt, page=max(page, 1), per_page=per_page, error_out=False,
                             count=True)
    return Results(pagination=pagination, cards=_cards(list(pagination.items), today),
                   corrected=understood.corrected)


def districts_in_use() -> list[str]:
    """Districts of the programs a family can see, for the filter."""
    return list(db.session.scalars(_visible(
        select(Program.district).join(Program.provider)).distinct().order_by(Program.district)))


def providers_in_use() -> list[tuple[int, str]]:
    """(id, short name) of registry providers with a published program, for the filter."""
    has_program = exists().where(Program.provider_id == Provider.id,
                                 Program.status == ProgramStatus.PUBLISHED)
    return [(row.id, row.short_name) for row in db.session.execute(
        select(Provider.id, Provider.short_name).where(
            Provider.status == ProviderStatus.APPROVED, has_program)
        .order_by(Provider.short_name))]


def direction_counts() -> list[tuple[Direction, int]]:
    """Every direction with how many programs a family can see in it (the home page tiles)."""
    counts = dict(db.session.execute(_visible(
        select(Program.direction, func.count()).join(Program.provider))
        .group_by(Program.direction)).all())
    return [(d, int(counts.get(str(d), 0))) for d in Direction]


# --- A program and a provider ----------------------------------------------------------------

def get_public_program_or_404(program_id: int) -> Program:
    """A published program of a registry provider, with its groups and their classes; 404
    for anything else (a draft, one under moderation or returned, an unapproved provider)."""
    program = db.session.scalars(_visible(
        select(Program).join(Program.provider)
        .where(Program.id == program_id)
        .options(contains_eager(Program.provider),
                 selectinload(Program.groups).selectinload(Group.sessions),
                 selectinload(Program.document)))).first()
    if program is None:
        raise NotFound()
    return program


def get_public_provider_or_404(provider_id: int) -> Provider:
    """A provider in the registry; 404 for an application still waiting or rejected."""
    provider = db.session.get(Provider, provider_id)
    if provider is None or provider.status != ProviderStatus.APPROVED:
        raise NotFound()
    return provider


def provider_programs(provider: Provider, *, today: date) -> list[ProgramCard]:
    """The provider's published programs as cards, by title."""
    programs = list(db.session.scalars(
        select(Program).where(Program.provider_id == provider.id,
                              Program.status == ProgramStatus.PUBLISHED)
        .options(selectinload(Program.provider)).order_by(Program.title, Program.id)))
    return _cards(programs, today)


def similar_programs(program: Program, *, today: date,
                     limit: int = SIMILAR_LIMIT) -> list[ProgramCard]:
    """Up to `limit` other visible programs of the same direction whose ages overlap, those in
    the same district first."""
    same_district = case((Program.district == program.district, 0), else_=1)
    programs = list(db.session.scalars(_visible(
        select(Program).join(Program.provider)
        .where(Program.id != program.id, Program.direction == program.direction,
               Program.age_from <= program.age_to, Program.age_to >= program.age_from)
        .options(contains_eager(Program.provider)))
        .order_by(same_district, Program.rating_count.desc(), Program.title, Program.id)
        .limit(limit)))
    return _cards(programs, today)


def open_groups(program: Program, today: date) -> list[Group]:
    return [g for g in program.groups if g.is_open and g.ends_on >= today]


def is_open(group: Group, today: date) -> bool:
    return group.is_open and group.ends_on >= today


def schedule_text(group: Group) -> str:
    """«пн, ср 15:00–16:30; сб 10:00–11:30»: days that share a time are listed together."""
    slots: dict[tuple, list[str]] = {}
    for session in group.sessions:
        slots.setdefault((session.starts_at, session.ends_at), []).append(session.weekday_short)
    return "; ".join(f"{', '.join(days)} {start:%H:%M}–{end:%H:%M}"
                     for (start, end), days in slots.items())


@dataclass(frozen=True)
class Registry:
    """The public registry's page: approved providers, their published programs counted."""

    pagination: object
    #: provider id -> number of published programs (for the page's providers only)
    program_counts: dict[int, int]
    waiting: int


def registry(*, query: str = "", ownership: str = "", page: int = 1) -> Registry:
    """The public registry of providers, with each one's published programs counted in one
    query for the page, and the number of applications waiting."""
    pagination = provider_review.approved_providers(query=query, ownership=ownership,
                                                    page=page)
    ids = [provider.id for provider in pagination.items]
    counts = dict(db.session.execute(
        select(Program.provider_id, func.count(Program.id))
        .where(Program.provider_id.in_(ids), Program.status == ProgramStatus.PUBLISHED)
        .group_by(Program.provider_id)).all()) if ids else {}
    return Registry(pagination=pagination, program_counts=counts,
                    waiting=provider_review.waiting_count())


def visible_reviews(program: Program, *, shown: int) -> program_reviews.PublicReviews:
    """The program's visible reviews for its page, newest first: the first `shown`."""
    return program_reviews.public_reviews(program, limit=shown)
