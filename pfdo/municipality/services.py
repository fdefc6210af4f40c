"""Reading and changing the municipality's settings."""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

import holidays
from sqlalchemy import select

from pfdo import clock, phones
from pfdo.accounts.models import User
from pfdo.audit import services as audit
from pfdo.db import db, unit_of_work
from pfdo.errors import DomainError
from pfdo.identifiers import digits_or_none
from pfdo.municipality.models import Municipality

#: what the site shows before the admin (or `flask demo seed`) has set the municipality up
FALLBACK = {
    "name": "Муниципальное образование",
    "region_name": "",
    "timezone": "Europe/Moscow",
    "hotline_phone": "",
    "hotline_hours": "",
    "coordinator_name": "",
    "address": "",
    "email": "",
}

#: the session's cached row (Session.info lives as long as the session: one request or job)
CACHE_KEY = "pfdo.municipality"


@dataclass(frozen=True)
class MunicipalitySettings:
    name: str
    region_name: str
    region_code: str
    municipality_code: str
    timezone: str
    hotline_phone: str
    hotline_hours: str
    coordinator_name: str
    address: str
    email: str
    child_population: int


def get() -> Municipality | None:
    """The municipality, read once per database session (a request, a CLI job or a test)."""
    if CACHE_KEY not in db.session.info:
        db.session.info[CACHE_KEY] = db.session.scalars(select(Municipality).limit(1)).first()
    return db.session.info[CACHE_KEY]


def timezone() -> str:
    municipality = get()
    return municipality.timezone if municipality else FALLBACK["timezone"]


# --- The municipality's calendar: every "today", age, deadline and date filter uses these ---

def local_today() -> date:
    """Today's date in the municipality (not in UTC): ages, deadlines and "today" use it."""
    return clock.today(timezone())


def local_date(moment: datetime) -> date:
    """The municipality's date of a stored timestamp (aware, or naive UTC from SQLite)."""
    return clock.local_date(moment, timezone())


def local_day_start(day: date) -> datetime:
    """The first moment (in UTC) of the municipality's `day`: a date filter «с» compares
    `>= local_day_start(first)`, «по» compares `< local_day_start(last + 1 day)`."""
    return clock.day_start(day, timezone())


def local_day_bounds(first: date | None, last: date | None) -> tuple[datetime | None,
                                                                       datetime | None]:
    """The UTC bounds [start, end) of the municipality's days first..last (either open)."""
    start = local_day_start(first) if first is not None else None
    end = local_day_start(last + timedelta(days=1)) if last is not None else None
    return start, end


def days_since(moment: datetime | None, today: date | None = None) -> int:
    """Whole days from the municipality's date of `moment` to `today` (default: local today);
    0 for no moment or a moment later today."""
    if moment is None:
        return 0
    return max(((today or local_today()) - local_date(moment)).days, 0)


@functools.lru_cache(maxsize=8)
def _calendar(year: int):
    """Russia's production calendar for `year` and the next (weekends, public holidays and
    the government's moved days off, as the `holidays` library keeps them)."""
    return holidays.country_holidays("RU", years=(year, year + 1))


def is_working_day(day: date) -> bool:
    return _calendar(day.year).is_working_day(day)


def add_working_days(day: date, days: int) -> date:
    """The `days`-th working day after `day` (a deadline «в течение 5 рабочих дней» from a
    request made on `day` ends on that day). `days` ≥ 1."""
    if days < 1:
        raise ValueError("days must be at least 1")
    return _calendar(day.year).get_nth_working_day(day, days)


def previous_working_day(day: date) -> date:
    """The last working day before `day` (the day a reminder goes out)."""
    return _calendar(day.year - 1).get_nth_working_day(day, -1)


def local_area_codes() -> tuple[str, ...]:
    """The local telephone area codes numbers of this municipality are read by: the one its
    hotline number was typed with («+7 (42663) 2-14-35» → «42663»)."""
    municipality = get()
    code = phones.area_code_of(municipality.hotline_phone) if municipality else None
    return (code,) if code else ()


def _code(value: str, field: str, message: str) -> str:
    """Two ASCII digits from what the admin typed, or DomainError(message) beside `field`."""
    code = digits_or_none(value)
    if code is None or len(code) != 2:
        raise DomainError(message, field=field)
    return code


def save(settings: MunicipalitySettings, *, actor: User | None) -> Municipality:
    """Create or update the municipality's settings.

    Refuses: codes that are not two digits (stored as ASCII: «٧٩» is 79, «²³» is refused),
    an unknown time zone, a hotline number that is not a phone number, a negative
    population."""
    region_code = _code(settings.region_code, "region_code",
                        "Код региона — две цифры, например 79")
    municipality_code = _code(settings.municipality_code, "municipality_code",
                              "Код муниципалитета — две цифры, например 05")
    settings = replace(settings, region_code=region_code, municipality_code=municipality_code)
    if settings.timezone not in available_timezones():
        raise DomainError("Неизвестный часовой пояс", field="timezone")
    if not phones.is_valid(settings.hotline_phone):
        raise DomainError("Проверьте номер горячей линии: например, +7 (42663) 2-14-35",
                          field="hotline_phone")
    ZoneInfo(settings.timezone)
    if settings.child_population < 0:
        raise DomainError("Число детей не может быть отрицательным", field="child_population")
    with unit_of_work():
        municipality = db.session.scalars(select(Municipality).limit(1)).first()
        created = municipality is None
        if created:
            municipality = Municipality()
            db.session.add(municipality)
        changed = {}
        for field in fields(settings):
            value = getattr(settings, field.name)
            if getattr(municipality, field.name, None) != value:
                changed[field.name] = value
                setattr(municipality, field.name, value)
        db.session.flush()
        if created or changed:
            audit.record(actor, "municipality.updated", municipality, {"changed": sorted(changed)})
    db.session.info.pop(CACHE_KEY, None)
    return municipality
