"""Parent self-registration, confirmed by e-mail: validation beside the fields, input kept,
nothing half-saved, and no answer that tells which e-mails and phones have accounts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pfdo.accounts.models import Consent, PendingRegistration, User
from pfdo.accounts.services import CONSENT_VERSION
from pfdo.audit.models import AuditEvent
from pfdo.db import db, unit_of_work
from pfdo.notifications.models import OutboxMessage
from tests.conftest import csrf_token, form_post, login

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


def outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def confirmation_link(app) -> str:
    """The path of the link in the last confirmation letter."""
    bodies = [m.body for m in outbox(app) if "завершить регистрацию" in m.body]
    assert bodies, [m.subject for m in outbox(app)]
    match = re.search(r"http://pfdo\.test(/register/confirm/\S+)", bodies[-1])
    assert match, bodies[-1]
    return match.group(1)


def register_and_confirm(client, app, data=None):
    assert form_post(client, "/register", data or GOOD).status_code == 302
    link = confirmation_link(app)
    return form_post(client, link)


def test_parent_registers_by_the_link_in_the_letter_and_lands_in_the_cabinet(app, client):
    response = form_post(client, "/register", GOOD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/register/sent"
    sent = client.get("/register/sent").get_data(as_text=True)
    assert ("Мы отправили письмо на <strong class=\"text-break\">smirnova.olga@mail.ru</strong>: "
            "перейдите по ссылке, чтобы завершить регистрацию") in sent
    assert count(app, User) == 0  # nothing exists before the link is opened
    [letter] = outbox(app)
    assert letter.recipient == "smirnova.olga@mail.ru"
    assert "$argon2" not in letter.body and GOOD["password"] not in letter.body

    link = confirmation_link(app)
    page = client.get(link).get_data(as_text=True)
    assert "Смирнова Ольга Ивановна" in page and "Завершить регистрацию" in page
    assert count(app, User) == 0  # opening the link (a mail scanner may) creates nothing

    done = form_post(client, link)
    assert done.status_code == 302
    assert done.headers["Location"] == "/cabinet"
    cabinet = client.get("/cabinet").get_data(as_text=True)
    assert "Учётная запись создана" in cabinet
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
        pending = db.session.scalars(select(PendingRegistration)).one()
        assert pending.used_at is not None and pending.password_hash is None
        assert pending.token_hash not in link  # the database cannot rebuild the link
    welcome = outbox(app)[-1]
    assert welcome.subject == "Регистрация в системе ПФДО"
    assert "+7 914 555-12-34" in welcome.body
    form_post(client, "/logout", page="/cabinet")
    assert login(client, "8 914 555 12 34", GOOD["password"]).status_code == 302


def test_the_link_works_once(app, client):
    register_and_confirm(client, app)
    link = confirmation_link(app)
    for again in (client.get(link), form_post(app.test_client(), link, page="/login")):
        assert again.status_code == 400
        assert "уже использована" in again.get_data(as_text=True)
    assert count(app, User) == 1


def test_a_forged_link_is_refused(client):
    response = client.get("/register/confirm/" + "A" * 43)
    assert response.status_code == 400
    assert "Ссылка недействительна" in response.get_data(as_text=True)


def test_the_link_expires_after_a_day_and_stale_forms_are_forgotten(app, client, frozen_clock):
    form_post(client, "/register", GOOD)
    link = confirmation_link(app)
    frozen_clock.advance(timedelta(hours=24, minutes=1))
    response = client.get(link)
    assert response.status_code == 400
    assert "Срок действия ссылки истёк" in response.get_data(as_text=True)
    # the next registration deletes the expired one with its password hash
    form_post(app.test_client(), "/register", {**GOOD, "email": "other@mail.ru",
                                               "phone": "+79145550000"})
    with app.app_context():
        assert db.session.scalars(select(PendingRegistration.email)).all() == ["other@mail.ru"]


def _page_without_tokens(html: str) -> str:
    return re.sub(r'(value|"X-CSRFToken": )"[^"]+"', "TOKEN", html)


def test_a_registered_email_gets_the_same_answer_and_a_letter_instead(app, client, make):
    first = app.test_client()
    form_post(first, "/register", GOOD)
    new_address_page = first.get("/register/sent").get_data(as_text=True)
    _wipe_outbox_and_pending(app)
    make.user(email="smirnova.olga@mail.ru", first_name="Ольга", middle_name="Ивановна")

    response = form_post(client, "/register", GOOD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/register/sent"
    known_address_page = client.get("/register/sent").get_data(as_text=True)
    assert _page_without_tokens(known_address_page) == _page_without_tokens(new_address_page)
    [letter] = outbox(app)
    assert letter.recipient == "smirnova.olga@mail.ru"
    assert "У вас уже есть учётная запись с этим адресом" in letter.body
    assert "http://pfdo.test/login" in letter.body
    assert "http://pfdo.test/password/forgot" in letter.body
    assert "/register/confirm/" not in letter.body
    assert count(app, PendingRegistration) == 0
    assert count(app, User) == 1


def _wipe_outbox_and_pending(app):
    from sqlalchemy import delete

    with app.app_context(), unit_of_work():
        db.session.execute(delete(OutboxMessage))
        db.session.execute(delete(PendingRegistration))


def test_both_answers_spend_one_password_hash(app, client, make, monkeypatch):
    from pfdo.accounts import passwords

    calls = []
    real = passwords._hasher

    class Counting:
        def hash(self, password):
            calls.append(password)
            return real.hash(password)

        def __getattr__(self, name):
            return getattr(real, name)

    make.user(email="known@mail.ru")
    monkeypatch.setattr(passwords, "_hasher", Counting())
    form_post(client, "/register", {**GOOD, "email": "known@mail.ru"})
    assert len(calls) == 1
    form_post(app.test_client(), "/register", {**GOOD, "email": "new@mail.ru"})
    assert len(calls) == 2


def test_a_taken_phone_is_not_revealed_on_the_form_and_is_left_off_the_new_account(
        app, client, make):
    other = make.user(email="other@mail.ru", phone="+79145551234")
    response = form_post(client, "/register", GOOD)
    assert response.status_code == 302  # the form says nothing about the phone
    done = form_post(client, confirmation_link(app))
    assert done.status_code == 302
    cabinet = client.get("/cabinet").get_data(as_text=True)
    assert "Номер телефона не добавлен к учётной записи" in cabinet
    assert ("Номер +7 914 555-12-34 не добавлен к учётной записи: он уже привязан к другой "
            "учётной записи") in cabinet
    assert "администратор системы проверит и исправит номер" in cabinet
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == GOOD["email"].lower())).one()
        assert user.phone is None
        assert db.session.get(User, other.id).phone == "+79145551234"
        actions = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_id == str(user.id))).all()
        assert "user.phone_left_off" in actions
    welcome = outbox(app)[-1]
    assert "номер телефона" not in welcome.body


def test_an_address_registered_meanwhile_uses_up_the_link_and_says_so(app, client):
    form_post(client, "/register", GOOD)
    first_link = confirmation_link(app)
    other = app.test_client()
    form_post(other, "/register", {**GOOD, "phone": "+79145550000"})
    second_link = confirmation_link(app)
    assert form_post(other, second_link).status_code == 302
    response = form_post(client, first_link)
    assert response.status_code == 400
    assert "У вас уже есть учётная запись с этим адресом" in response.get_data(as_text=True)
    assert client.get(first_link).status_code == 400
    assert count(app, User) == 1


def test_one_address_gets_at_most_three_letters_an_hour(app, client, make):
    make.user(email="known@mail.ru")
    addresses = iter(f"10.8.0.{n}" for n in range(1, 50))  # one per try: not the IP limit

    def send(data):
        return form_post(app.test_client(), "/register", data,
                         environ_base={"REMOTE_ADDR": next(addresses)}).status_code

    for address in ("known@mail.ru", "new@mail.ru"):
        statuses = [send({**GOOD, "email": address.upper()}) for _ in range(4)]
        assert statuses == [302, 302, 302, 429]  # the same for a known and a new address
    mistakes = [send({**GOOD, "email": "third@mail.ru", "password_confirm": "другой-пароль-12"})
                for _ in range(4)]
    assert mistakes == [422] * 4  # fixing the form is not a letter
    assert send({**GOOD, "email": "third@mail.ru"}) == 302


def test_one_address_may_send_ten_registrations_a_minute(app):
    statuses = []
    for n in range(11):
        browser = app.test_client()
        token = csrf_token(browser, "/register")
        statuses.append(browser.post("/register", data={
            **GOOD, "csrf_token": token, "email": f"family{n}@mail.ru"},
            environ_base={"REMOTE_ADDR": "10.7.0.1"}).status_code)
    assert statuses == [302] * 10 + [429]


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
    assert response.headers["HX-Redirect"] == "/register/sent"


def test_extra_fields_cannot_make_a_parent_an_admin(app, client):
    register_and_confirm(client, app, {**GOOD, "role": "admin", "active": "0",
                                       "session_version": "99"})
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        assert (user.role, user.active, user.session_version) == ("parent", True, 1)


def test_a_signed_in_user_is_sent_from_registration_to_the_cabinet(client, login_as):
    login_as("parent")
    response = client.get("/register")
    assert response.status_code == 302
    assert response.headers["Location"] == "/cabinet"
