"""The public navigator: which programs a family sees, found by words and filters (what a chosen
child's certificate would pay is in `child_pricing`). Read-only: nothing here changes state.

Only published programs of providers in the registry are ever shown. Every list is loaded in a
fixed number of queries whatever its length (the cards' prices, seats and days come from two
grouped queries over the page's programs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import contains_eager, selectinload

from pfdo.db import db
from pfdo.enrollments import reviews as program_reviews
from pfdo.errors import NotFound
from pfdo.navigator import catalogue
from pfdo.navigator.catalogue import (  # noqa: F401 (the catalogue's names, as views use them)
    PER_PAGE,
    ProgramCard,
    ProgramFilter,
    Results,
    Sort,
    find_programs,
)
from pfdo.navigator.models import CatalogueCard
from pfdo.periods.models import Direction
from pfdo.programs.models import (
    Group,
    Program,
    ProgramStatus,
)
from pfdo.providers import review as provider_review
from pfdo.providers.models import Provider, ProviderStatus

SIMILAR_LIMIT = 4
#: reviews shown on a program page at first and added by «Показать ещё»
REVIEWS_STEP = 5


def _visible(stmt):
    """Published programs of providers in the registry (the statement must join Provider)."""
    return stmt.where(Program.status == ProgramStatus.PUBLISHED,
                      Provider.status == ProviderStatus.APPROVED)


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
    catalogue.ensure_fresh(today)
    return catalogue.cards_of(CatalogueCard.provider_id == provider.id)


def similar_programs(program: Program, *, today: date,
                     limit: int = SIMILAR_LIMIT) -> list[ProgramCard]:
    """Up to `limit` other visible programs of the same direction whose ages overlap, those in
    the same district first."""
    catalogue.ensure_fresh(today)
    same_district = case((CatalogueCard.district == program.district, 0), else_=1)
    return catalogue.cards_of(
        and_(CatalogueCard.program_id != program.id,
             CatalogueCard.direction == program.direction,
             CatalogueCard.age_from <= program.age_to, CatalogueCard.age_to >= program.age_from),
        same_district, CatalogueCard.rating_count.desc(), limit=limit)


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
