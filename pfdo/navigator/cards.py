"""The catalogue cards (`CatalogueCard`, the navigator's read model) kept current.

A session event notes which programs a flush touched — a program itself, a group of it, a
class of such a group, its provider — and `write_pending` rewrites their cards in the
committing transaction, as its last statements, after the catalogue's version has moved on
(`pfdo.navigator.cache`): the version's row lock then orders every two transactions that
change the catalogue, so a card is always computed from committed groups. An ORM bulk
statement on those tables, whose rows are not known, rewrites every card. So does the first
read on a new date of the municipality (`ensure_fresh`): a group over yesterday is no longer
open, which changes its program's price, seats and weekdays without any row changing.

Rewriting is two statements: delete the programs' cards, insert them again from the programs
a family can see with their open groups aggregated."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import (
    and_,
    case,
    delete,
    distinct,
    event,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, BooleanClauseList

from pfdo.clock import now
from pfdo.db import db
from pfdo.navigator.models import CatalogueCard, CatalogueVersion
from pfdo.programs.models import Group, GroupSession, Program, ProgramStatus
from pfdo.providers.models import Provider, ProviderStatus

_PENDING = "catalogue_cards_pending"
#: the date the database's cards were written for, as read in this session
FRESH_ON = "catalogue_cards_on"


@dataclass
class Pending:
    programs: set[int] = field(default_factory=set)
    #: groups whose own row or classes changed (their programs are looked up at the commit)
    groups: set[int] = field(default_factory=set)
    providers: set[int] = field(default_factory=set)
    everything: bool = False

    def __bool__(self) -> bool:
        return bool(self.everything or self.programs or self.groups or self.providers)


def _pending(session: Session) -> Pending:
    return session.info.setdefault(_PENDING, Pending())


@event.listens_for(Session, "after_flush")
def _note_flush(session, _context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Program):
            _pending(session).programs.add(obj.id)
        elif isinstance(obj, Group):
            _pending(session).programs.add(obj.program_id)
        elif isinstance(obj, GroupSession):
            _pending(session).groups.add(obj.group_id)
        elif isinstance(obj, Provider):
            _pending(session).providers.add(obj.id)


_BULK_TABLES = frozenset({"program", "program_group", "group_session", "provider"})


def _rows_by_id(statement) -> set[int] | None:
    """The ids an UPDATE or DELETE names by `id = value` in its WHERE (a seat taken, a
    rating moved), or None when it names no single row."""
    where = statement.whereclause
    if where is None:
        return None
    clauses = where.clauses if isinstance(where, BooleanClauseList) \
        and where.operator is operators.and_ else [where]
    key = statement.table.c.get("id")
    for clause in clauses:
        if isinstance(clause, BinaryExpression) and clause.operator is operators.eq \
                and key is not None and clause.left.compare(key) \
                and isinstance(clause.right, BindParameter):
            value = clause.right.effective_value
            return {value} if isinstance(value, int) else None
    return None


@event.listens_for(Session, "do_orm_execute")
def _note_bulk(state) -> None:
    if not (state.is_update or state.is_delete or state.is_insert) \
            or state.bind_mapper is None:
        return
    table = getattr(state.bind_mapper.local_table, "name", None)
    if table not in _BULK_TABLES:
        return
    pending = _pending(state.session)
    ids = None if state.is_insert else _rows_by_id(state.statement)
    if ids and table == "program":
        pending.programs.update(ids)
    elif ids and table == "program_group":
        pending.groups.update(ids)
    elif ids and table == "provider":
        pending.providers.update(ids)
    else:  # rows the statement does not name one by one: every card
        pending.everything = True


@event.listens_for(Session, "after_rollback")
def _forget(session) -> None:
    session.info.pop(_PENDING, None)


def has_pending(session: Session) -> bool:
    return bool(session.info.get(_PENDING))


def write_pending(session: Session, today: date) -> None:
    """Rewrite the cards of what this transaction changed (called by the version's
    before-commit hook, after the version moved on)."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    if pending.everything:
        rewrite(session, today)
        # every card is now written for today: the first read need not write them again
        session.execute(update(CatalogueVersion).where(CatalogueVersion.id == 1)
                        .values(cards_on=today).execution_options(synchronize_session=False))
        session.info[FRESH_ON] = today
        return
    ids = set(pending.programs)
    if pending.groups or pending.providers:
        ids.update(session.scalars(select(Program.id).where(or_(
            Program.provider_id.in_(pending.providers),
            Program.id.in_(select(Group.program_id).where(Group.id.in_(pending.groups)))))))
    ids.discard(None)
    if ids:
        rewrite(session, today, ids)


