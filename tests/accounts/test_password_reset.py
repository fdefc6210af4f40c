"""Password reset by a signed single-use link sent through the outbox."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from pfdo import clock
from pfdo.db import db
from pfdo.notifications.models import OutboxMessage
from tests.conftest import form_post, login

NEW = "весенний-ручей-77"


def reset_link(app) -> str:
    with app.app_context():
        body = db.session.scalars(select(OutboxMessage.body)).one()
    match = re.search(r"http://pfdo\.test(/password/reset/\S+)", body)
    assert match, body
    return match.group(1)


def test_reset_link_sets_a_new_password_once(app, client, make):
    make.user(email="anna@example.ru")
    response = form_post(client, "/password/forgot", {"login": "anna@example.ru"})
    assert "Проверьте почту" in response.get_data(as_text=True)
    link = reset_link(app)
    assert "Новый пароль" in client.get(link).get_data(as_text=True)
    done = form_post(client, link, {"new_password": NEW, "confirm_password": NEW})
    assert done.status_code == 302
    assert done.headers["Location"] == "/login"
    assert login(client, "anna@example.ru", NEW).status_code == 302
    # The link is single-use.
    again = client.get(link)
    assert again.status_code == 400
    assert "уже использована" in again.get_data(as_text=True)


def test_reset_by_phone_number(app, client, make):
    make.user(email="anna@example.ru", phone="+79140000001")
    form_post(client, "/password/forgot", {"login": "8 914 000-00-01"})
    assert reset_link(app).startswith("/password/reset/")


def test_unknown_login_gets_the_same_answer_and_no_mail(app, client):
    response = form_post(client, "/password/forgot", {"login": "nobody@example.ru"})
    assert response.status_code == 200
    assert "Проверьте почту" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(OutboxMessage)).all() == []


def test_reset_link_expires_after_an_hour(app, client, make, frozen_clock):
    make.user(email="anna@example.ru")
    form_post(client, "/password/forgot", {"login": "anna@example.ru"})
    link = reset_link(app)
    clock.advance(timedelta(minutes=59))
    assert client.get(link).status_code == 200
    clock.advance(timedelta(minutes=2))
    response = client.get(link)
    assert response.status_code == 400
    assert "Срок действия ссылки истёк" in response.get_data(as_text=True)


def test_forged_reset_link_is_refused(client):
    response = client.get("/password/reset/not-a-real-token")
    assert response.status_code == 400
    assert "Ссылка недействительна" in response.get_data(as_text=True)


def test_reset_ends_every_session(app, client, make):
    make.user(email="anna@example.ru")
    device = app.test_client()
    login(device, "anna@example.ru")
    form_post(client, "/password/forgot", {"login": "anna@example.ru"})
    link = reset_link(app)
    form_post(client, link, {"new_password": NEW, "confirm_password": NEW})
    assert device.get("/cabinet").status_code == 302


def test_weak_new_password_is_refused_and_the_link_still_works(app, client, make):
    make.user(email="anna@example.ru")
    form_post(client, "/password/forgot", {"login": "anna@example.ru"})
    link = reset_link(app)
    response = form_post(client, link, {"new_password": "1234567890",
                                        "confirm_password": "1234567890"})
    assert response.status_code == 422
    assert "слишком распространён" in response.get_data(as_text=True)
    assert client.get(link).status_code == 200
