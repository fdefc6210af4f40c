"""The child's week and its calendar file: one weekly event per class, from the first class of
the contract to its end, in the municipality's time zone; parsed back with icalendar."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from icalendar import Calendar

from pfdo.db import db
from pfdo.enrollments import contracts
from pfdo.enrollments.models import Contract
from tests import factories
from tests.conftest import login
from tests.factories.accounts import user_row


def test_the_week_lists_each_class_by_day(app, client, world):
    factories.contract(app, world.parent, world.child, world.group)
    login(client, world.parent.email)
    html = client.get(f"/children/{world.child.id}/week").get_data(as_text=True)
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Расписание на неделю: Анна" in page
    assert re.search(r"Вторник 15:00–16:30 · «Робототехника для начинающих», группа «Группа 1» "
                     r"· с\. Ленинское, ул\. Школьная, 1", page)
    assert "Понедельник Занятий нет" in page
    assert f'href="/children/{world.child.id}/week.ics"' in html


def test_the_calendar_file_has_a_weekly_event_per_class(app, client, world):
    signed = factories.contract(app, world.parent, world.child, world.group)
    login(client, world.parent.email)
    response = client.get(f"/children/{world.child.id}/week.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    assert ".ics" in response.headers["Content-Disposition"]

    cal = Calendar.from_ical(response.data)
    events = sorted(cal.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
    assert len(events) == 2  # Tuesdays and Thursdays
    zone = ZoneInfo("Asia/Vladivostok")
    tuesday, thursday = events
    # the contract starts in March (the group in February): the first Tuesday of March
    assert tuesday.decoded("dtstart") == datetime(2026, 3, 3, 15, 0, tzinfo=zone)
    assert tuesday.decoded("dtend") == datetime(2026, 3, 3, 16, 30, tzinfo=zone)
    assert thursday.decoded("dtstart").date() == date(2026, 3, 5)
    assert tuesday["dtstart"].params["TZID"] == "Asia/Vladivostok"
    rule = tuesday["rrule"]
    assert rule["FREQ"] == ["WEEKLY"]
    until = rule["UNTIL"][0]
    assert until.astimezone(zone).date() == date(2026, 12, 31)
    assert str(tuesday["summary"]) == "Робототехника для начинающих — Группа 1"
    assert str(tuesday["location"]) == "с. Ленинское, ул. Школьная, 1"
    assert str(tuesday["uid"]) == f"contract-{signed.id}-1-1500@pfdo"
    assert cal.walk("VTIMEZONE"), "the time zone is described in the file"
    # the same file tomorrow has the same identifiers: a re-import updates, not duplicates
    again = Calendar.from_ical(client.get(f"/children/{world.child.id}/week.ics").data)
    assert {str(e["uid"]) for e in again.walk("VEVENT")} == {str(e["uid"]) for e in events}


def test_a_terminated_contract_recurs_until_its_last_day(app, client, world):
    signed = factories.contract(app, world.parent, world.child, world.group)
    with app.app_context():
        contracts.terminate(db.session.get(Contract, signed.id), actor=user_row(world.parent),
                            by="parent", reason="Переезжаем", today=factories.today())
    login(client, world.parent.email)
    cal = Calendar.from_ical(client.get(f"/children/{world.child.id}/week.ics").data)
    zone = ZoneInfo("Asia/Vladivostok")
    for event in cal.walk("VEVENT"):
        assert event["rrule"]["UNTIL"][0].astimezone(zone).date() == date(2026, 3, 31)
        assert event.decoded("dtstart").time() == time(15, 0)


def test_a_child_without_classes_gets_an_empty_week(app, client, world):
    login(client, world.parent.email)
    page = client.get(f"/children/{world.child.id}/week").get_data(as_text=True)
    assert "По действующим договорам занятий нет" in page
    cal = Calendar.from_ical(client.get(f"/children/{world.child.id}/week.ics").data)
    assert cal.walk("VEVENT") == []
