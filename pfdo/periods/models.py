"""Financing periods: nominal values (optionally by age band), quota, budget, normative costs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pfdo.db import IntPk, Kopecks, Timestamp, db
from pfdo.enums import LabelledEnum


class Direction(LabelledEnum):
    TECHNICAL = "technical", "техническая"
    SCIENCE = "science", "естественнонаучная"
    SPORTS = "sports", "физкультурно-спортивная"
    ARTS = "arts", "художественная"
    TOURISM = "tourism", "туристско-краеведческая"
    SOCIAL = "social", "социально-гуманитарная"


DIRECTION_LABELS = Direction.labels()


class FinancingPeriod(db.Model):
    __table_args__ = (
        CheckConstraint("ends_on > starts_on", "ends_after_start"),
        CheckConstraint("nominal > 0", "nominal_positive"),
        CheckConstraint("quota >= 0", "quota_not_negative"),
        # The guarded counter: financing certificates granted never exceed the quota.
        CheckConstraint("quota_used >= 0 AND quota_used <= quota", "quota_used_within_quota"),
        CheckConstraint("budget >= 0", "budget_not_negative"),
        CheckConstraint("free_program_limit >= 0", "free_program_limit_not_negative"),
        CheckConstraint("provider_answer_days > 0", "answer_days_positive"),
        CheckConstraint("offer_accept_days > 0", "offer_days_positive"),
        CheckConstraint("report_due_day BETWEEN 1 AND 28", "report_due_day_valid"),
    )

    id: Mapped[IntPk]
    #: «2026 год»
    title: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    #: the nominal for children outside every age band
    nominal: Mapped[Kopecks]
    #: how many certificates may be financing ones in this period
    quota: Mapped[int]
    #: how many have been granted: changed only by a guarded UPDATE (see periods.services)
    quota_used: Mapped[int] = mapped_column(default=0)
    budget: Mapped[Kopecks]
    #: free (municipal assignment) programs one record certificate may hold at once
    free_program_limit: Mapped[int] = mapped_column(default=3)
    #: days a provider has to answer an enrolment request
    provider_answer_days: Mapped[int] = mapped_column(default=5)
    #: working days a family has to accept an offer (a waitlist seat included)
    offer_accept_days: Mapped[int] = mapped_column(default=5, server_default="5")
    #: providers submit a month's service report by this day of the next month
    report_due_day: Mapped[int] = mapped_column(default=5, server_default="5")
    created_at: Mapped[Timestamp]
    #: set by `flask periods close`: the unspent balances went back to the fund
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    bands: Mapped[list[NominalBand]] = relationship(
        back_populates="period", cascade="all, delete-orphan", order_by="NominalBand.age_from")
    hour_costs: Mapped[list[PersonHourCost]] = relationship(
        back_populates="period", cascade="all, delete-orphan", order_by="PersonHourCost.direction")

    @property
    def quota_left(self) -> int:
        return self.quota - self.quota_used

    @property
    def months(self) -> int:
        """Whole calendar months the period spans (12 for a calendar year)."""
        return (self.ends_on.year - self.starts_on.year) * 12 + self.ends_on.month \
            - self.starts_on.month + 1

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def nominal_for_age(self, age: int) -> int:
        for band in self.bands:
            if band.age_from <= age <= band.age_to:
                return band.nominal
        return self.nominal

    def hour_cost(self, direction: str) -> int | None:
        for cost in self.hour_costs:
            if cost.direction == direction:
                return cost.cost
        return None


class NominalBand(db.Model):
    """A different nominal for children aged age_from..age_to (inclusive) on the grant date."""

    __table_args__ = (
        CheckConstraint("age_from >= 5 AND age_to <= 17 AND age_from <= age_to", "ages_valid"),
        CheckConstraint("nominal > 0", "nominal_positive"),
    )

    id: Mapped[IntPk]
    period_id: Mapped[int] = mapped_column(ForeignKey("financing_period.id"), index=True)
    age_from: Mapped[int]
    age_to: Mapped[int]
    nominal: Mapped[Kopecks]

    period: Mapped[FinancingPeriod] = relationship(back_populates="bands")


class PersonHourCost(db.Model):
    """The normative cost of one person-hour in a direction: the base of a program's cost."""

    __table_args__ = (
        UniqueConstraint("period_id", "direction", name="uq_person_hour_cost_period_direction"),
        CheckConstraint("cost > 0", "cost_positive"),
    )

    id: Mapped[IntPk]
    period_id: Mapped[int] = mapped_column(ForeignKey("financing_period.id"), index=True)
    direction: Mapped[str] = mapped_column(String(20))
    cost: Mapped[Kopecks]

    period: Mapped[FinancingPeriod] = relationship(back_populates="hour_costs")
