"""The one place that reads the time. Tests freeze it with `freeze()`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_frozen: datetime | None = None


def now() -> datetime:
    """The current moment, timezone-aware, in UTC."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC)


def today(tz: str | ZoneInfo = "UTC") -> date:
    """Today's date in the given time zone (the municipality's, for domain rules)."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return now().astimezone(zone).date()


def local_date(moment: datetime, tz: str | ZoneInfo) -> date:
    """The date `moment` falls on in the time zone `tz`. A naive moment is UTC wall time
    (SQLite gives stored timestamps back without their zone)."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date()


def aware(moment: datetime) -> datetime:
    """`moment` with its zone: a naive one is UTC wall time (SQLite gives stored timestamps
    back without their zone)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def day_start(day: date, tz: str | ZoneInfo) -> datetime:
    """The first moment of `day` in the time zone `tz`, as an aware UTC datetime: the bound
    to compare stored timestamps with (SQLite compares wall time, so it must be UTC)."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return datetime.combine(day, time(), zone).astimezone(UTC)


def set_frozen(moment: datetime | None) -> None:
    """Pin `now()` to `moment` (aware); None unfreezes."""
    global _frozen
    if moment is not None and moment.tzinfo is None:
        raise ValueError("frozen time must be timezone-aware")
    _frozen = moment.astimezone(UTC) if moment is not None else None


def advance(delta: timedelta) -> None:
    """Move a frozen clock forward."""
    if _frozen is None:
        raise RuntimeError("the clock is not frozen")
    set_frozen(_frozen + delta)


@contextmanager
def freeze(moment: datetime) -> Iterator[None]:
    previous = _frozen
    set_frozen(moment)
    try:
        yield
    finally:
        set_frozen(previous)
