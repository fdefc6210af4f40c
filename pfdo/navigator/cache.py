"""The guests' catalogue pages, cacheable (issue 14): a counter in `catalogue_version` moves
on after every committed change to a table the public catalogue shows — programs, groups and
their classes, providers, reviews, search terms, the municipality, the periods — whatever
service made it (a session event watches the flushes and the ORM's bulk statements, so no
service has to remember). A guest's GET of a catalogue page (no sign-in, an empty session)
then carries `ETag` (the version, the municipality's date and the URL) and `Cache-Control:
public, no-cache`: a revalidation answers 304 without rendering, and the rendered page is kept
in the cache (Flask-Caching: Redis when REDIS_URL is set, in-process otherwise) under the same
key, so a popular search costs one read of the version. The filter forms' option lists are
kept by the version too."""

from __future__ import annotations

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from pfdo.clock import now
from pfdo.db import db
from pfdo.municipality import services as municipality
from pfdo.navigator import cards
from pfdo.navigator.models import CatalogueVersion

#: the tables whose rows a guest's catalogue page shows
CATALOGUE_TABLES = frozenset({
    "program", "program_group", "group_session", "program_term", "provider", "review",
    "municipality", "financing_period",
})
_FLAG = "catalogue_changed"


def _touches(mapper_or_table) -> bool:
    table = getattr(mapper_or_table, "local_table", mapper_or_table)
    return getattr(table, "name", None) in CATALOGUE_TABLES


@event.listens_for(Session, "after_flush")
def _watch_flush(session, _context) -> None:
    if any(getattr(type(obj), "__tablename__", None) in CATALOGUE_TABLES
           for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info[_FLAG] = True


@event.listens_for(Session, "do_orm_execute")
def _watch_bulk(state) -> None:
    if (state.is_update or state.is_delete or state.is_insert) and state.bind_mapper is not None \
            and _touches(state.bind_mapper):
        state.session.info[_FLAG] = True


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session) -> None:
    """Move the version on in the committing transaction itself, as its last statement (the
    flush first): a waiting commit then holds nothing this one needs, and SQLite needs no
    second connection (which would wait for this one's lock)."""
    session.flush()
    if not session.info.pop(_FLAG, False):
        return
    moved = session.execute(update(CatalogueVersion).where(CatalogueVersion.id == 1)
                            .values(version=CatalogueVersion.version + 1)
                            .execution_options(synchronize_session=False))
    if not moved.rowcount:  # the row is gone (an emptied database): start it again, from
        # this moment, as the migration does
        session.execute(insert(CatalogueVersion).values(
            id=1, version=int(now().timestamp() * 1000)))
    # the cards of what changed, under the version's row lock (pfdo.navigator.cards)
    if cards.has_pending(session):
        cards.write_pending(session, municipality.local_today())


@event.listens_for(Session, "after_rollback")
def _forget(session) -> None:
    session.info.pop(_FLAG, None)


def read_version() -> int:
    """The version (and, noted in the session for `cards.ensure_fresh`, the date the cards
    were written for), in one statement."""
    row = db.session.execute(select(CatalogueVersion.version, CatalogueVersion.cards_on)
                             .where(CatalogueVersion.id == 1)).first()
    if row is None:
        return 0
    if row.cards_on is not None:
        db.session.info[cards.FRESH_ON] = row.cards_on
    return int(row.version)
