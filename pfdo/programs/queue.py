"""The coordinator's list of programs: on moderation by default (new programs and published
ones whose changes wait), or by any status — every program of the municipality with «Все»;
its filters and order in one place for the page and the download (the rows of a
spreadsheet, streamed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from pfdo.db import db
from pfdo.municipality import services as municipality
from pfdo.periods.models import Direction
from pfdo.programs.models import Funding, Group, Program, ProgramRevision, ProgramStatus
from pfdo.programs.revision_models import RevisionStatus
from pfdo.providers.models import Provider

#: the filter's value for "every status"
ALL = "all"
PER_PAGE = 30


@dataclass(frozen=True)
class ModerationFilter:
    status: str = ProgramStatus.SUBMITTED
    direction: str = ""
    query: str = ""


def moderation_queue(flt: ModerationFilter, *, page: int = 1, per_page: int = PER_PAGE):
    """Programs for the coordinator: on moderation by default — new programs and published
    ones whose changes wait, oldest submission first; «returned» likewise; by direction and by
    words of the title or the provider's name. Each program comes with its open revision."""
    stmt = (select(Program).join(Provider, Program.provider_id == Provider.id)
            .outerjoin(Program.open_revision)
            .options(contains_eager(Program.open_revision), selectinload(Program.provider),
                     selectinload(Program.groups)))
    return db.paginate(_filtered(stmt, flt), page=page, per_page=per_page, error_out=False)


def program_rows(flt: ModerationFilter, *, today: date):
    """The filtered list as export rows, in its order, read in chunks: sent, title, provider,
    direction, funding, status, the open revision's status, days waiting (only while the
    program or its changes wait), ages, groups, the lowest and highest monthly price of its
    groups (kopecks), published."""
    groups = (select(Group.program_id, func.count().label("count"),
                     func.min(Group.price_per_month).label("low"),
                     func.max(Group.price_per_month).label("high"))
              .group_by(Group.program_id).subquery())
    stmt = (select(sent_at(), Program.title, Provider.short_name, Program.direction,
                   Program.funding, Program.status, ProgramRevision.status, Program.age_from,
                   Program.age_to, groups.c.count, groups.c.low, groups.c.high,
                   Program.published_at)
            .select_from(Program).join(Provider, Program.provider_id == Provider.id)
            .outerjoin(Program.open_revision)
            .outerjoin(groups, groups.c.program_id == Program.id))
    for (sent, title, provider, direction, funding, status, revision, age_from, age_to, count,
         low, high, published) in db.session.execute(
            _filtered(stmt, flt).execution_options(yield_per=1000)):
        waiting = ProgramStatus.SUBMITTED in (status, revision)
        yield (sent, title, provider, Direction(direction).label.capitalize(),
               Funding(funding).label, ProgramStatus(status).label,
               RevisionStatus(revision).label if revision else None,
               municipality.days_since(sent, today) if waiting else None, age_from, age_to,
               count or 0, low, high, published)


def sent_at():
    """When the program, or its open revision, was last sent to the coordinator."""
    return func.coalesce(ProgramRevision.submitted_at, Program.submitted_at)


def _filtered(stmt, flt: ModerationFilter):
    """The filters and order, on a statement that selects from the programs joined with their
    providers and (outer) their open revisions."""
    if flt.status in (ProgramStatus.SUBMITTED, ProgramStatus.RETURNED):
        stmt = stmt.where(or_(Program.status == flt.status,
                              ProgramRevision.status == flt.status))
    elif flt.status and flt.status != ALL:
        stmt = stmt.where(Program.status == flt.status)
    if flt.direction:
        stmt = stmt.where(Program.direction == flt.direction)
    text = flt.query.strip().lower()
    if text:
        stmt = stmt.where(or_(
            func.lower(Program.title).contains(text, autoescape=True),
            func.lower(Provider.short_name).contains(text, autoescape=True),
            func.lower(Provider.full_name).contains(text, autoescape=True)))
    if flt.status == ProgramStatus.SUBMITTED:
        return stmt.order_by(sent_at().asc(), Program.id)
    return stmt.order_by(Program.updated_at.desc(), Program.id.desc())
