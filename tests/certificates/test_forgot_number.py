"""«Забыли номер сертификата?»: the numbers go to the account's own e-mail, never to the
screen, and the page answers the same whether or not the account exists."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pfdo.audit.models import AuditEvent
from pfdo.certificates.numbers import format_number
from pfdo.certificates.reminders import SUBJECT
from pfdo.db import db
from pfdo.notifications.models import OutboxMessage
from tests import factories
from tests.conftest import csrf_token, form_post

URL = "/certificates/forgot-number"
SENT = "Если такая учётная запись есть, мы отправили номера сертификатов на её электронную почту"
CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value="|"X-CSRFToken": *")[^"]+')


def letters(app) -> list[OutboxMessage]:
    with app.app_context():
        return db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.subject == SUBJECT)).all()


def without_tokens(html: str) -> str:
    """The page with its CSRF tokens blanked: they carry a timestamp, nothing about the login."""
    return CSRF_VALUE.sub(r"\1", html)


@pytest.fixture
def family(app, make):
    make.municipality()
    parent = make.user(email="anna@example.ru", phone="+79144567890", first_name="Анна")
    certificate = factories.certificate(app, parent, first_name="Мирон")
    return parent, certificate


def test_the_numbers_go_to_the_accounts_email_with_an_absolute_cabinet_link(app, client,
                                                                            family):
    parent, certificate = family
    response = form_post(client, URL, {"login": "anna@example.ru"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert SENT in html
    [letter] = letters(app)
    assert letter.recipient == "anna@example.ru"
    assert f"Мирон: № {format_number(certificate.number)}" in letter.body
    assert "сертификат учёта, действует" in letter.body
    assert "Личный кабинет: http://pfdo.test/cabinet" in letter.body
    assert "сертификата пока нет" not in letter.body
    # the number is never on the screen, in any spelling
    assert certificate.number not in html
    assert format_number(certificate.number) not in html


def test_an_unknown_login_gets_the_same_answer_and_no_letter(app, client, family):
    known = form_post(client, URL, {"login": "anna@example.ru"})
    unknown = form_post(client, URL, {"login": "nobody@example.ru"})
    assert unknown.status_code == known.status_code == 200
    assert without_tokens(unknown.get_data(as_text=True)) == \
        without_tokens(known.get_data(as_text=True))
    assert len(letters(app)) == 1  # the known account's only


def test_the_htmx_answer_is_byte_for_byte_the_same(app, client, family):
    known = form_post(client, URL, {"login": "anna@example.ru"}, htmx=True)
    unknown = form_post(client, URL, {"login": "+79990000000"}, htmx=True)
    assert known.status_code == unknown.status_code == 200
    assert known.get_data() == unknown.get_data()
    assert SENT in known.get_data(as_text=True)
    assert "<html" not in known.get_data(as_text=True)  # only the form's block


def test_a_child_without_a_certificate_is_named_in_the_letter(app, client, family):
    parent, certificate = family
    factories.child(app, parent, first_name="Вера", document_number="700001")
    form_post(client, URL, {"login": "anna@example.ru"})
    [letter] = letters(app)
    assert f"Мирон: № {format_number(certificate.number)}" in letter.body
    assert "Вера: сертификата пока нет" in letter.body
    assert "подайте заявление на странице ребёнка" in letter.body


def test_a_family_without_children_is_told_so(app, client, make):
    make.user(email="olga@example.ru")
    form_post(client, URL, {"login": "olga@example.ru"})
    [letter] = letters(app)
    assert "пока нет детей" in letter.body


@pytest.mark.parametrize("spelling", ["８ ９１４ ４５６-７８-９０", "+7 (914) 456-78-90",
                                      "9144567890"])
def test_a_phone_in_any_digits_finds_the_account(app, client, family, spelling):
    parent, certificate = family
    response = form_post(client, URL, {"login": spelling})
    assert SENT in response.get_data(as_text=True)
    [letter] = letters(app)
    assert letter.recipient == "anna@example.ru"
    assert format_number(certificate.number) in letter.body


def test_staff_and_blocked_accounts_get_no_letter(app, client, make):
    make.user("coordinator", email="coord@example.ru")
    make.user(email="blocked@example.ru", active=False)
    for login in ("coord@example.ru", "blocked@example.ru"):
        assert SENT in form_post(client, URL, {"login": login}).get_data(as_text=True)
    assert letters(app) == []


def test_the_request_is_audited_with_the_login_masked(app, client, family):
    parent, _ = family
    form_post(client, URL, {"login": "anna@example.ru"})
    form_post(client, URL, {"login": "8 914 000-12-34"})
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "certificate.numbers_requested").order_by(AuditEvent.id)).all()
    assert [e.details["login"] for e in events] == ["an***@example.ru", "+7 914 ***-**-34"]
    assert events[0].object_id == str(parent.id) and events[1].object_id is None
    assert all(e.actor_id is None for e in events)


def test_the_page_is_linked_from_the_login_and_contacts_pages(client):
    assert URL in client.get("/login").get_data(as_text=True)
    assert URL in client.get("/contacts").get_data(as_text=True)


def post_from(client, login: str, ip: str):
    token = csrf_token(client, URL)
    return client.post(URL, data={"csrf_token": token, "login": login},
                       environ_base={"REMOTE_ADDR": ip})


def test_one_account_gets_three_letters_an_hour_in_any_spelling(app, client, family):
    statuses = [post_from(client, login, f"10.0.5.{n}").status_code
                for n, login in enumerate(["anna@example.ru", "+79144567890", "ANNA@example.ru",
                                           "8 914 456 78 90"])]
    assert statuses == [200, 200, 200, 429]
    assert "Слишком много попыток" in post_from(client, "anna@example.ru", "10.0.6.1") \
        .get_data(as_text=True)
    assert len(letters(app)) == 3


def test_one_address_asking_for_many_logins_is_limited(client):
    statuses = [post_from(client, f"user{n}@example.ru", "10.0.7.1").status_code
                for n in range(11)]
    assert statuses == [200] * 10 + [429]
    assert post_from(client, "user99@example.ru", "10.0.7.2").status_code == 200


@pytest.mark.parametrize(("login", "message"), [
    ("", "Укажите почту или телефон"),
    ("   ", "Укажите почту или телефон"),
    ("anna\x00@example.ru", "Уберите непечатаемые символы"),
    ("anna@example.ru\r\nBcc: evil@example.ru", "Уберите непечатаемые символы"),
    ("\x1b[31m89144567890", "Уберите непечатаемые символы"),
    ("a" * 10_000 + "@example.ru", "Слишком длинно"),
    ("9" * 10_000, "Слишком длинно"),
    ("79 05 00012 3", "номер мобильного телефона"),
])
def test_bad_input_is_explained_beside_the_field_and_kept(app, client, family, login, message):
    response = form_post(client, URL, {"login": login})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="login-error"[^>]*>.*?' + re.escape(message), html, re.S)
    assert SENT not in html
    assert letters(app) == []
    if login.strip() and len(login) < 100 and "\x00" not in login and "\x1b" not in login:
        assert 'value="' in html and login.split("\r")[0] in html


def test_hostile_input_over_htmx_gets_the_form_block_back(client):
    response = form_post(client, URL, {"login": "\x00" * 3}, htmx=True)
    assert response.status_code == 422
    assert 'id="forgot-number-region"' in response.get_data(as_text=True)
