"""The child's week as a calendar file (RFC 5545, built with `icalendar`): one weekly
recurring event per class of each active contract, from the first class on or after the
contract's first month and the group's start, until the contract's (or the group's) last day,
in the municipality's time zone, so a phone's calendar shows the classes where they happen."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from pfdo import clock
from pfdo.children.models import Child
from pfdo.enrollments.schedule import Lesson

PRODID = "-//ПФДО//Расписание занятий//RU"


def first_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def lesson_event(lesson: Lesson, zone: ZoneInfo, stamp: datetime) -> Event | None:
    """The weekly event of one class; None when no class of it falls within the contract."""
    contract, group = lesson.contract, lesson.group
    first = first_on_or_after(max(contract.first_month, group.starts_on), lesson.weekday)
    last = min(contract.ends_on or group.ends_on, group.ends_on)
    if first > last:
        return None
    event = Event()
    event.add("uid", f"contract-{contract.id}-{lesson.weekday}-{lesson.starts_at:%H%M}@pfdo")
    event.add("dtstamp", stamp)
    event.add("dtstart", datetime.combine(first, lesson.starts_at, tzinfo=zone))
    event.add("dtend", datetime.combine(first, lesson.ends_at, tzinfo=zone))
    # UNTIL is in UTC when DTSTART has a time zone: the end of the last local day
    until = datetime.combine(last, time(23, 59, 59), tzinfo=zone).astimezone(ZoneInfo("UTC"))
    event.add("rrule", {"freq": "weekly", "until": until})
    event.add("summary", f"{contract.program.title} — {group.name}")
    event.add("location", contract.program.address)
    event.add("description", f"{contract.provider.short_name}. Договор {contract.number}.")
    return event


def week_calendar(child: Child, lessons: list[Lesson], *, timezone: str) -> bytes:
    zone = ZoneInfo(timezone)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"Занятия: {child.first_name}")
    cal.add("x-wr-timezone", timezone)
    stamp = clock.now()
    for lesson in lessons:
        event = lesson_event(lesson, zone, stamp)
        if event is not None:
            cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
