"""The price breakdown in words a family can trust: consecutive months with the same split
grouped into ranges («декабрь 2026: сертификат 1 454,66 ₽, вы 2 095,34 ₽; январь–май 2027:
…»), the totals for the whole contract, what the current period's balance keeps and until
when, and what is known about the next period. A pure function of a `pricing.Breakdown`
(no database, no clock, no Flask), so the navigator and the offer say the same thing.

Why ranges and not "a usual month": when the balance or a later nominal caps some months,
no single monthly figure is true for the whole contract (a headline «вы доплачиваете 58,80 ₽»
next to a December that costs the family 2 095,34 ₽). Every month belongs to exactly one
range, and a range's monthly figures are exactly those of each of its months.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pfdo.enrollments.pricing import MONTHS_IN_PERIOD, Breakdown, MonthShare
from pfdo.formatting import month_range


@dataclass(frozen=True)
class NextPeriod:
    """The financing period after the current one, when the municipality has set it up."""

    title: str
    starts_on: date
    #: its nominal for this child (the age band on its first day)
    nominal: int
    #: its length in months: the later months are planned in stretches this long
    months: int = MONTHS_IN_PERIOD


@dataclass(frozen=True)
class MonthRange:
    """Consecutive months with the same price and split. A range may run from the current
    period's months into planned ones (when their split is the same): `planned` says how
    many of its months, the last ones, are planned from a later nominal."""

    #: the first days of the first and the last month
    first: date
    last: date
    months: int
    #: a month's price, certificate share and the family's co-pay (the same in each month)
    price: int
    certificate: int
    family: int
    #: how many of its months (the last ones) are planned from a later period's nominal
    planned: int = 0

    @property
    def label(self) -> str:
        """«декабрь 2026», «январь–май 2027», «декабрь 2026 – январь 2027»."""
        return month_range(self.first, self.last)

    @property
    def all_planned(self) -> bool:
        return self.planned == self.months

    @property
    def certificate_total(self) -> int:
        return self.certificate * self.months

    @property
    def family_total(self) -> int:
        return self.family * self.months


@dataclass(frozen=True)
class Summary:
    ranges: tuple[MonthRange, ...]
    months: int
    certificate_total: int
    family_total: int
    #: the current period's months together, taken from its balance
    reserved_now: int
    #: the balance left after that; it can be spent until `remaining_until` (the current
    #: period's last day) and does not carry over
    remaining: int
    remaining_until: date | None
    #: the first month planned from a later period's nominal (None: every month is in the
    #: current period)
    first_planned: date | None
    #: the later months were planned from `planned_nominal`: the next period's nominal when
    #: `next_period` is set up, otherwise the current one (the next is not known yet)
    planned_nominal: int
    next_period: NextPeriod | None

    @property
    def price_total(self) -> int:
        return self.certificate_total + self.family_total

    @property
    def one_split(self) -> bool:
        """Every month of the contract has the same split (one sentence says it all)."""
        return len(self.ranges) == 1


def _consecutive(earlier: date, later: date) -> bool:
    return (later.year * 12 + later.month) - (earlier.year * 12 + earlier.month) == 1


def group_months(months: tuple[MonthShare, ...] | list[MonthShare], *,
                 planned_from: date | None = None) -> tuple[MonthRange, ...]:
    """Consecutive months with the same price and split, as ranges, in order; months from
    `planned_from` on count as planned."""
    ranges: list[MonthRange] = []
    for month in months:
        planned = int(planned_from is not None and month.month >= planned_from)
        last = ranges[-1] if ranges else None
        if (last is not None
                and (month.price, month.certificate, month.family)
                == (last.price, last.certificate, last.family)
                and _consecutive(last.last, month.month)):
            ranges[-1] = MonthRange(last.first, month.month, last.months + 1, last.price,
                                    last.certificate, last.family, last.planned + planned)
        else:
            ranges.append(MonthRange(month.month, month.month, 1, month.price,
                                     month.certificate, month.family, planned))
    return tuple(ranges)


def summarise(breakdown: Breakdown, *, period_ends_on: date | None, nominal: int,
              next_period: NextPeriod | None = None) -> Summary:
    """The summary of `breakdown`, computed with `pricing.breakdown(period_ends_on=...,
    nominal=..., next_nominal=next_period.nominal if next_period else None)`."""
    planned = [m for m in breakdown.months if not m.in_current_period]
    first_planned = planned[0].month if planned and period_ends_on is not None else None
    return Summary(
        ranges=group_months(breakdown.months, planned_from=first_planned),
        months=len(breakdown.months),
        certificate_total=breakdown.certificate_total,
        family_total=breakdown.family_total,
        reserved_now=breakdown.reserved_now,
        remaining=breakdown.remaining,
        remaining_until=period_ends_on,
        first_planned=first_planned,
        planned_nominal=next_period.nominal if next_period is not None else nominal,
        next_period=next_period,
    )
