"""Tables: column headers are nouns in the nominative («Дата подачи», not «Подано»), and every
cell of a table that turns into cards on a phone carries its column's name (data-label), so that
no value stands there without saying what it is."""

from __future__ import annotations

import re

import pytest

from tests import factories
from tests.conftest import login

HEADER = re.compile(r'<th scope="col"[^>]*>(.*?)</th>', re.S)
TABLE = re.compile(r"<table[^>]*>.*?</table>", re.S)
CELL = re.compile(r"<td([^>]*)>")


def visible(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def tables(html: str) -> list[str]:
    return TABLE.findall(html)


def headers(table: str) -> list[str]:
    return [visible(h) for h in HEADER.findall(table)]


@pytest.fixture
def everything(app, make, frozen_clock):
    """One of each listed thing, and a client per role signed in: role -> client."""
    make.municipality()
    parent = make.user("parent", email="parent@example.ru")
    certificate = factories.certificate(app, parent)
    factories.period(app)
    factories.financing(app, certificate)
    factories.application(app, parent, last_name="Петрова", first_name="Анна")
    factories.provider(app, staff=make.user("provider_staff"), status="submitted",
                       short_name="ЦДТ Новый")
    staff = make.user("provider_staff", email="staff@example.ru")
    provider = factories.provider(app, staff=staff, short_name="ЦДТ Радуга")
    published = factories.program(app, provider, title="Робототехника", age_from=7, age_to=12)
    factories.group(app, published, price=300_000, capacity=12, seats_taken=4)
    factories.program(app, provider, title="Шахматы", status="submitted")
    clients = {}
    for role, email in (("parent", parent.email), ("provider", staff.email),
                        ("coordinator", make.user("coordinator").email),
                        ("admin", make.user("admin").email)):
        clients[role] = app.test_client()
        assert login(clients[role], email).status_code == 302
    clients["ids"] = {"certificate": certificate.id, "child": certificate.child_id,
                      "program": published.id}
    return clients


PAGES = [
    ("coordinator", "/coordinator/applications?status=all",
     ["Дата подачи", "Ребёнок", "Возраст", "Статус", "Ожидание", "Действие"]),
    ("coordinator", "/coordinator/providers?status=all",
     ["Дата подачи", "Поставщик", "ИНН", "Статус", "Ожидание", "Действие"]),
    ("coordinator", "/coordinator/programs?status=all",
     ["Дата отправки", "Программа", "Поставщик", "Направленность", "Статус", "Действие"]),
    ("coordinator", "/coordinator/periods",
     ["Период", "Даты", "Номинал", "Сертификаты ПФ", "Бюджет", "Состояние", "Действие"]),
    ("parent", "/providers", ["Поставщик", "Форма", "Район", "Дата включения", "Программы"]),
    ("provider", "/provider/programs",
     ["Программа", "Направленность", "Возраст", "Группы", "Статус"]),
    ("parent", "/programs/{program}?child={child}",
     ["Группа", "Расписание", "Даты", "Свободные места", "Цена в месяц", "Набор"]),
    ("parent", "/certificates/{certificate}", ["Дата", "Операция", "Сумма", "Доступно после"]),
    ("admin", "/admin/users", ["ФИО", "Роль", "Почта", "Последний вход", "Статус"]),
    ("admin", "/admin/audit",
     ["Время", "Пользователь", "Событие", "Чьи данные", "Объект", "IP", "Подробности"]),
]


@pytest.mark.parametrize(("role", "path", "expected"), PAGES, ids=[p[1] for p in PAGES])
def test_column_headers_are_nouns_and_stacked_cells_say_their_column(everything, role, path,
                                                                     expected):
    html = everything[role].get(path.format(**everything["ids"])).get_data(as_text=True)
    found = tables(html)
    assert found, path
    assert headers(found[0]) == expected
    for table in found:
        assert "table-stack" in table[:table.index(">")], path
        for attributes in CELL.findall(table):
            assert ("data-label=" in attributes or "cell-title" in attributes
                    or "cell-actions" in attributes), (path, attributes)


def test_the_months_of_the_breakdown_say_their_column_on_a_phone(everything):
    ids = everything["ids"]
    html = everything["parent"].get(
        f"/programs/{ids['program']}?child={ids['child']}").get_data(as_text=True)
    months = [t for t in tables(html) if "Месяц" in headers(t)]
    assert months, "the breakdown has a month table"
    cells = CELL.findall(months[0])
    assert cells and all("data-label=" in attributes for attributes in cells)
