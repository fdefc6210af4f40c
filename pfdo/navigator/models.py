"""The catalogue's version: one counter that every committed change to what the public
catalogue shows moves on (pfdo.navigator.cache), so that a guest's page can be cached and
revalidated by it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from pfdo.db import db


class CatalogueVersion(db.Model):
    __tablename__ = "catalogue_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    #: the municipality's date the catalogue cards were last rewritten for (their open groups
    #: are those not over on it)
    cards_on: Mapped[date | None] = mapped_column(Date)


class CatalogueCard(db.Model):
    """The navigator's read model: one row per program a family can see (published, of a
    provider in the registry), with what its card shows and the catalogue filters and sorts
    by — its open groups' lowest price, free seats and weekdays included — so that one page of
    the catalogue with its total is one statement over narrow rows. Derived, never edited:
    `pfdo.navigator.cards` rewrites a program's row in the transaction of every change to the
    program, its groups and classes or its provider, and every row when the municipality's
    date moves on (a group that ended yesterday is no longer open)."""

    __tablename__ = "catalogue_card"
    __table_args__ = (
        Index("ix_catalogue_card_order", "open_rank", "title", "program_id"),
        Index("ix_catalogue_card_direction", "direction", "open_rank", "title"),
    )

    program_id: Mapped[int] = mapped_column(
        ForeignKey("program.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    provider_id: Mapped[int] = mapped_column(index=True)
    provider_name: Mapped[str] = mapped_column(String(150))
    title: Mapped[str] = mapped_column(String(200))
    direction: Mapped[str] = mapped_column(String(20))
    funding: Mapped[str] = mapped_column(String(20))
    district: Mapped[str] = mapped_column(String(100), index=True)
    age_from: Mapped[int] = mapped_column(SmallInteger)
    age_to: Mapped[int] = mapped_column(SmallInteger)
    #: academic hours a week (the normative cost a certificate pays up to follows from it)
    hours_per_week: Mapped[int] = mapped_column(SmallInteger)
    rating_total: Mapped[int] = mapped_column()
    rating_count: Mapped[int] = mapped_column()
    #: the lowest price a month among the open groups, kopecks; None when none is open
    min_price: Mapped[int | None] = mapped_column(BigInteger)
    #: free seats over the open groups
    seats_free: Mapped[int] = mapped_column()
    #: the open groups' weekdays as bits (1 << weekday, 0 = Monday)
    weekdays: Mapped[int] = mapped_column(SmallInteger)
    #: 0 open with a free seat, 1 open and full, 2 no open group: the default order's first key
    open_rank: Mapped[int] = mapped_column(SmallInteger)
