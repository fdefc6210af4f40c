"""The admin corrects a person's e-mail or phone (normalised, unique, audited, sessions and
reset links ended) and attaches provider staff to registry providers (a second employee)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pfdo.accounts.models import User
from pfdo.audit.models import AuditEvent
from pfdo.db import db
from pfdo.notifications.models import OutboxMessage
from pfdo.providers.models import ProviderStaff
from tests import factories
from tests.accounts.test_admin_users import field_error, signed_in_client
from tests.conftest import form_post, login

NEW_PASSWORD = "зелёный-самовар-2026"


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                  .order_by(AuditEvent.id)).all()


def reload(app, user_id: int) -> User:
    with app.app_context():
        return db.session.get(User, user_id)


def letters(app) -> list[OutboxMessage]:
    with app.app_context():
        return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


@pytest.fixture
def anna(make):
    return make.user("parent", email="anna@mail.ru", phone="+79141112233",
                     last_name="Смирнова", first_name="Анна")


def correct(client, user, **data):
    return form_post(client, f"/admin/users/{user.id}/contacts", data,
                     page=f"/admin/users/{user.id}")


# --- Correcting e-mail and phone ------------------------------------------------------------

def test_the_admin_corrects_the_email_the_person_logs_in_with_the_new_one(app, client, make,
                                                                          login_as, anna):
    admin = login_as("admin")
    form_post(app.test_client(), "/password/forgot", {"login": "anna@mail.ru"})
    old_reset = re.search(r"http://pfdo\.test(/password/reset/\S+)",
                          letters(app)[-1].body).group(1)
    her_browser = signed_in_client(app, anna)

    response = correct(client, anna, email=" Anna.Smirnova@Yandex.RU ", phone="+79141112233")
    assert response.status_code == 302
    assert "Данные для входа изменены" in client.get(f"/admin/users/{anna.id}").get_data(
        as_text=True)
    assert reload(app, anna.id).email == "anna.smirnova@yandex.ru"
    # her sessions end and the reset link sent to the old address no longer works
    assert her_browser.get("/cabinet").status_code == 302
    assert app.test_client().get(old_reset).status_code == 400
    assert login(app.test_client(), "anna@mail.ru").status_code == 422
    assert login(app.test_client(), "anna.smirnova@yandex.ru").status_code == 302
    [changed] = events(app, "user.email_changed")
    assert (changed.actor_id, changed.object_id) == (admin.id, str(anna.id))
    assert changed.details == {"from": "an***@mail.ru", "to": "an***@yandex.ru"}
    told = {m.recipient for m in letters(app) if m.subject.startswith("Изменены данные")}
    assert told == {"anna@mail.ru", "anna.smirnova@yandex.ru"}


def test_the_admin_corrects_the_phone_in_any_spelling(app, client, login_as, anna):
    login_as("admin")
    assert correct(client, anna, email="anna@mail.ru",
                   phone="8 (914) 000-11-22").status_code == 302
    assert reload(app, anna.id).phone == "+79140001122"
    assert login(app.test_client(), "89140001122").status_code == 302
    [changed] = events(app, "user.phone_changed")
    assert changed.details == {"from": "+7 914 ***-**-33", "to": "+7 914 ***-**-22"}
    assert events(app, "user.email_changed") == []


def test_the_phone_may_be_removed(app, client, login_as, anna):
    login_as("admin")
    assert correct(client, anna, email="anna@mail.ru", phone="").status_code == 302
    assert reload(app, anna.id).phone is None
    assert events(app, "user.phone_changed")[0].details["to"] == "—"


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"email": "olga@mail.ru", "phone": "+79141112233"}, "email",
     "Этот адрес уже у другой учётной записи: Кузнецова О. (№ {other})"),
    ({"email": "anna@mail.ru", "phone": "8 914 999 88 77"}, "phone",
     "Этот номер уже у другой учётной записи: Кузнецова О. (№ {other})"),
    ({"email": "anna@mail.ru", "phone": "12345"}, "phone", "Номер телефона в формате"),
    ({"email": "не-почта", "phone": ""}, "email", "Проверьте адрес электронной почты"),
])
def test_a_taken_or_malformed_value_is_refused_beside_its_field(app, client, make, login_as,
                                                                anna, data, field, message):
    other = make.user("parent", email="olga@mail.ru", phone="+79149998877",
                      last_name="Кузнецова", first_name="Ольга", middle_name=None)
    login_as("admin")
    response = correct(client, anna, **data)
    assert response.status_code == 422
    assert message.format(other=other.id) in (field_error(response.get_data(as_text=True),
                                                          field) or "")
    same = reload(app, anna.id)
    assert (same.email, same.phone, same.session_version) == ("anna@mail.ru", "+79141112233",
                                                              anna.session_version)
    assert events(app, "user.email_changed") == events(app, "user.phone_changed") == []


def test_the_admin_correcting_their_own_email_stays_signed_in(app, client, login_as):
    admin = login_as("admin")
    assert correct(client, admin, email="chief@example.ru", phone="").status_code == 302
    assert client.get("/admin/users").status_code == 200


def test_nothing_to_change_changes_nothing(app, client, login_as, anna):
    login_as("admin")
    assert correct(client, anna, email="ANNA@mail.ru", phone="8 914 111-22-33"
                   ).status_code == 302
    assert reload(app, anna.id).session_version == anna.session_version
    assert events(app, "user.email_changed") == events(app, "user.phone_changed") == []


# --- Provider staff -----------------------------------------------------------------------------

@pytest.fixture
def registry(app, make):
    first = make.user("provider_staff", email="first@cdt.ru", last_name="Соколов",
                      first_name="Дмитрий")
    return factories.provider(app, staff=first, short_name="ДДТ Ленинское"), first


def staff_of(app, user_id: int) -> ProviderStaff | None:
    with app.app_context():
        return db.session.scalars(select(ProviderStaff).where(
            ProviderStaff.user_id == user_id)).first()


NEW_STAFF = {"role": "provider_staff", "last_name": "Орлова", "first_name": "Вера",
             "middle_name": "", "email": "orlova@cdt.ru", "phone": ""}


def test_the_admin_creates_a_second_employee_who_works_in_the_providers_cabinet(
        app, client, login_as, registry):
    provider, first = registry
    admin = login_as("admin")
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert f"ДДТ Ленинское, ИНН {provider.inn}" in form
    response = form_post(client, "/admin/users/new", {**NEW_STAFF, "provider_id": provider.id})
    assert response.status_code == 302
    with app.app_context():
        orlova = db.session.scalars(select(User).where(User.email == "orlova@cdt.ru")).one()
    assert staff_of(app, orlova.id).provider_id == provider.id
    [attached] = events(app, "provider.staff_attached")
    assert (attached.actor_id, attached.object_id, attached.details) == (
        admin.id, str(provider.id), {"user": orlova.id})
    page = client.get(f"/admin/users/{orlova.id}").get_data(as_text=True)
    assert "Работает в кабинете поставщика" in page and "Соколов Дмитрий" in page

    invitation = [m for m in letters(app) if m.recipient == "orlova@cdt.ru"][0]
    path = re.search(r"http://pfdo\.test(/password/reset/\S+)", invitation.body).group(1)
    her = app.test_client()
    form_post(her, path, {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert login(her, "orlova@cdt.ru", NEW_PASSWORD).status_code == 302
    cabinet = her.get("/provider")
    assert cabinet.status_code == 200
    assert "ДДТ Ленинское" in cabinet.get_data(as_text=True)


@pytest.mark.parametrize(("data", "message"), [
    ({"role": "coordinator"}, "Поставщика выбирают только для роли «Сотрудник поставщика»"),
    ({"provider_id": "99999"}, "Выберите поставщика из реестра"),
])
def test_a_wrong_provider_choice_is_refused_and_nothing_is_created(app, client, login_as,
                                                                   registry, data, message):
    provider, _ = registry
    login_as("admin")
    response = form_post(client, "/admin/users/new",
                         {**NEW_STAFF, "provider_id": provider.id, **data})
    assert response.status_code == 422
    assert message in (field_error(response.get_data(as_text=True), "provider_id") or "")
    with app.app_context():
        assert db.session.scalars(select(User).where(User.email == "orlova@cdt.ru")).all() == []


def test_a_provider_waiting_for_review_is_not_offered(app, client, make, login_as):
    waiting = factories.provider(app, status="submitted", short_name="Ждёт решения")
    login_as("admin")
    assert "Ждёт решения" not in client.get("/admin/users/new").get_data(as_text=True)
    response = form_post(client, "/admin/users/new", {**NEW_STAFF, "provider_id": waiting.id})
    assert response.status_code == 422


def test_an_existing_staff_account_is_attached_and_detached(app, client, make, login_as,
                                                            registry):
    provider, _ = registry
    login_as("admin")
    vera = make.user("provider_staff", email="vera@cdt.ru")
    her = signed_in_client(app, vera)
    assert her.get("/provider").status_code == 404
    page = client.get(f"/admin/users/{vera.id}").get_data(as_text=True)
    assert "не прикреплена к поставщику" in page and "Прикрепить к поставщику" in page

    response = form_post(client, f"/admin/users/{vera.id}/provider",
                         {"provider_id": provider.id}, page=f"/admin/users/{vera.id}")
    assert response.status_code == 302
    assert "прикреплена к поставщику «ДДТ Ленинское»" in client.get(
        f"/admin/users/{vera.id}").get_data(as_text=True)
    assert her.get("/provider").status_code == 200  # at once, in the session she has

    again = form_post(client, f"/admin/users/{vera.id}/provider",
                      {"provider_id": provider.id}, page=f"/admin/users/{vera.id}")
    assert "уже прикреплена к поставщику «ДДТ Ленинское»" in client.get(
        again.headers["Location"]).get_data(as_text=True)

    form_post(client, f"/admin/users/{vera.id}/provider/detach",
              page=f"/admin/users/{vera.id}")
    assert staff_of(app, vera.id) is None
    assert her.get("/provider").status_code == 404
    assert [e.details for e in events(app, "provider.staff_detached")] == [{"user": vera.id}]


def test_only_provider_staff_accounts_are_attached(app, client, make, login_as, registry):
    provider, _ = registry
    login_as("admin")
    hotline = make.user("hotline")
    assert "Прикрепить к поставщику" not in client.get(
        f"/admin/users/{hotline.id}").get_data(as_text=True)
    response = form_post(client, f"/admin/users/{hotline.id}/provider",
                         {"provider_id": provider.id}, page=f"/admin/users/{hotline.id}")
    assert "только учётную запись с ролью «Сотрудник поставщика»" in client.get(
        response.headers["Location"]).get_data(as_text=True)
    assert staff_of(app, hotline.id) is None
