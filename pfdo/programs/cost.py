"""A program's normative cost per month (docs/domain.md §6): the period's cost of a person-hour
for the direction × hours a week × weeks a month, with how it was computed, for the provider's
and the coordinator's pages. Works on a program and on a revision of it alike."""

from __future__ import annotations

from dataclasses import dataclass

from pfdo.money import format_rub
from pfdo.periods.models import DIRECTION_LABELS, Direction, FinancingPeriod
from pfdo.programs.models import (
    WEEKS_PER_MONTH,
    Funding,
    Group,
    Program,
    ProgramRevision,
    RevisionGroup,
)


@dataclass(frozen=True)
class NormativeCost:
    """The program's normative cost per month and how it was computed, or why it could not be."""

    #: kopecks a month, or None
    amount: int | None
    hour_cost: int | None = None
    hours_per_month: int | None = None
    period: FinancingPeriod | None = None
    problem: str | None = None

    @property
    def explanation(self) -> str:
        """«150,00 ₽ за человеко-час × 8 ч в месяц = 1 200,00 ₽ в месяц», or the problem."""
        if self.amount is None:
            return self.problem or ""
        return (f"{format_rub(self.hour_cost)} за человеко-час × {self.hours_per_month} ч "
                f"в месяц = {format_rub(self.amount)} в месяц")


def monthly_norm(hour_cost: int | None, hours_per_week: int) -> int | None:
    """The one formula of the normative cost, kopecks a month: the cost of a person-hour ×
    hours a week × WEEKS_PER_MONTH. None when there is no cost of a person-hour."""
    if hour_cost is None or hour_cost < 0:
        return None
    return hour_cost * hours_per_week * WEEKS_PER_MONTH


def normative_cost(program: Program | ProgramRevision,
                   period: FinancingPeriod | None) -> int | None:
    """Kopecks a month for the program under the period's person-hour cost for its direction.
    None without a period or without a cost for the direction."""
    if period is None:
        return None
    return monthly_norm(period.hour_cost(program.direction), program.hours_per_week)


def explain_normative_cost(program: Program | ProgramRevision,
                           period: FinancingPeriod | None) -> NormativeCost:
    """The normative cost with its computation, or the reason it cannot be computed."""
    if period is None:
        return NormativeCost(None, problem="Нормативную стоимость не рассчитать: нет текущего "
                                           "периода финансирования")
    hour_cost = period.hour_cost(program.direction)
    if hour_cost is None:
        label = DIRECTION_LABELS[Direction(program.direction)]
        return NormativeCost(None, period=period, problem=(
            f"Нормативную стоимость не рассчитать: в периоде «{period.title}» не задана "
            f"стоимость человеко-часа для направленности «{label}»"))
    return NormativeCost(normative_cost(program, period), hour_cost=hour_cost,
                         hours_per_month=program.hours_per_week * WEEKS_PER_MONTH,
                         period=period)


def price_above_norm(group: Group | RevisionGroup, cost: NormativeCost,
                     funding: str | None = None) -> int:
    """How much a certified group's monthly price exceeds the normative cost (0 if not).
    `funding` is the content's (a revision's may differ); by default the group's program's."""
    funding = funding or group.program.funding
    if cost.amount is None or funding != Funding.CERTIFIED:
        return 0
    return max(group.price_per_month - cost.amount, 0)
