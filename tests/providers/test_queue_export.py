"""The coordinator's list of providers as XLSX (issue 13): the same filters as the list on
screen, every matching row in its order, dates as dates in the municipality's time zone, the
page's roles."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from pfdo import clock, xlsx
from pfdo.db import db
from pfdo.providers.models import Provider
from tests import factories
from tests.sheets import HOSTILE_QUERIES, rows_of, sheet_of

HEADER = ("Дата подачи", "Поставщик", "Полное наименование", "Форма", "Район", "ИНН", "ОГРН",
          "Адрес", "Контактное лицо", "Телефон", "Почта", "Статус", "Ждёт, дней",
          "В реестре с")
NAME = re.compile(r'<td data-label="Поставщик">([^<]+)<br>')


def names_on_screen(client, **params) -> list[str]:
    html = client.get("/coordinator/providers", query_string=params,
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    return NAME.findall(html)


def _submitted(app, provider, days_ago: int) -> None:
    with app.app_context():
        db.session.get(Provider, provider.id).submitted_at = clock.now() - timedelta(
            days=days_ago)
        db.session.commit()


@pytest.fixture
def providers(app, make, login_as, frozen_clock):
    """Two waiting applications (10 and 2 days old, one an ИП), one approved provider; the
    client signed in as the coordinator."""
    make.municipality()
    login_as("coordinator")
    older = factories.provider(app, status="submitted", short_name="ЦДТ Радуга")
    _submitted(app, older, 10)
    newer = factories.provider(app, status="submitted", short_name="ИП Кузнецова А. В.",
                               legal_form="ip", district="Северный район")
    _submitted(app, newer, 2)
    approved = factories.provider(app, short_name="ДЮЦ Звезда")
    return {"older": older, "newer": newer, "approved": approved}


def test_the_export_is_the_list_on_screen(client, providers):
    page = client.get("/coordinator/providers").get_data(as_text=True)
    assert "Найдены 2 заявки" in page
    assert 'href="/coordinator/providers.xlsx"' in page

    sheet = sheet_of(client.get("/coordinator/providers.xlsx"))
    header, *rows = rows_of(sheet)

    assert header == HEADER
    assert [row[1] for row in rows] == names_on_screen(client) == [
        "ЦДТ Радуга", "ИП Кузнецова А. В."]
    older = providers["older"]
    assert rows[0][1:8] == ("ЦДТ Радуга", older.full_name, "МБУ ДО", "Ленинский район",
                            older.inn, older.ogrn, older.address)
    assert rows[0][8:13] == ("Петрова Анна Сергеевна", "+7 42663 2-10-00", older.email,
                             "заявка на рассмотрении", 10)
    # 05.03.2026 10:00 UTC is 20:00 in Asia/Vladivostok
    assert rows[0][0] == datetime(2026, 3, 5, 20, 0) and rows[0][13] is None
    assert sheet.cell(row=2, column=1).number_format == xlsx.DATETIME_FORMAT
    assert rows[1][3:5] == ("ИП", "Северный район") and rows[1][12] == 2


def test_the_export_keeps_the_filter_and_exports_every_page(app, client, providers):
    approved = rows_of(sheet_of(client.get("/coordinator/providers.xlsx",
                                           query_string={"status": "approved"})))
    assert [row[1] for row in approved[1:]] == names_on_screen(client, status="approved") == [
        "ДЮЦ Звезда"]
    assert approved[1][11:13] == ("в реестре", None)
    assert approved[1][13].date() == date(2026, 3, 15)  # openpyxl reads a date back as midnight
    sheet = sheet_of(client.get("/coordinator/providers.xlsx",
                                query_string={"status": "approved"}))
    assert sheet.cell(row=2, column=14).is_date
    assert sheet.cell(row=2, column=14).number_format == xlsx.DATE_FORMAT

    by_inn = rows_of(sheet_of(client.get("/coordinator/providers.xlsx",
                                         query_string={"q": providers["newer"].inn})))
    assert [row[1] for row in by_inn[1:]] == ["ИП Кузнецова А. В."]
    by_form = rows_of(sheet_of(client.get("/coordinator/providers.xlsx",
                                          query_string={"legal_form": "mbu_do",
                                                        "status": "all"})))
    assert sorted(row[1] for row in by_form[1:]) == sorted(
        names_on_screen(client, legal_form="mbu_do", status="all")) == [
        "ДЮЦ Звезда", "ЦДТ Радуга"]

    for n in range(31):  # more than a page
        factories.provider(app, status="submitted", short_name=f"ЦДТ № {n + 100}")
    assert len(names_on_screen(client)) == 30
    assert len(rows_of(sheet_of(client.get("/coordinator/providers.xlsx")))) == 1 + 33


def test_a_cell_that_would_read_as_a_formula_stays_text(app, client, providers):
    factories.provider(app, status="submitted", short_name="=HYPERLINK(\"http://evil\")")
    rows = rows_of(sheet_of(client.get("/coordinator/providers.xlsx")))
    assert rows[-1][1] == "'=HYPERLINK(\"http://evil\")"


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_query_arguments_do_not_break_the_export(client, providers, query):
    response = client.get(f"/coordinator/providers.xlsx?{query}")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert rows_of(sheet_of(response))[0] == HEADER
