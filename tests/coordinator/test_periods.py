"""The coordinator's financing periods: the list, the form's defaults, every refusal beside its
field with nothing saved, and a raised quota handing places to the queue."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from pfdo.certificates.models import Certificate, QueueEntry
from pfdo.db import db
from pfdo.periods.models import FinancingPeriod
from pfdo.periods.services import Band
from tests import factories
from tests.conftest import form_post

NBSP = "\u00a0"

VALID = {
    "title": "2027 год", "starts_on": "2027-01-01", "ends_on": "2027-12-31",
    "nominal": "17 456,00", "quota": "1000", "budget": "17 456 000", "free_program_limit": "3",
    "provider_answer_days": "5",
    "offer_accept_days": "5",
    "report_due_day": "5",
    "band1_from": "", "band1_to": "", "band1_nominal": "",
    "band2_from": "", "band2_to": "", "band2_nominal": "",
    "band3_from": "", "band3_to": "", "band3_nominal": "",
    "cost_technical": "150", "cost_science": "", "cost_sports": "120,50", "cost_arts": "",
    "cost_tourism": "", "cost_social": "",
}


@pytest.fixture
def coordinator(make, login_as):
    make.municipality()
    return login_as("coordinator")


def error_beside(html: str, field: str) -> str:
    """The text of the error shown under the field with this id ('' when there is none)."""
    found = re.search(rf'id="{field}-error" class="invalid-feedback">(.*?)</div>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else ""


def value_of(html: str, name: str) -> str | None:
    found = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
    value = re.search(r'value="([^"]*)"', found.group(0)) if found else None
    return value.group(1) if value else None


def periods_in_db(app) -> list[tuple]:
    with app.app_context():
        return [(p.title, p.starts_on, p.ends_on, p.nominal, p.quota, p.budget)
                for p in db.session.scalars(select(FinancingPeriod).order_by(FinancingPeriod.id))]


def test_a_new_period_defaults_to_the_next_calendar_year(client, frozen_clock, coordinator):
    html = client.get("/coordinator/periods/new").get_data(as_text=True)

    assert (value_of(html, "title"), value_of(html, "starts_on"), value_of(html, "ends_on")) == (
        "2027 год", "2027-01-01", "2027-12-31")
    assert (value_of(html, "free_program_limit"), value_of(html, "provider_answer_days")) == (
        "3", "5")
    for label in ("Техническая", "Естественнонаучная", "Физкультурно-спортивная",
                  "Художественная", "Туристско-краеведческая", "Социально-гуманитарная"):
        assert label in html


def test_creating_a_period_saves_kopecks_bands_and_hour_costs(app, client, frozen_clock,
                                                             coordinator):
    data = {**VALID, "band1_from": "5", "band1_to": "9", "band1_nominal": "20 000",
            "budget": "20 000 000"}

    response = form_post(client, "/coordinator/periods/new", data)

    assert response.status_code == 302
    assert response.headers["Location"] == "/coordinator/periods"
    with app.app_context():
        period = db.session.scalars(select(FinancingPeriod)).one()
        assert (period.title, period.starts_on, period.ends_on) == (
            "2027 год", date(2027, 1, 1), date(2027, 12, 31))
        assert (period.nominal, period.quota, period.budget) == (1_745_600, 1000, 2_000_000_000)
        assert [(b.age_from, b.age_to, b.nominal) for b in period.bands] == [(5, 9, 2_000_000)]
        assert {c.direction: c.cost for c in period.hour_costs} == {
            "technical": 15_000, "sports": 12_050}
    listing = client.get("/coordinator/periods").get_data(as_text=True)
    assert "Период «2027 год» сохранён" in listing
    assert f"17{NBSP}456,00{NBSP}₽" in listing and "будущий" in listing
    assert "5–9 лет" in listing


def test_the_edit_form_shows_the_saved_values_in_rubles(app, client, coordinator):
    period = factories.period(app, bands=[Band(10, 13, 2_000_000)], budget=300_000_000,
                              hour_costs={"arts": 9_950})

    html = client.get(f"/coordinator/periods/{period.id}/edit").get_data(as_text=True)

    assert value_of(html, "nominal") == "17 456,00"
    assert value_of(html, "budget") == "3 000 000,00"
    assert (value_of(html, "band1_from"), value_of(html, "band1_to")) == ("10", "13")
    assert value_of(html, "band1_nominal") == "20 000,00"
    assert value_of(html, "cost_arts") == "99,50"
    assert value_of(html, "band2_from") == ""


def test_the_list_shows_each_period_state_and_quota_used(app, client, frozen_clock,
                                                         coordinator):
    factories.period(app, title="2025 год", starts_on=date(2025, 1, 1),
                     ends_on=date(2025, 12, 31))
    factories.period(app, title="2026 год", quota=4)
    factories.period(app, title="2027 год", starts_on=date(2027, 1, 1),
                     ends_on=date(2027, 12, 31))

    html = client.get("/coordinator/periods").get_data(as_text=True)

    rows = re.findall(r'<th scope="row">(.*?)</th>.*?<span class="badge[^"]*">(.*?)</span>',
                      html, re.S)
    assert rows == [("2027 год", "будущий"), ("2026 год", "идёт"), ("2025 год", "закончился")]
    assert '<progress class="quota-progress d-block w-100" value="0" max="4"' in html
    assert "0 из 4" in html


OTHER = {"title": "2026 год", "starts_on": date(2026, 1, 1), "ends_on": date(2026, 12, 31)}


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"ends_on": "2026-12-31"}, "ends_on",
     "Период должен заканчиваться позже, чем начинается"),
    ({"starts_on": "2026-07-01"}, "starts_on", "Даты пересекаются с периодом «2026 год»"),
    ({"budget": "1 000 000"}, "budget", "больше бюджета"),
    ({"nominal": "много"}, "nominal", "Введите сумму в рублях, например 17 456,00"),
    ({"nominal": "0"}, "nominal", "Сумма должна быть больше нуля"),
    ({"budget": "-5"}, "budget", "Сумма не может быть отрицательной"),
    ({"quota": ""}, "quota", "Заполните это поле"),
    ({"quota": "-1"}, "quota", "Не может быть отрицательным"),
    ({"starts_on": ""}, "starts_on", "Укажите дату начала"),
    ({"provider_answer_days": "0"}, "provider_answer_days", "Не меньше одного дня"),
    ({"cost_arts": "0"}, "cost_arts", "Сумма должна быть больше нуля"),
    ({"band1_from": "5", "band1_to": "9"}, "band1_nominal",
     "Заполните возраст «с», «по» и номинал группы"),
    ({"band1_from": "4", "band1_to": "9", "band1_nominal": "100"}, "band1_from",
     "От 5 до 17 лет"),
])
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(
        app, client, frozen_clock, coordinator, changes, field, message):
    factories.period(app, **OTHER)
    before = periods_in_db(app)

    response = form_post(client, "/coordinator/periods/new", {**VALID, **changes})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in error_beside(html, field)
    assert periods_in_db(app) == before


def test_overlapping_age_bands_are_refused_above_the_bands(app, client, coordinator):
    data = {**VALID, "band1_from": "5", "band1_to": "10", "band1_nominal": "15 000",
            "band2_from": "10", "band2_to": "14", "band2_nominal": "16 000"}

    response = form_post(client, "/coordinator/periods/new", data, htmx=True)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<form id="period-form"')
    assert re.search(r'id="bands-error"[^>]*>\s*<p class="mb-0">Возрастные группы пересекаются',
                     html)
    assert 'value="15 000"' in html  # the input is kept
    assert periods_in_db(app) == []


def test_a_started_period_cannot_get_a_lower_nominal(app, client, frozen_clock, coordinator):
    period = factories.period(app)  # 2026: started before the frozen 15.03.2026
    edit = f"/coordinator/periods/{period.id}/edit"
    data = {**VALID, "title": "2026 год", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
            "quota": "100", "nominal": "15 000", "budget": "1 745 600"}

    response = form_post(client, edit, data)

    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), "nominal") == (
        "Период уже начался: номинал нельзя уменьшить")
    with app.app_context():
        assert db.session.get(FinancingPeriod, period.id).nominal == factories.NOMINAL


def test_a_period_that_has_not_started_may_get_a_lower_nominal(app, client, frozen_clock,
                                                               coordinator):
    period = factories.period(app, title="2027 год", starts_on=date(2027, 1, 1),
                              ends_on=date(2027, 12, 31))

    response = form_post(client, f"/coordinator/periods/{period.id}/edit",
                         {**VALID, "nominal": "15 000", "quota": "100"})

    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(FinancingPeriod, period.id).nominal == 1_500_000


def test_raising_the_quota_gives_the_new_places_to_the_queue(app, client, frozen_clock, make,
                                                             coordinator):
    period = factories.period(app, quota=1)
    parent = make.user("parent")
    financed = factories.certificate(app, parent, last_name="Первая")
    factories.financing(app, financed)
    waiting = factories.certificate(app, parent, last_name="Вторая")
    factories.queue(app, waiting)
    data = {**VALID, "title": "2026 год", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
            "quota": "2", "budget": "34 912"}

    response = form_post(client, f"/coordinator/periods/{period.id}/edit", data)

    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Certificate, waiting.id).kind == "financing"
        assert db.session.get(FinancingPeriod, period.id).quota_used == 2
        assert db.session.scalar(select(func.count()).select_from(QueueEntry).where(
            QueueEntry.status == "waiting")) == 0
    html = client.get("/coordinator/periods").get_data(as_text=True)
    assert "Освободившиеся места получили 1 сертификат из очереди" in html


def test_the_quota_cannot_go_below_the_places_granted(app, client, frozen_clock, make,
                                                     coordinator):
    period = factories.period(app, quota=2)
    factories.financing(app, factories.certificate(app, make.user("parent")))
    data = {**VALID, "title": "2026 год", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
            "quota": "0", "budget": "34 912"}

    response = form_post(client, f"/coordinator/periods/{period.id}/edit", data)

    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), "quota") == (
        "Уже выдан 1 сертификат ПФ: квота не может быть меньше")
    with app.app_context():
        assert db.session.get(FinancingPeriod, period.id).quota == 2