def _open_group(today: date):
    return and_(Group.is_open.is_(True), Group.ends_on >= today)


def rewrite(session: Session, today: date, ids: set[int] | None = None) -> None:
    """Delete the cards of the programs `ids` (all when None) and insert them again for the
    programs among them a family can see, their open groups as of `today`."""
    groups = select(Group.program_id.label("program_id"),
                    func.min(Group.price_per_month).label("min_price"),
                    func.sum(Group.capacity - Group.seats_taken).label("seats_free")) \
        .where(_open_group(today))
    bit = literal(1).op("<<")(GroupSession.weekday)
    days = select(Group.program_id.label("program_id"),
                  func.sum(distinct(bit)).label("weekdays")) \
        .select_from(GroupSession).join(Group, Group.id == GroupSession.group_id) \
        .where(_open_group(today))
    cards = select(Program.id, Program.provider_id, Provider.short_name, Program.title,
                   Program.direction, Program.funding, Program.district, Program.age_from,
                   Program.age_to, Program.hours_per_week, Program.rating_total,
                   Program.rating_count)
    removed = delete(CatalogueCard)
    if ids is not None:
        groups = groups.where(Group.program_id.in_(ids))
        days = days.where(Group.program_id.in_(ids))
        cards = cards.where(Program.id.in_(ids))
        removed = removed.where(CatalogueCard.program_id.in_(ids))
    groups = groups.group_by(Group.program_id).subquery("open_groups")
    days = days.group_by(Group.program_id).subquery("open_days")
    seats = func.coalesce(groups.c.seats_free, 0)
    cards = (cards.add_columns(
                groups.c.min_price, seats, func.coalesce(days.c.weekdays, 0),
                case((groups.c.program_id.is_(None), 2), (seats > 0, 0), else_=1))
             .join(Provider, Provider.id == Program.provider_id)
             .outerjoin(groups, groups.c.program_id == Program.id)
             .outerjoin(days, days.c.program_id == Program.id)
             .where(Program.status == ProgramStatus.PUBLISHED,
                    Provider.status == ProviderStatus.APPROVED))
    columns = ["program_id", "provider_id", "provider_name", "title", "direction", "funding",
               "district", "age_from", "age_to", "hours_per_week", "rating_total",
               "rating_count", "min_price", "seats_free", "weekdays", "open_rank"]
    session.execute(removed.execution_options(synchronize_session=False))
    session.execute(insert(CatalogueCard).from_select(columns, cards))


def ensure_fresh(today: date) -> None:
    """Rewrite every card when the municipality's date has moved on since they were written
    (at most once a day: the version's row says for which date they are; the first to move
    it on does the work while the others wait on its lock and then find it done). The
    version stays: a guest's cached page is kept by the date too."""
    session = db.session
    if session.info.get(FRESH_ON) == today:
        return
    row = session.execute(select(CatalogueVersion.id, CatalogueVersion.cards_on)
                          .where(CatalogueVersion.id == 1)).first()
    if row is None or row.cards_on != today:
        if row is None:  # an emptied database: the row starts again, from this moment
            session.execute(insert(CatalogueVersion).values(
                id=1, version=int(now().timestamp() * 1000), cards_on=today))
            mine = True
        else:
            mine = session.execute(
                update(CatalogueVersion)
                .where(CatalogueVersion.id == 1, or_(CatalogueVersion.cards_on.is_(None),
                                                     CatalogueVersion.cards_on != today))
                .values(cards_on=today)
                .execution_options(synchronize_session=False)).rowcount > 0
        if mine:
            rewrite(session, today)
        session.commit()
    session.info[FRESH_ON] = today
