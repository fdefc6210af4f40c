"""Who pays what each month of a contract: the certificate's share and the family's co-pay
(docs/domain.md §8 point 3). Pure functions over integers — no database, no clock — so the
navigator shows the family exactly what the offer will say, and the enrolment service reuses
them when it writes the offer.

The rules, per month of the contract:
  - the certificate pays at most min(the group's price, the program's normative cost);
  - the months of the current period together take at most the certificate's available
    balance; the months of each later period at most that period's nominal (the next
    nominal when known, else the current one);
  - when a cap bites, the capped total is spread over the months by largest remainder
    (`money.split`), so months differ by at most a kopeck and never exceed their own cap;
  - the family pays the rest, so every month's parts sum exactly to its price.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pfdo.money import split

MONTHS_IN_PERIOD = 12


@dataclass(frozen=True)
class MonthShare:
    #: the first day of the month
    month: date
    price: int
    certificate: int
    family: int
    #: paid from the current period's balance (reserved at enrolment)
    in_current_period: bool


@dataclass(frozen=True)
class Breakdown:
    """Every month of the contract with its split. There is deliberately no "usual month":
    a headline must be true for every month, so it comes from `summary.summarise`, which
    groups the months by their split."""

    months: tuple[MonthShare, ...]
    #: the current period's months together: reserved from the balance at enrolment
    reserved_now: int
    #: what stays on the certificate after that reservation, until the current period ends
    #: (it does not carry over to the next period)
    remaining: int

    @property
    def certificate_total(self) -> int:
        return sum(m.certificate for m in self.months)

    @property
    def family_total(self) -> int:
        return sum(m.family for m in self.months)


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def contract_months(starts_on: date, ends_on: date, today: date) -> list[date]:
    """The months a contract signed today would cover: from the later of the group's start
    month and the current month to the group's end month (first days; empty when over)."""
    month = max(first_of_month(starts_on), first_of_month(today))
    last = first_of_month(ends_on)
    months = []
    while month <= last:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _capped(caps: list[int], budget: int) -> list[int]:
    """Each month's cap, or the budget spread over them in proportion when it falls short."""
    total = sum(caps)
    budget = max(budget, 0)
    if total <= budget:
        return list(caps)
    if budget == 0 or total == 0:
        return [0] * len(caps)
    # budget < total: each share is within a kopeck of budget·cap/total < cap, so ≤ cap
    return split(budget, caps)


def breakdown(*, price: int, normative: int, months: list[date], period_ends_on: date | None,
              available: int, nominal: int, next_nominal: int | None = None,
              period_months: int = MONTHS_IN_PERIOD) -> Breakdown:
    """Split every month of the contract between the certificate and the family.

    `months`: first days of the contract's months (see `contract_months`).
    `period_ends_on`: the current period's last day; None when there is no current period
    (the certificate pays nothing). `available`: the certificate's balance now. `nominal`:
    the current period's nominal for the child; `next_nominal`: the next period's, or None
    to plan the next period from `nominal`. Later months are grouped into periods of
    `period_months` months after the current one, each capped by that nominal."""
    if price < 0 or normative < 0:
        raise ValueError("price and normative must not be negative")
    caps = [min(price, normative) for _ in months]
    shares = [0] * len(months)
    if period_ends_on is not None and months:
        end = _month_index(period_ends_on)
        buckets: dict[int, list[int]] = {}
        for i, month in enumerate(months):
            index = _month_index(month)
            bucket = -1 if index <= end else (index - end - 1) // max(period_months, 1)
            buckets.setdefault(bucket, []).append(i)
        later_nominal = nominal if next_nominal is None else next_nominal
        for bucket, positions in buckets.items():
            budget = available if bucket < 0 else later_nominal
            for i, share in zip(positions, _capped([caps[i] for i in positions], budget),
                                strict=True):
                shares[i] = share
    end_index = _month_index(period_ends_on) if period_ends_on else None
    rows = tuple(
        MonthShare(month=month, price=price, certificate=share, family=price - share,
                   in_current_period=end_index is not None and _month_index(month) <= end_index)
        for month, share in zip(months, shares, strict=True))
    reserved = sum(r.certificate for r in rows if r.in_current_period)
    return Breakdown(months=rows, reserved_now=reserved, remaining=max(available, 0) - reserved)
