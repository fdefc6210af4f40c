"""The coordinator's list of programs as XLSX (issue 13): the same filters as the list on
screen, every matching row in its order, the groups' prices as roubles with the rouble
format, dates as dates in the municipality's time zone, the page's roles."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from pfdo import xlsx
from tests import factories
from tests.sheets import HOSTILE_QUERIES, rows_of, sheet_of

HEADER = ("Отправлена", "Программа", "Поставщик", "Направленность", "Финансирование", "Статус",
          "Изменения", "Ждёт, дней", "Возраст от", "Возраст до", "Групп", "Цена в месяц от",
          "Цена в месяц до", "Опубликована")
TITLE = re.compile(r'<td class="cell-title">([^<]+)<div')


def titles_on_screen(client, **params) -> list[str]:
    html = client.get("/coordinator/programs", query_string=params,
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    return TITLE.findall(html)


@pytest.fixture
def programs(app, make, login_as, frozen_clock):
    """Waiting: «Шахматы» (sent ten days ago, two priced groups) and the changes of the
    published «Рисование» (sent two days ago); besides, a published «Танцы» and a returned
    «Лепка». The client signed in as the coordinator."""
    make.municipality()
    provider = factories.provider(app, short_name="ЦДТ Радуга")
    chess = factories.program(app, provider, title="Шахматы", status="submitted")
    factories.group(app, chess, price=250_000)
    factories.group(app, chess, name="Группа 2", price=300_000)
    drawing = factories.program(app, provider, title="Рисование", direction="arts")
    factories.program(app, provider, title="Танцы", direction="arts")
    factories.program(app, provider, title="Лепка", status="returned", direction="arts")
    frozen_clock.advance(timedelta(days=8))
    factories.revision(app, drawing, title="Рисование")
    frozen_clock.advance(timedelta(days=2))
    login_as("coordinator")
    return {"chess": chess, "drawing": drawing}


def test_the_export_is_the_list_on_screen(client, programs):
    page = client.get("/coordinator/programs").get_data(as_text=True)
    assert "Найдены 2 программы" in page
    assert 'href="/coordinator/programs.xlsx"' in page

    sheet = sheet_of(client.get("/coordinator/programs.xlsx"))
    header, *rows = rows_of(sheet)

    assert header == HEADER
    assert [row[1] for row in rows] == titles_on_screen(client) == ["Шахматы", "Рисование"]
    chess, drawing = rows
    # sent 15.03.2026 10:00 UTC: 20:00 in Asia/Vladivostok
    assert chess[0] == datetime(2026, 3, 15, 20, 0)
    assert chess[2:11] == ("ЦДТ Радуга", "Техническая", "по сертификату ПФ", "на модерации",
                           None, 10, 7, 12, 2)
    assert chess[11:] == (2500, 3000, None)
    for column in (12, 13):
        cell = sheet.cell(row=2, column=column)
        assert isinstance(cell.value, int | float) and cell.number_format == xlsx.MONEY_FORMAT
    assert sheet.cell(row=2, column=1).number_format == xlsx.DATETIME_FORMAT
    assert drawing[5:8] == ("опубликована", "изменения на модерации", 2)
    assert drawing[0] == datetime(2026, 3, 23, 20, 0)  # the changes', not the program's
    assert drawing[10:13] == (0, None, None)  # no groups
    assert isinstance(drawing[13], datetime)


def test_the_export_keeps_the_filter_and_exports_every_page(app, client, programs):
    def titles(**params):
        sheet = sheet_of(client.get("/coordinator/programs.xlsx", query_string=params))
        return [row[1] for row in rows_of(sheet)[1:]]

    assert titles(status="all") == titles_on_screen(client, status="all")
    assert sorted(titles(status="all")) == ["Лепка", "Рисование", "Танцы", "Шахматы"]
    assert titles(status="returned") == titles_on_screen(client, status="returned") == ["Лепка"]
    assert titles(direction="arts") == ["Рисование"]
    assert titles(status="published", direction="arts") == titles_on_screen(
        client, status="published", direction="arts")
    assert sorted(titles(status="published", direction="arts")) == ["Рисование", "Танцы"]
    assert titles(q="шахм") == ["Шахматы"]

    provider = factories.provider(app)
    for n in range(31):  # more than a page
        factories.program(app, provider, title=f"Кружок {n}", status="submitted")
    assert len(titles_on_screen(client)) == 30
    assert len(titles()) == 33


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_query_arguments_do_not_break_the_export(client, programs, query):
    response = client.get(f"/coordinator/programs.xlsx?{query}")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert rows_of(sheet_of(response))[0] == HEADER
