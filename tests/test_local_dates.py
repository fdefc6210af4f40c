"""Every date a person reads is the municipality's date (Asia/Vladivostok, UTC+10), not the UTC
one: the clock runs at 23:30 UTC, which is already the next morning there."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from pfdo import clock
from pfdo.formatting import fmt_date
from pfdo.municipality import services as municipality
from tests import factories
from tests.conftest import login

#: 23:30 UTC on 01.12.2026 = 09:30 on 02.12.2026 in Asia/Vladivostok
LATE_EVENING_UTC = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
TAG = re.compile(r"<[^>]+>")


def text(response) -> str:
    return " ".join(TAG.sub(" ", response.get_data(as_text=True)).split())


def test_the_date_filter_shows_a_moment_on_the_local_date_and_a_date_as_it_is():
    assert fmt_date(LATE_EVENING_UTC, "Asia/Vladivostok") == "02.12.2026"
    assert fmt_date(LATE_EVENING_UTC.replace(tzinfo=None), "Asia/Vladivostok") == "02.12.2026"
    assert fmt_date(LATE_EVENING_UTC, "UTC") == "01.12.2026"
    assert fmt_date(date(2026, 12, 1), "Asia/Vladivostok") == "01.12.2026"


def test_one_helper_gives_the_local_today_days_and_day_bounds(app):
    with app.app_context(), clock.freeze(LATE_EVENING_UTC):
        factories.municipality(app)
        assert municipality.local_today() == date(2026, 12, 2)
        assert municipality.local_date(LATE_EVENING_UTC) == date(2026, 12, 2)
        start, end = municipality.local_day_bounds(date(2026, 12, 2), date(2026, 12, 2))
        assert start == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
        assert end == datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
        # submitted 09:30 local on 02.12; at 23:59 local on 02.12 it has waited 0 days
        assert municipality.days_since(LATE_EVENING_UTC, date(2026, 12, 2)) == 0
        assert municipality.days_since(LATE_EVENING_UTC, date(2026, 12, 3)) == 1


def test_the_family_sees_local_dates_and_ages_at_half_past_eleven_utc(app, client, make):
    clock.set_frozen(LATE_EVENING_UTC)
    make.municipality()
    parent = make.user("parent", email="late@example.ru")
    assert login(app.test_client(), parent.email).status_code == 302  # on another device
    clock.advance(timedelta(minutes=5))  # a second login: the first one becomes «предыдущий»
    assert login(client, parent.email).status_code == 302
    # born 02.12.2016: ten years old on the local date, still nine on the UTC one
    kid = factories.child(app, parent, first_name="Анна", birth_date=date(2016, 12, 2))
    factories.application(app, parent, kid)

    cabinet = text(client.get("/cabinet"))
    assert "Дата регистрации 02.12.2026" in cabinet
    assert "Предыдущий вход 02.12.2026 09:30" in cabinet
    assert "на рассмотрении с 02.12.2026" in cabinet
    assert "01.12.2026" not in cabinet
    page = text(client.get(f"/children/{kid.id}"))
    assert "10 лет, дата рождения 02.12.2016" in page
    assert "на рассмотрении с 02.12.2026" in page


def test_the_coordinator_filters_and_counts_by_local_days(app, client, make, login_as):
    from tests.coordinator.test_applications import queue_rows

    clock.set_frozen(LATE_EVENING_UTC)
    make.municipality()
    parent = make.user("parent", email="late@example.ru")
    factories.application(app, parent, last_name="Петрова", birth_date=date(2016, 12, 2))
    clock.set_frozen(datetime(2026, 12, 2, 13, 50, tzinfo=UTC))  # 23:50 on 02.12 there
    login_as("coordinator")

    [row] = queue_rows(client)
    assert row[0] == "02.12.2026 09:30"
    assert row[2] == "10 лет"
    assert row[4] == "подано сегодня"
    assert len(queue_rows(client, date_from="2026-12-02", date_to="2026-12-02")) == 1
    assert queue_rows(client, date_to="2026-12-01") == []
    assert queue_rows(client, date_from="2026-12-03") == []
    dashboard = text(client.get("/coordinator"))
    assert "самое давнее подано сегодня" in dashboard

    clock.set_frozen(datetime(2026, 12, 2, 14, 10, tzinfo=UTC))  # 00:10 on 03.12 there
    [row] = queue_rows(client)
    assert row[4] == "ждёт 1 день"
