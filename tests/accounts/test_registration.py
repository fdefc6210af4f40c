"""Parent self-registration: validation beside the fields, input kept, nothing half-saved."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pfdo.accounts.models import Consent, User
from pfdo.accounts.services import CONSENT_VERSION
from pfdo.audit.models import AuditEvent
from pfdo.db import db
from pfdo.notifications.models import OutboxMessage
from tests.conftest import form_post

GOOD = {
    "last_name": "Смирнова",
    "first_name": "Ольга",
    "middle_name": "Ивановна",
    "email": "Smirnova.Olga@Mail.ru",
    "phone": "8 (914) 555-12-34",
    "password": "жёлтый-трамвай-42",
    "password_confirm": "жёлтый-трамвай-42",
    "consent": "y",
}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_parent_registers_and_lands_in_the_cabinet(app, client):
    response = form_post(client, "/register", GOOD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/cabinet"
    cabinet = client.get("/cabinet").get_data(as_text=True)
    assert "Смирнова Ольга Ивановна" in cabinet
    assert "+7 914 555-12-34" in cabinet
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        assert user.email == "smirnova.olga@mail.ru"  # stored lower-case
        assert user.phone == "+79145551234"
        assert user.role == "parent"
        assert user.password_hash.startswith("$argon2id$")
        consent = db.session.scalars(select(Consent)).one()
        assert (consent.user_id, consent.kind, consent.text_version) == (
            user.id, "personal_data", CONSENT_VERSION)
        assert consent.ip == "127.0.0.1"
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert actions == ["user.registered"]
        mail = db.session.scalars(select(OutboxMessage)).one()
        assert mail.recipient == "smirnova.olga@mail.ru"
        assert "+7 914 555-12-34" in mail.body


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("last_name", "", "Укажите фамилию"),
        ("last_name", "Smirnova", "Только русские буквы"),
        ("first_name", "  ", "Укажите имя"),
        ("middle_name", "Ivanovna", "Только русские буквы"),
        ("email", "не-почта", "Проверьте адрес электронной почты"),
        ("phone", "12345", "Номер телефона в формате"),
        ("password", "короткий", "не короче 10 символов"),
        ("password", "qwerty12345", "слишком распространён"),
        ("password_confirm", "другой-пароль-123", "Пароли не совпадают"),
        ("consent", "", "Без согласия на обработку персональных данных"),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_the_rest_is_kept(app, client, field, value,
                                                                       message):
    data = {**GOOD, field: value}
    if field == "consent":
        data.pop("consent")
    response = form_post(client, "/register", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert f'id="{field}-error"' in html  # the message sits beside its field
    if field != "email":
        assert 'value="Smirnova.Olga@Mail.ru"' in html  # the rest of the form is kept
    assert count(app, User) == 0
    assert count(app, Consent) == 0


def test_password_equal_to_the_email_is_refused(app, client):
    data = {**GOOD, "email": "kotenok2020@mail.ru", "password": "kotenok2020",
            "password_confirm": "kotenok2020"}
    html = form_post(client, "/register", data).get_data(as_text=True)
    assert "не должен совпадать с адресом" in html


def test_registered_email_is_refused_whatever_its_case(app, client, make):
    make.user(email="smirnova.olga@mail.ru")
    response = form_post(client, "/register", GOOD)
    assert response.status_code == 422
    assert "Этот адрес уже зарегистрирован" in response.get_data(as_text=True)
    assert count(app, User) == 1


def test_registered_phone_is_refused_whatever_its_format(app, client, make):
    make.user(phone="+79145551234")
    response = form_post(client, "/register", GOOD)
    assert response.status_code == 422
    assert "Этот номер уже зарегистрирован" in response.get_data(as_text=True)
    assert count(app, User) == 1


def test_htmx_registration_error_swaps_only_the_form(client):
    response = form_post(client, "/register", {**GOOD, "last_name": "Smith"}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.lstrip().startswith('<form id="register-form"')
    assert "<html" not in html
    assert "HX-Request" in response.headers["Vary"]


def test_htmx_registration_success_redirects_the_whole_page(client):
    response = form_post(client, "/register", GOOD, htmx=True)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/cabinet"


def test_extra_fields_cannot_make_a_parent_an_admin(app, client):
    form_post(client, "/register", {**GOOD, "role": "admin", "active": "0",
                                    "session_version": "99"})
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        assert (user.role, user.active, user.session_version) == ("parent", True, 1)


def test_a_signed_in_user_is_sent_from_registration_to_the_cabinet(client, login_as):
    login_as("parent")
    response = client.get("/register")
    assert response.status_code == 302
    assert response.headers["Location"] == "/cabinet"
