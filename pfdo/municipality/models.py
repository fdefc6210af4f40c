"""The municipality this installation serves: one row, edited by the admin."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from pfdo.db import IntPk, db


class Municipality(db.Model):
    __table_args__ = (
        CheckConstraint("length(region_code) = 2", "region_code_two_digits"),
        CheckConstraint("length(municipality_code) = 2", "municipality_code_two_digits"),
    )

    id: Mapped[IntPk]
    #: «Ленинский муниципальный район»
    name: Mapped[str] = mapped_column(String(200))
    #: «Еврейская автономная область»
    region_name: Mapped[str] = mapped_column(String(200))
    #: two digits; the first two of every certificate number
    region_code: Mapped[str] = mapped_column(String(2))
    #: two digits; the third and fourth of every certificate number
    municipality_code: Mapped[str] = mapped_column(String(2))
    #: IANA zone, e.g. Asia/Vladivostok: dates and times are shown in it
    timezone: Mapped[str] = mapped_column(String(64))
    hotline_phone: Mapped[str] = mapped_column(String(40))
    #: «пн–пт 9:00–18:00, перерыв 13:00–14:00»
    hotline_hours: Mapped[str] = mapped_column(String(200))
    #: the coordinating body's name and address, for the contacts page
    coordinator_name: Mapped[str] = mapped_column(String(300), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    #: children aged 5–18 living in the municipality (coverage is measured against it)
    child_population: Mapped[int] = mapped_column(default=0)
