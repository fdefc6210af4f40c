"""The catalogue's version: one counter that every committed change to what the public
catalogue shows moves on (pfdo.navigator.cache), so that a guest's page can be cached and
revalidated by it."""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from pfdo.db import db


class CatalogueVersion(db.Model):
    __tablename__ = "catalogue_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
