"""Staff views of personal contact data go to the personal-data access log: the admin's user
list and user page, the coordinator's application searches (СНИЛС masked)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from pfdo.audit.models import AuditEvent
from pfdo.db import db
from tests import factories
from tests.conftest import login
from tests.queries import count_queries


def access_events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                  .order_by(AuditEvent.id)).all()


@pytest.fixture
def parents(make):
    return [make.user("parent", last_name="Кузнецова", first_name="Ольга",
                      email="olga.k@mail.ru", phone="+79149998877"),
            make.user("parent", last_name="Смирнова", first_name="Анна",
                      email="anna.s@mail.ru", phone="+79141112233")]


@pytest.mark.parametrize(("query", "kept"), [
    ("", None),
    ("8 (914) 999-88-77", "+7 914 ***-**-77"),
    ("Olga.K@mail.ru", "ol***@mail.ru"),
    ("кузнецова", "кузнецова"),
])
def test_the_user_list_is_logged_with_who_looked_at_whom_and_the_query_masked(
        app, client, login_as, parents, query, kept):
    admin = login_as("admin")
    html = client.get("/admin/users", query_string={"q": query} if query else {}).get_data(
        as_text=True)
    assert "olga.k@mail.ru" in html
    [event_] = access_events(app, "user.list_viewed")
    assert event_.actor_id == admin.id
    assert parents[0].id in event_.details["users"]
    assert event_.details.get("query") == kept
    if query:
        assert "9998877" not in json.dumps(event_.details)


def test_a_list_that_shows_nobody_is_not_an_access(app, client, login_as, parents):
    login_as("admin")
    client.get("/admin/users", query_string={"q": "никого-такого"})
    assert access_events(app, "user.list_viewed") == []


def test_the_htmx_filtering_of_the_list_is_logged_too(app, client, login_as, parents):
    login_as("admin")
    client.get("/admin/users?role=parent", headers={"HX-Request": "true"})
    [event_] = access_events(app, "user.list_viewed")
    assert event_.details["role"] == "parent"
    assert sorted(event_.details["users"]) == sorted(p.id for p in parents)


def test_the_logged_list_loads_no_user_twice(app, client, login_as, make):
    login_as("admin")
    for n in range(12):
        make.user("parent", email=f"family{n}@mail.ru")
    with count_queries(app) as statements:
        assert client.get("/admin/users").status_code == 200
    per_user = [s for s in statements if "WHERE user_account.id = " in s]
    assert len(per_user) <= 1, per_user  # the signed-in admin; the listed ones stay loaded


def test_the_user_page_is_logged(app, client, login_as, parents):
    admin = login_as("admin")
    page = client.get(f"/admin/users/{parents[0].id}").get_data(as_text=True)
    assert "olga.k@mail.ru" in page
    [event_] = access_events(app, "user.viewed")
    assert (event_.actor_id, event_.object_type, event_.object_id) == (
        admin.id, "User", str(parents[0].id))


@pytest.fixture
def applications(app, make, login_as):
    make.municipality()
    coordinator = login_as("coordinator")
    parent = make.user("parent")
    filed = factories.application(app, parent, last_name="Нужная",
                                  snils=factories.valid_snils(4))
    return coordinator, filed


@pytest.mark.parametrize(("typed", "kept"), [
    ("{snils}", "***-***-{tail}"),
    ("{snils_typed}", "***-***-{tail}"),
    ("нужная", "нужная"),
])
def test_the_coordinators_searches_are_logged_with_the_snils_masked(
        app, client, applications, typed, kept):
    coordinator, filed = applications
    snils = filed.snils
    values = {"snils": snils, "tail": f"{snils[6:9]} {snils[9:]}",
              "snils_typed": f"{snils[:3]}-{snils[3:6]}-{snils[6:9]} {snils[9:]}"}
    html = client.get("/coordinator/applications",
                      query_string={"q": typed.format(**values)}).get_data(as_text=True)
    assert "Нужная" in html
    [event_] = access_events(app, "child.searched")
    assert event_.actor_id == coordinator.id
    assert event_.details["query"] == kept.format(**values)
    assert event_.details["applications"] == [filed.id]
    with app.app_context():  # the full СНИЛС is nowhere in the log an admin reads
        every = db.session.scalars(select(AuditEvent.details)).all()
    assert snils not in json.dumps(every)


def test_the_queue_without_a_search_is_not_a_search(app, client, applications):
    client.get("/coordinator/applications")
    assert access_events(app, "child.searched") == []


def test_the_admin_reads_the_access_log_in_russian_and_filtered(app, client, make,
                                                                 applications):
    _, filed = applications
    client.get("/coordinator/applications", query_string={"q": filed.snils})
    office = app.test_client()
    assert login(office, make.user("admin").email).status_code == 302
    office.get("/admin/users")
    html = office.get("/admin/audit", query_string={"action": "personal_data"}).get_data(
        as_text=True)
    assert "Поиск заявлений по данным ребёнка" in html
    assert "Просмотр списка пользователей (почта, телефоны)" in html
    assert f"запрос:</span> ***-***-{filed.snils[6:9]} {filed.snils[9:]}" in html
    assert "найденные заявления (№):</span> " + str(filed.id) in html
    assert ">Вход</td>" not in html  # logins are not part of this filter
    assert ">Вход</td>" in office.get("/admin/audit").get_data(as_text=True)
