"""Months as billing reads them: a month is its first day; «2026-10» on the command line and in
URLs; its report is due on the period's `report_due_day` of the next month."""

from __future__ import annotations

import re
from datetime import date

from pfdo.errors import DomainError
from pfdo.periods import services as periods

DEFAULT_DUE_DAY = 5
MONTH_SHAPE = re.compile(r"([0-9]{4})-([0-9]{2})")


def parse(value: str | None) -> date:
    """«2026-10» → date(2026, 10, 1). Refuses anything else with a Russian message."""
    match = MONTH_SHAPE.fullmatch((value or "").strip())
    if match is None or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
        raise DomainError("Месяц указывается как ГГГГ-ММ, например 2026-10", field="month")
    return date(int(match[1]), int(match[2]), 1)


def key(month: date) -> str:
    return f"{month:%Y-%m}"


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(day: date) -> date:
    """The month before the one `day` is in."""
    first = day.replace(day=1)
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


def has_ended(month: date, today: date) -> bool:
    return today >= next_month(month)


def due_on(month: date) -> date:
    """The last day to submit the month's report: the period's report day of the next month."""
    period = periods.current_period(month)
    day = period.report_due_day if period is not None else DEFAULT_DUE_DAY
    return next_month(month).replace(day=day)


def is_late(month: date, today: date) -> bool:
    return today > due_on(month)
