"""Russian presentation of numbers, dates and plurals (Babel), as Jinja filters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, get_month_names
from babel.numbers import format_decimal

from pfdo import clock
from pfdo.money import format_rub

RU = Locale.parse("ru_RU")


def fmt_date(value: date | datetime | None, tz: str = "UTC") -> str:
    """dd.mm.yyyy. A moment (datetime) is shown as the date it falls on in the time zone `tz`
    (the municipality's), not its UTC date; a date-only value is shown as it is."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = clock.local_date(value, tz)
    return format_date(value, "dd.MM.yyyy", locale=RU)


def fmt_datetime(value: datetime | None, tz: str = "UTC") -> str:
    """dd.mm.yyyy HH:MM in the municipality's time zone."""
    if value is None:
        return ""
    return format_datetime(value, "dd.MM.yyyy HH:mm", tzinfo=ZoneInfo(tz), locale=RU)


def fmt_time(value: datetime | None, tz: str = "UTC") -> str:
    """HH:MM in the municipality's time zone."""
    if value is None:
        return ""
    return format_datetime(value, "HH:mm", tzinfo=ZoneInfo(tz), locale=RU)


def month_name(day: date, *, case: str = "nominative") -> str:
    """«декабрь» (nominative, standalone: a label) or «декабря» (genitive: «с 1 декабря»,
    «с декабря 2026 года»), from Babel's CLDR data."""
    context = "stand-alone" if case == "nominative" else "format"
    return get_month_names("wide", context=context, locale=RU)[day.month]


def month_range(first: date, last: date) -> str:
    """A label for the months first..last (first days or any day in them): «декабрь 2026»,
    «январь–май 2027», «декабрь 2026 – январь 2027»."""
    if (first.year, first.month) == (last.year, last.month):
        return f"{month_name(first)} {first.year}"
    if first.year == last.year:
        return f"{month_name(first)}–{month_name(last)} {last.year}"
    return f"{month_name(first)} {first.year} – {month_name(last)} {last.year}"


#: Babel's answers are pure functions of the number, and a page asks for the same few many
#: times (a catalogue page: the ages, seats and reviews of twenty cards)
_MEMO = 4096


@lru_cache(maxsize=_MEMO)
def fmt_number(value: int) -> str:
    return format_decimal(value, locale=RU)


@lru_cache(maxsize=_MEMO)
def _plural_form(count: int) -> str:
    return RU.plural_form(abs(count))


def plural(count: int, one: str, few: str, many: str) -> str:
    """Pick the Russian form for `count`: 1 ребёнок, 2 ребёнка, 5 детей (CLDR rules)."""
    return {"one": one, "few": few}.get(_plural_form(count), many)


def count_with_noun(count: int, one: str, few: str, many: str) -> str:
    """«3 ребёнка», «21 заявка», with Russian digit grouping."""
    return f"{fmt_number(count)} {plural(count, one, few, many)}"


def register(app, timezone: Callable[[], str] = lambda: "UTC") -> None:
    """The filters; `timezone` gives the municipality's zone at render time."""
    app.jinja_env.filters.update(
        rub=format_rub,
        date=lambda value: fmt_date(value, timezone()),
        datetime=lambda value: fmt_datetime(value, timezone()),
        time=lambda value: fmt_time(value, timezone()),
        number=fmt_number,
        month=month_name,
    )
    app.jinja_env.globals.update(plural=plural, count_with_noun=count_with_noun,
                                 month_range=month_range)
