"""The coordinator's certificate applications as XLSX (issue 13): the same filters as the
queue on screen, every matching row, dates in the municipality's time zone, the child as the
queue shows it, a search logged as the page's is, the page's roles."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from pfdo import xlsx
from pfdo.audit.models import AuditEvent
from pfdo.db import db
from tests import factories
from tests.conftest import form_post
from tests.sheets import HOSTILE_QUERIES, rows_of, sheet_of

HEADER = ("Дата подачи", "Ребёнок", "Возраст, лет", "Статус", "Ждёт, дней",
          "Рассмотрено или отозвано", "Сертификат", "Причина отказа")
ROW = re.compile(r"<tr>\s*(<td.*?)</tr>", re.S)
CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
TAG = re.compile(r"<[^>]+>")


def children_on_screen(client, **params) -> list[str]:
    """The queue's children as the page lists them (the cell before the certificate's №)."""
    html = client.get("/coordinator/applications", query_string=params,
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    return [" ".join(TAG.sub(" ", CELL.findall(row)[1]).split()).split(" №")[0]
            for row in ROW.findall(html)]


@pytest.fixture
def queue(app, client, frozen_clock, make, login_as):
    """Two waiting applications three and one days old, a confirmed and a refused one; the
    client signed in as the coordinator."""
    make.municipality()
    parent = make.user("parent", email="parent@example.ru")
    oldest = factories.application(app, parent, last_name="Петрова")  # 15.03 10:00 UTC
    frozen_clock.advance(timedelta(days=2))
    factories.application(app, parent, last_name="Сидоров", first_name="Борис",
                          middle_name="Олегович", sex="male")
    confirmed = factories.certificate(app, parent, last_name="Выданная")
    refused = factories.application(app, parent, last_name="Отказанная")
    frozen_clock.advance(timedelta(days=1))
    coordinator = login_as("coordinator")
    form_post(client, f"/coordinator/applications/{refused.id}/refuse",
              {"reason": "Документы не совпадают с данными"},
              page=f"/coordinator/applications/{refused.id}")
    return {"coordinator": coordinator, "oldest": oldest, "certificate": confirmed}


def test_the_export_is_the_queue_on_screen(client, queue):
    page = client.get("/coordinator/applications").get_data(as_text=True)
    assert "Найдены 2 заявления" in page
    assert 'href="/coordinator/applications.xlsx"' in page

    sheet = sheet_of(client.get("/coordinator/applications.xlsx"))
    header, *rows = rows_of(sheet)

    assert header == HEADER
    assert [row[1] for row in rows] == children_on_screen(client) == [
        "Петрова А. П.", "Сидоров Б. О."]
    submitted, child, age, status, waiting, decided, number, reason = rows[0]
    assert submitted == datetime(2026, 3, 15, 20, 0)  # 10:00 UTC in Asia/Vladivostok
    assert sheet.cell(row=2, column=1).number_format == xlsx.DATETIME_FORMAT
    assert (age, status, waiting, decided, number, reason) == (
        9, "на рассмотрении", 3, None, None, None)
    assert rows[1][4] == 1


def test_the_export_keeps_the_filter_and_exports_every_page(client, queue):
    everything = rows_of(sheet_of(client.get("/coordinator/applications.xlsx",
                                             query_string={"status": "all"})))[1:]
    assert len(everything) == 4
    assert sorted(r[1] for r in everything) == sorted(children_on_screen(client, status="all"))

    confirmed = rows_of(sheet_of(client.get("/coordinator/applications.xlsx",
                                            query_string={"status": "confirmed"})))[1:]
    assert [(r[1], r[3], r[6]) for r in confirmed] == [
        ("Выданная А. П.", "подтверждено", queue["certificate"].number)]
    assert isinstance(confirmed[0][5], datetime) and confirmed[0][4] is None

    refused = rows_of(sheet_of(client.get("/coordinator/applications.xlsx",
                                          query_string={"status": "refused"})))[1:]
    assert [(r[1], r[7]) for r in refused] == [
        ("Отказанная А. П.", "Документы не совпадают с данными")]

    found = rows_of(sheet_of(client.get("/coordinator/applications.xlsx",
                                        query_string={"q": "сидор"})))[1:]
    assert [r[1] for r in found] == children_on_screen(client, q="сидор") == ["Сидоров Б. О."]
    by_date = rows_of(sheet_of(client.get("/coordinator/applications.xlsx",
                                          query_string={"date_from": "2026-03-16"})))[1:]
    assert [r[1] for r in by_date] == ["Сидоров Б. О."]


def test_the_link_carries_the_filters_but_not_the_page(client, queue):
    html = client.get("/coordinator/applications", query_string={
        "status": "all", "q": "Петр", "page": 2}, headers={"HX-Request": "true"}).get_data(
        as_text=True)
    link = re.search(r'href="(/coordinator/applications\.xlsx[^"]*)"', html).group(1)
    assert "status=all" in link and "q=" in link and "page" not in link


def test_a_search_downloaded_is_logged_as_the_pages_search_is(app, client, queue):
    snils = "11223344595"
    client.get("/coordinator/applications.xlsx")
    with app.app_context():
        assert db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "child.searched")).all() == []
    client.get("/coordinator/applications.xlsx", query_string={"q": snils})
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "child.searched")).all()
    assert event.actor_id == queue["coordinator"].id
    assert event.details == {"query": "***-***-445 95", "exported": True}


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_query_arguments_do_not_break_the_export(client, queue, query):
    response = client.get(f"/coordinator/applications.xlsx?{query}")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert rows_of(sheet_of(response))[0] == HEADER
