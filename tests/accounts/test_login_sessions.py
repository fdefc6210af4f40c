"""Login by e-mail or phone, logout, and sessions that really end (S-20..S-22)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.audit.models import AuditEvent
from pfdo.db import db
from tests.conftest import form_post, login
from tests.factories import PASSWORD


def actions(app) -> list[str]:
    with app.app_context():
        return db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()


def test_parent_logs_in_by_email_in_any_case(client, make):
    user = make.user(email="anna@example.ru")
    response = login(client, "  ANNA@example.ru ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/cabinet"
    assert user.full_name in client.get("/cabinet").get_data(as_text=True)


def test_parent_logs_in_by_phone_typed_any_way(client, make):
    make.user(phone="+79141112233")
    assert login(client, "8 (914) 111-22-33").status_code == 302


def test_unknown_login_and_wrong_password_get_the_same_answer(app, client, make):
    make.user(email="anna@example.ru")
    wrong_password = login(client, "anna@example.ru", "не-тот-пароль-1")
    unknown = login(client, "nobody@example.ru", "не-тот-пароль-1")
    assert wrong_password.status_code == unknown.status_code == 422
    for response in (wrong_password, unknown):
        assert "Неверный адрес почты, телефон или пароль" in response.get_data(as_text=True)
    assert client.get("/cabinet").status_code == 302
    assert actions(app) == ["auth.login_failed", "auth.login_failed"]


def test_blocked_account_cannot_log_in(client, make):
    make.user(email="blocked@example.ru", active=False)
    response = login(client, "blocked@example.ru")
    assert response.status_code == 422
    assert "заблокирована" in response.get_data(as_text=True)


def test_staff_without_a_password_yet_cannot_log_in(client, make):
    make.user(role="coordinator", email="new@example.ru", password=None)
    assert login(client, "new@example.ru", "").status_code == 422
    assert login(client, "new@example.ru", "что-угодно-123").status_code == 422


def test_login_records_the_previous_login_shown_in_the_cabinet(app, client, make, frozen_clock):
    make.user(email="anna@example.ru")
    login(client, "anna@example.ru")
    assert "это первый вход" in client.get("/cabinet").get_data(as_text=True)
    form_post(client, "/logout", page="/cabinet")
    clock.advance(timedelta(days=1))
    login(client, "anna@example.ru")
    # 15.03.2026 10:00 UTC in the default zone (Europe/Moscow, no municipality set) is 13:00.
    assert "15.03.2026 13:00" in client.get("/cabinet").get_data(as_text=True)
    assert actions(app) == ["auth.login", "auth.logout", "auth.login"]


def test_next_parameter_returns_to_the_page_but_never_to_another_site(client, make):
    make.user(email="anna@example.ru")
    response = client.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/account/password"
    ok = form_post(client, "/login?next=/account/password",
                   {"login": "anna@example.ru", "password": PASSWORD})
    assert ok.headers["Location"] == "/account/password"


def test_open_redirect_after_login_is_refused(client, make):
    make.user(email="anna@example.ru")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = form_post(client, f"/login?next={target}",
                             {"login": "anna@example.ru", "password": PASSWORD})
        assert response.headers["Location"] == "/cabinet"
        form_post(client, "/logout", page="/cabinet")


def test_session_cookie_changes_at_login(client, make):
    make.user(email="anna@example.ru")
    client.get("/login")
    before = client.get_cookie("pfdo_session").value
    login(client, "anna@example.ru")
    after = client.get_cookie("pfdo_session").value
    assert before != after


def test_cookie_replayed_after_logout_is_rejected(app, client, make):
    make.user(email="anna@example.ru")
    login(client, "anna@example.ru")
    stolen = client.get_cookie("pfdo_session").value
    response = form_post(client, "/logout", page="/cabinet")
    assert response.status_code == 302
    assert client.get("/cabinet").status_code == 302
    attacker = app.test_client()
    attacker.set_cookie("pfdo_session", stolen)
    replay = attacker.get("/cabinet")
    assert replay.status_code == 302
    assert replay.headers["Location"].startswith("/login")


def test_password_change_ends_other_sessions_but_keeps_this_one(app, client, make):
    make.user(email="anna@example.ru")
    other_device = app.test_client()
    login(other_device, "anna@example.ru")
    login(client, "anna@example.ru")
    response = form_post(client, "/account/password", {
        "current_password": PASSWORD, "new_password": "новый-пароль-2026",
        "confirm_password": "новый-пароль-2026"})
    assert response.status_code == 302
    assert client.get("/cabinet").status_code == 200
    assert other_device.get("/cabinet").status_code == 302
    form_post(client, "/logout", page="/cabinet")
    assert login(client, "anna@example.ru", PASSWORD).status_code == 422
    assert login(client, "anna@example.ru", "новый-пароль-2026").status_code == 302


def test_password_change_with_a_wrong_current_password_changes_nothing(app, client, make):
    user = make.user(email="anna@example.ru")
    login(client, "anna@example.ru")
    response = form_post(client, "/account/password", {
        "current_password": "неверный-пароль-1", "new_password": "новый-пароль-2026",
        "confirm_password": "новый-пароль-2026"})
    assert response.status_code == 422
    assert "Текущий пароль введён неверно" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user.id).password_hash == user.password_hash


def test_idle_session_expires_after_30_minutes(client, make, frozen_clock):
    make.user(email="anna@example.ru")
    login(client, "anna@example.ru")
    clock.advance(timedelta(minutes=29))
    assert client.get("/cabinet").status_code == 200
    clock.advance(timedelta(minutes=29))  # active: each request renews the idle timer
    assert client.get("/cabinet").status_code == 200
    clock.advance(timedelta(minutes=31))
    response = client.get("/cabinet")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/cabinet"
    assert "Сеанс завершён" in client.get("/login").get_data(as_text=True)


def test_session_ends_after_12_hours_even_while_active(client, make, frozen_clock):
    make.user(email="anna@example.ru")
    login(client, "anna@example.ru")
    for _ in range(24):
        clock.advance(timedelta(minutes=29))
        assert client.get("/cabinet").status_code == 200
    clock.advance(timedelta(minutes=29))  # 12 h 05 min after login
    assert client.get("/cabinet").status_code == 302


def test_htmx_request_of_an_expired_session_redirects_the_whole_page(client, make, frozen_clock):
    make.user(email="anna@example.ru")
    login(client, "anna@example.ru")
    clock.advance(timedelta(hours=1))
    response = client.get("/cabinet", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/login?next=/cabinet"


def test_logout_needs_post(client, login_as):
    login_as("parent")
    assert client.get("/logout").status_code == 405
    assert client.get("/cabinet").status_code == 200
