"""The admin reads the personal-data access log for a complaint (issue 13): whose data a staff
member saw (by certificate number, e-mail or surname, the family together), which hidden field
the hotline revealed, the same filters in the XLSX export, the look-up itself logged."""

from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from pfdo.accounts import admin as account_admin
from pfdo.accounts.models import User
from pfdo.audit.models import AuditEvent, AuditSubject
from pfdo.certificates import registry
from pfdo.db import db
from pfdo.hotline import card, lookup
from tests import factories
from tests.conftest import login

ROW = re.compile(r"<tr>\s*(<td.*?)</tr>", re.S)
CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
TAG = re.compile(r"<[^>]+>")


@pytest.fixture
def complaint(app, make):
    """Two families and the staff's views of them; returns the admin's client and the two
    certificates (Смирнов's, Кузнецова's)."""
    make.municipality()
    coordinator = make.user("coordinator", last_name="Орлова", first_name="Вера")
    operator = make.user("hotline", last_name="Белова", first_name="Нина")
    admin = make.user("admin", last_name="Тихонова", first_name="Елена")
    smirnova = make.user("parent", last_name="Смирнова", first_name="Ольга",
                         middle_name="Ивановна", email="olga.s@mail.ru")
    kuznetsova = make.user("parent", last_name="Кузнецова", first_name="Анна",
                           middle_name="Павловна", email="anna.k@mail.ru")
    smirnov = factories.certificate(app, smirnova, coordinator=coordinator,
                                    last_name="Смирнов", first_name="Артём",
                                    middle_name="Олегович", sex="male",
                                    birth_date=date(2015, 3, 12), snils="11223344595")
    kuznetsov = factories.certificate(app, kuznetsova, coordinator=coordinator,
                                      last_name="Кузнецов", first_name="Пётр",
                                      middle_name="Ильич", sex="male",
                                      birth_date=date(2014, 6, 1))
    with app.app_context():
        hotline, office = db.session.get(User, operator.id), db.session.get(User, admin.id)
        lookup.look_up(hotline, "Смирнов 12.03.2015")
        card.reveal(hotline, smirnov.id, "snils", "identify")
        card.reveal(hotline, kuznetsov.id, "phone", "coordinator")
        registry.view(kuznetsov.id, actor=db.session.get(User, coordinator.id))
        account_admin.view_user(office, smirnova.id)
    client = app.test_client()
    assert login(client, admin.email).status_code == 302
    return client, smirnov, kuznetsov


def logged(client, **params) -> list[tuple[str, str]]:
    """(event, whose data) of each row of the admin's log, newest first."""
    response = client.get("/admin/audit", query_string=params, headers={"HX-Request": "true"})
    assert response.status_code == 200
    rows = []
    for row in ROW.findall(response.get_data(as_text=True)):
        cells = [" ".join(TAG.sub(" ", cell).split()) for cell in CELL.findall(row)]
        rows.append((cells[2], cells[3]))
    return rows


SEARCH = "Поиск сертификата на горячей линии"
REVEAL = "Открыто скрытое поле на горячей линии"
CHILD_CARD = "Просмотр карточки ребёнка сотрудником"
USER_PAGE = "Просмотр учётной записи пользователя"
LOOK_UP = "Поиск в журнале действий по человеку"
SMIRNOVS = [  # newest first; the first row is the admin's own look-up
    (LOOK_UP, "Смирнов А. О. (ребёнок) Смирнова О. И. (учётная запись)"),
    (USER_PAGE, "Смирнова О. И. (учётная запись)"),
    (REVEAL, "Смирнов А. О. (ребёнок)"),
    (SEARCH, "Смирнов А. О. (ребёнок)"),
]


@pytest.mark.parametrize("typed", [
    "{number}", "{grouped}", "{fullwidth}",  # the child's certificate
    "смирнов", "СМИРНОВ Артём", "Смирнова Ольга",  # either surname: the family together
    " OLGA.S@mail.ru ",  # the parent's e-mail
])
def test_the_person_filter_finds_every_access_to_the_familys_data(complaint, typed):
    client, smirnov, _ = complaint
    number = smirnov.number
    grouped = f"{number[:2]} {number[2:4]} {number[4:9]} {number[9]}"
    fullwidth = "".join(chr(ord("０") + int(d)) for d in number)
    person = typed.format(number=number, grouped=grouped, fullwidth=fullwidth)
    assert logged(client, person=person) == SMIRNOVS


def test_the_other_family_is_found_apart(complaint):
    client, _, kuznetsov = complaint
    assert logged(client, person=kuznetsov.number) == [
        (LOOK_UP, "Кузнецов П. И. (ребёнок) Кузнецова А. П. (учётная запись)"),
        (CHILD_CARD, "Кузнецов П. И. (ребёнок)"),
        (REVEAL, "Кузнецов П. И. (ребёнок)"),
    ]


def test_nobody_of_that_name_finds_nothing(complaint):
    client, _, _ = complaint
    assert logged(client, person="Никитина") == []


@pytest.mark.parametrize(("field", "whose"), [("snils", "Смирнов"), ("phone", "Кузнецов")])
def test_the_field_filter_keeps_the_reveals_of_that_field(complaint, field, whose):
    client, _, _ = complaint
    [(event, whom)] = logged(client, field=field)
    assert event == REVEAL and whom.startswith(whose)
    assert logged(client, field="email") == []


def test_filters_combine(complaint):
    client, smirnov, _ = complaint
    assert logged(client, person=smirnov.number, field="snils") == [SMIRNOVS[2]]
    assert logged(client, person=smirnov.number, field="phone") == []  # Кузнецов's phone
    assert logged(client, person="смирнов", action="hotline.searched") == [SMIRNOVS[3]]


