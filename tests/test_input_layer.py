"""The input layer (issue 9, item 8), case by case: each finding of the issue answered with a
message instead of a 500, the same on SQLite and PostgreSQL. The hostile-input walk
(tests/test_hostile_input.py) covers every route and form; these name the cases."""

from __future__ import annotations

import re

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import fields as wtfields

from pfdo.accounts.access import is_safe_next
from pfdo.db import db
from pfdo.errors import DomainError
from pfdo.municipality.models import Municipality
from pfdo.periods.models import FinancingPeriod
from tests import factories
from tests.conftest import form_post
from tests.coordinator.test_periods import VALID as PERIOD
from tests.coordinator.test_periods import error_beside

NINES = "9" * 30


@pytest.mark.parametrize("path", ["/programs", "/providers"])
def test_a_page_of_thirty_nines_is_an_empty_page(client, path):
    response = client.get(path, query_string={"page": NINES})
    assert response.status_code == 200


def test_staff_lists_take_a_page_of_thirty_nines(client, login_as):
    login_as("admin")
    assert client.get("/admin/users", query_string={"page": NINES}).status_code == 200
    assert client.get("/admin/audit", query_string={"page": "²"}).status_code == 200


@pytest.mark.parametrize("path", ["/programs/9999999999", "/programs/2147483648",
                                  "/providers/" + NINES, "/programs/١٢"])
def test_ids_beyond_the_integer_column_are_not_found(client, path):
    assert client.get(path).status_code == 404


def test_the_navigator_explains_an_age_of_a_superscript_and_a_huge_price(app, client, make):
    response = client.get("/programs", query_string={"age": "²", "max_price": NINES})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Возраст — целое число от 5 до 17" in html
    assert "Сумма в рублях" in html


@pytest.mark.parametrize("query", [{"q": "робот\x00"}, {"number": "\x00"}, {"status": "\r\n"}])
def test_control_characters_in_the_address_are_refused_with_a_message(client, query):
    response = client.get("/programs", query_string=query)
    assert response.status_code == 400
    assert "В адресе страницы есть недопустимые символы" in response.get_data(as_text=True)


def test_nul_in_the_login_is_refused_beside_the_field(client, make):
    make.user(email="anna@example.ru")
    response = form_post(client, "/login", {"login": "anna\x00@example.ru", "password": "x"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="login-error"[^>]*>.*?Уберите непечатаемые символы', html, re.S)


def test_nul_in_forgot_password_is_refused_beside_the_field(client):
    response = form_post(client, "/password/forgot", {"login": "a\x00@example.ru"})
    assert response.status_code == 422
    assert "Уберите непечатаемые символы" in response.get_data(as_text=True)


def test_a_textarea_keeps_line_breaks_and_refuses_nul(app, client, make, login_as):
    make.municipality()
    staff = login_as("provider_staff")
    factories.provider(app, staff=staff)
    ok = form_post(client, "/provider/profile", {
        "address": "с. Ленинское, ул. Школьная, 1", "district": "", "website": "",
        "description": "Первая строка\r\nВторая\tстрока", "licence_number": "ЛО35-00001",
        "licence_date": "2020-05-12", "contact_name": "Петрова Анна Сергеевна",
        "email": "cdt@example.ru", "phone": "+7 914 000-00-01"})
    assert ok.status_code == 302
    refused = form_post(client, "/provider/profile", {
        "address": "с. Ленинское\x00", "district": "", "website": "", "description": "",
        "licence_number": "ЛО35-00001", "licence_date": "2020-05-12",
        "contact_name": "Петрова Анна Сергеевна", "email": "cdt@example.ru",
        "phone": "+7 914 000-00-01"})
    assert refused.status_code == 422
    assert "Уберите непечатаемые символы" in error_beside(refused.get_data(as_text=True),
                                                           "address")


def test_thirty_nines_in_numeric_fields_say_so_beside_them(app, client, make, login_as):
    make.municipality()
    login_as("coordinator")
    response = form_post(client, "/coordinator/periods/new", {
        **PERIOD, "quota": NINES, "budget": NINES, "free_program_limit": "²"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_beside(html, "quota") == "Слишком большое число"
    assert error_beside(html, "budget") == "Слишком большая сумма: проверьте число"
    assert error_beside(html, "free_program_limit") == "Введите целое число"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FinancingPeriod)) == 0


def test_the_municipality_population_of_thirty_nines_says_so(app, client, login_as):
    from tests.test_municipality import SETTINGS

    login_as("admin")
    response = form_post(client, "/admin/municipality",
                         {**SETTINGS, "child_population": NINES})
    assert response.status_code == 422
    assert "Слишком большое число" in response.get_data(as_text=True)


def test_a_day_of_spaces_in_the_group_form_asks_for_the_day(app, client, make, login_as):
    from tests.programs.test_views import GROUP_FORM

    make.municipality()
    staff = login_as("provider_staff")
    program = factories.program(app, factories.provider(app, staff=staff), status="draft")
    response = form_post(client, f"/provider/programs/{program.id}/groups/new",
                         {**GROUP_FORM, "day1": "   "})
    assert response.status_code == 422
    assert "Укажите день, начало и окончание занятия" in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["/cabinet\r\nSet-Cookie: x=1", "/cabinet\n", "/a\x00b",
                                    "//evil.example", "https://evil.example/", "/\\evil"])
def test_next_with_control_characters_or_another_host_is_not_followed(target):
    assert not is_safe_next(target)


def test_a_login_with_a_crlf_next_is_refused_before_it_runs(client):
    response = client.get("/login", query_string={"next": "/cabinet\r\nSet-Cookie: pwned=1"})
    assert response.status_code == 400
    assert "pwned" not in str(response.headers)


def test_text_longer_than_its_column_is_refused_not_cut(app, make):
    """The last line of the layer (at flush): the same on SQLite, which would store it, and
    PostgreSQL, which would fail with an error page."""
    from pfdo.municipality import services

    make.municipality()
    with app.app_context():
        settings = services.MunicipalitySettings(**{
            **{f: getattr(services.get(), f) for f in (
                "name", "region_name", "region_code", "municipality_code", "timezone",
                "hotline_phone", "hotline_hours", "coordinator_name", "address", "email",
                "child_population")},
            "name": "Я" * 201})
        with pytest.raises(DomainError) as refused:
            services.save(settings, actor=None)
        assert (refused.value.field, refused.value.message) == (
            "name", "Слишком длинно: не больше 200 знаков")
    with app.app_context():
        assert db.session.scalars(select(Municipality.name)).one() != "Я" * 201


def _forms():
    seen, stack = [], [FlaskForm]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("pfdo."):
                seen.append(sub)
    return seen


def test_every_form_uses_the_bounded_number_and_strict_date_fields():
    import pfdo.forms as layer
    from pfdo import create_app

    create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})  # imports them all
    forms = _forms()
    assert len(forms) > 15
    offenders = []
    for form in forms:
        for name in dir(form):
            unbound = getattr(form, name, None)
            kind = getattr(unbound, "field_class", None)
            if kind is None:
                continue
            plain_number = issubclass(kind, (wtfields.IntegerField, wtfields.DecimalField,
                                             wtfields.FloatField)) and kind is not \
                layer.IntegerField
            plain_date = issubclass(kind, wtfields.DateField) and kind is not layer.DateField
            if plain_number or plain_date:
                offenders.append(f"{form.__module__}.{form.__name__}.{name}: {kind.__name__}")
    assert not offenders, offenders
