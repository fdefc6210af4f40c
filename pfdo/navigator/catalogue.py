"""The catalogue: one page of the programs a family can see, filtered and sorted, with its
total, in one statement over the catalogue cards (`CatalogueCard`, kept by
`pfdo.navigator.cards`). Read-only.

The default order puts programs with a free seat in an open group first, then those whose
open groups are full, then those with no open group; within each, the search's relevance
(when there are words), then the title."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from math import ceil

from sqlalchemy import and_, case, exists, false, func, select

from pfdo.db import db
from pfdo.navigator import cards as card_rows
from pfdo.navigator.models import CatalogueCard
from pfdo.periods.models import DIRECTION_LABELS, Direction
from pfdo.programs import search
from pfdo.programs.models import WEEKDAY_SHORT, Funding, Group, GroupSession

PER_PAGE = 20


class Sort:
    RELEVANCE = "relevance"
    PRICE = "price"
    RATING = "rating"
    SEATS = "seats"


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

    id: int
    title: str
    direction: str
    funding: str
    provider_id: int
    provider_name: str
    age_from: int
    age_to: int
    hours_per_week: int
    district: str
    rating_total: int
    rating_count: int
    #: the lowest price a month among the open groups; None when no group is open
    min_price: int | None
    #: free seats over the open groups
    seats_free: int
    #: weekdays (0 = Monday) of the open groups' classes
    weekdays: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, row: CatalogueCard) -> ProgramCard:
        return cls(id=row.program_id, title=row.title, direction=row.direction,
                   funding=row.funding, provider_id=row.provider_id,
                   provider_name=row.provider_name, age_from=row.age_from, age_to=row.age_to,
                   hours_per_week=row.hours_per_week, district=row.district,
                   rating_total=row.rating_total, rating_count=row.rating_count,
                   min_price=int(row.min_price) if row.min_price is not None else None,
                   seats_free=int(row.seats_free),
                   weekdays=[d for d in range(7) if row.weekdays & (1 << d)])

    @property
    def direction_label(self) -> str:
        return DIRECTION_LABELS[Direction(self.direction)]

    @property
    def is_free(self) -> bool:
        return self.funding == Funding.MUNICIPAL

    @property
    def rating(self) -> float | None:
        return self.rating_total / self.rating_count if self.rating_count else None

    @property
    def has_open_group(self) -> bool:
        return self.min_price is not None

    @property
    def days(self) -> str:
        """«пн, ср»"""
        return ", ".join(WEEKDAY_SHORT[d] for d in self.weekdays)


@dataclass
class Page:
    """What the pager needs, Flask-SQLAlchemy's Pagination's shape without its queries."""

    page: int
    per_page: int
    total: int
    items: list

    @property
    def pages(self) -> int:
        return max(ceil(self.total / self.per_page), 0) if self.per_page else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0

    def iter_pages(self, *, left_edge: int = 2, left_current: int = 2, right_current: int = 4,
                   right_edge: int = 2):
        """The page numbers to link, None for a gap (as Flask-SQLAlchemy gives them)."""
        pages_end = self.pages + 1
        if pages_end == 1:
            return
        left_end = min(1 + left_edge, pages_end)
        yield from range(1, left_end)
        if left_end == pages_end:
            return
        mid_start = max(left_end, self.page - left_current)
        mid_end = min(self.page + right_current + 1, pages_end)
        if mid_start - left_end > 0:
            yield None
        yield from range(mid_start, mid_end)
        if mid_end == pages_end:
            return
        right_start = max(mid_end, pages_end - right_edge)
        if right_start - mid_end > 0:
            yield None
        yield from range(right_start, pages_end)

    def __iter__(self):
        return iter(self.items)


@dataclass
class Results:
    """One page of the catalogue: cards plus what the pager needs."""

    pagination: Page
    cards: list[ProgramCard]
    #: the query as the search understood it, when it read a word differently (a typo, the
    #: Latin layout): the page says «Возможно, вы искали …»
    corrected: str | None = None

    @property
    def total(self) -> int:
        return self.pagination.total or 0


def _group_filter(flt: ProgramFilter, today: date):
    """One EXISTS: some single open group satisfies the day, the price and the free seats
    (asked only when two of them are: each alone is a column of the card)."""
    conditions = [Group.program_id == CatalogueCard.program_id, Group.is_open.is_(True),
                  Group.ends_on >= today]
    if flt.max_price is not None:
        conditions.append(Group.price_per_month <= flt.max_price)
    if flt.free_seats:
        conditions.append(Group.seats_taken < Group.capacity)
    if flt.weekday is not None:
        conditions.append(exists().where(GroupSession.group_id == Group.id,
                                         GroupSession.weekday == flt.weekday))
    return exists().where(*conditions)


def _groups_condition(flt: ProgramFilter, today: date):
    asked = [flt.weekday is not None, flt.max_price is not None, flt.free_seats]
    if sum(asked) > 1:
        return _group_filter(flt, today)
    if flt.weekday is not None:
        return CatalogueCard.weekdays.op("&")(1 << flt.weekday) != 0
    if flt.max_price is not None:
        return and_(CatalogueCard.min_price.is_not(None),
                    CatalogueCard.min_price <= flt.max_price)
    if flt.free_seats:
        return CatalogueCard.seats_free > 0
    return None


def find_programs(flt: ProgramFilter, *, today: date, page: int = 1,
                  per_page: int = PER_PAGE) -> Results:
    """The catalogue filtered and sorted, one page, and the total in the same statement.
    Words go through the stemmed term index (never LIKE); a query of stop words only matches
    everything. Refuses nothing: values the form could not read arrive here as "no filter"."""
    card_rows.ensure_fresh(today)
    page = max(page, 1)
    sort = flt.effective_sort
    understood = search.understand(flt.q) if flt.q.strip() else search.Understood()
    matched = search.matching(understood.words) if understood.words else None
    conditions = []
    if matched is None and understood.nothing:
        conditions.append(false())
    if flt.direction:
        conditions.append(CatalogueCard.direction == flt.direction)
    if flt.age is not None:
        conditions += [CatalogueCard.age_from <= flt.age, CatalogueCard.age_to >= flt.age]
    if flt.district:
        conditions.append(CatalogueCard.district == flt.district)
    if flt.funding:
        conditions.append(CatalogueCard.funding == flt.funding)
    if flt.provider_ids is not None:
        conditions.append(CatalogueCard.provider_id.in_(flt.provider_ids))
    if (groups := _groups_condition(flt, today)) is not None:
        conditions.append(groups)
    if matched is not None:
        # the words' matches are computed once: the total is a window over the joined rows
        stmt = (select(CatalogueCard, func.count().over().label("total"))
                .join(matched, matched.c.program_id == CatalogueCard.program_id))
    else:
        # without words the total is a count of its own in the same statement, so the page
        # itself can stop after its rows (the default order has an index)
        total = select(func.count()).select_from(CatalogueCard).where(*conditions)
        stmt = select(CatalogueCard, total.scalar_subquery().label("total"))
    stmt = stmt.where(*conditions)

    if sort == Sort.PRICE:
        order = [CatalogueCard.min_price.is_(None), CatalogueCard.min_price.asc()]
    elif sort == Sort.RATING:
        # the average in thousandths of a star, in integer arithmetic on both databases
        ratio = case((CatalogueCard.rating_count > 0,
                      (CatalogueCard.rating_total * 1000) // CatalogueCard.rating_count),
                     else_=0)
        order = [(CatalogueCard.rating_count == 0), ratio.desc(),
                 CatalogueCard.rating_count.desc()]
    elif sort == Sort.SEATS:
        order = [CatalogueCard.seats_free.desc()]
    elif matched is not None:
        order = [CatalogueCard.open_rank, matched.c.relevance.desc()]
    else:
        order = [CatalogueCard.open_rank]
    stmt = (stmt.order_by(*order, CatalogueCard.title, CatalogueCard.program_id)
            .limit(per_page).offset((page - 1) * per_page))
    rows = db.session.execute(stmt).all()
    if rows:
        total = int(rows[0].total)
    elif page > 1:  # past the last page: the total asked alone
        total = db.session.scalar(select(func.count()).select_from(
            stmt.limit(None).offset(None).order_by(None).subquery())) or 0
    else:
        total = 0
    cards = [ProgramCard.of(row.CatalogueCard) for row in rows]
    return Results(pagination=Page(page=page, per_page=per_page, total=total, items=cards),
                   cards=cards, corrected=understood.corrected)


def ensure_fresh(today: date) -> None:
    card_rows.ensure_fresh(today)


def cards_of(condition, *order, limit: int | None = None) -> list[ProgramCard]:
    """Cards matching `condition` in `order` (a provider's programs, similar programs)."""
    stmt = select(CatalogueCard).where(condition).order_by(*order, CatalogueCard.title,
                                                             CatalogueCard.program_id)
    return [ProgramCard.of(row) for row in db.session.scalars(stmt.limit(limit))]