def test_the_log_names_people_as_a_list_does_and_shows_field_and_reason(complaint):
    client, smirnov, _ = complaint
    html = client.get("/admin/audit", query_string={"field": "snils"}).get_data(as_text=True)
    assert "Смирнов А. О. (ребёнок)" in html
    assert "Артём" not in html and "Олегович" not in html  # no full name in a list
    assert "11223344595" not in html and "112-233-445 95" not in html
    assert "поле:</span> СНИЛС" in html
    assert "причина:</span> Звонящий уточняет, тот ли это ребёнок" in html


def test_the_look_up_by_person_is_written_to_the_access_log(app, complaint):
    client, smirnov, _ = complaint
    client.get("/admin/audit", query_string={"person": "olga.s@mail.ru"})
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "audit.searched")).one()
        subjects = db.session.execute(select(AuditSubject.child_id, AuditSubject.user_id)
                                      .where(AuditSubject.event_id == event.id)).all()
        parent_id = db.session.scalar(select(User.id).where(User.email == "olga.s@mail.ru"))
    assert event.details == {"query": "ol***@mail.ru", "page": 1}
    assert sorted(subjects, key=str) == sorted([(smirnov.child_id, None), (None, parent_id)],
                                               key=str)
    # and it is a personal-data access like the others
    assert logged(client, action="personal_data")[0][0] == LOOK_UP


def test_a_log_read_without_a_person_is_not_a_look_up(app, complaint):
    client, _, _ = complaint
    client.get("/admin/audit", query_string={"action": "personal_data", "field": "snils"})
    with app.app_context():
        assert db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "audit.searched")).all() == []


@pytest.mark.parametrize(("typed", "message"), [
    ("112-233-445 95", "Номер сертификата — 10 цифр"),  # a СНИЛС is not the admin's to search
    ("7905000124", "контрольная цифра не сходится"),
    ("Смирнов 2015", "Введите номер сертификата (10 цифр), почту или фамилию"),
])
def test_a_person_that_cannot_be_read_is_shown_beside_the_field_and_ignored(complaint, typed,
                                                                            message):
    client, _, _ = complaint
    everything = len(logged(client))
    html = client.get("/admin/audit", query_string={"person": typed}).get_data(as_text=True)
    assert message in html
    assert 'id="person-error"' in html
    assert len(logged(client, person=typed)) == everything


def test_a_person_that_matches_too_many_people_asks_to_narrow_down(app, complaint, monkeypatch):
    from pfdo.admin import audit_person

    client, smirnov, _ = complaint
    with app.app_context():
        parent = db.session.get(User, db.session.scalar(
            select(User.id).where(User.email == "olga.s@mail.ru")))
    factories.child(app, parent, last_name="Смирнова", first_name="Алёна")
    monkeypatch.setattr(audit_person, "PEOPLE_LIMIT", 1)
    html = client.get("/admin/audit", query_string={"person": "смирнов"}).get_data(as_text=True)
    assert "добавьте имя через пробел или введите номер сертификата" in html
    assert logged(client, person="смирнов артём") == SMIRNOVS  # one child: narrow enough


def xlsx_rows(client, **params) -> list[tuple]:
    response = client.get("/admin/audit.xlsx", query_string=params)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    return list(sheet.iter_rows(values_only=True))[1:]


def test_the_export_keeps_the_same_filters(complaint):
    client, smirnov, _ = complaint
    rows = xlsx_rows(client, person=smirnov.number)
    # the export's own look-up is logged first, so it is the newest row
    assert [(row[4], row[5]) for row in rows] == [
        (LOOK_UP, "Смирнов А. О. (ребёнок), Смирнова О. И. (учётная запись)"),
        *SMIRNOVS[1:]]
    assert rows[0][7] == f"запрос: {smirnov.number}; выгрузка в XLSX: да"
    [reveal] = xlsx_rows(client, field="phone")
    assert reveal[4] == REVEAL and reveal[5] == "Кузнецов П. И. (ребёнок)"
    assert "поле: Телефон родителя" in reveal[7]
    assert xlsx_rows(client, person="Никитина") == []


HOSTILE = ["9" * 30, "%00", "١٢٣٤٥٦٧٨٩٠", "x" * 10_000, "%", "_", "' OR 1=1 --", "@", "ё",
           "²³", "\ufeff", "\u202e"]


@pytest.mark.parametrize("url", ["/admin/audit", "/admin/audit.xlsx"])
@pytest.mark.parametrize("name", ["person", "field", "action", "page"])
def test_hostile_query_arguments_never_give_a_server_error(complaint, url, name):
    client, _, _ = complaint
    for value in [*HOSTILE, str(2**63), str(10**30)]:
        response = client.get(url, query_string={name: value})
        assert response.status_code == 200, (name, value)
    for value in ["a\x00b", "смирнов\r\nSet-Cookie: x=1", "\n"]:  # refused before any view
        response = client.get(url, query_string={name: value})
        assert response.status_code == 400, (name, value)
        assert "x=1" not in response.headers.get("Set-Cookie", "")


@pytest.mark.parametrize("role", ["parent", "provider_staff", "coordinator", "hotline"])
@pytest.mark.parametrize("url", ["/admin/audit", "/admin/audit.xlsx"])
def test_only_the_admin_reads_the_access_log(app, client, login_as, role, url):
    login_as(role)
    assert client.get(url, query_string={"person": "смирнов"}).status_code == 403
    with app.app_context():
        assert db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "audit.searched")).all() == []


def test_a_guest_is_sent_to_sign_in(client):
    response = client.get("/admin/audit.xlsx", query_string={"person": "смирнов"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
