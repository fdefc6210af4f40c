"""The admin's user management: invitations, roles, blocking, the filtered list, access."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from pfdo.accounts.models import User
from pfdo.audit.models import AuditEvent
from pfdo.db import db
from pfdo.notifications.models import OutboxMessage
from tests.conftest import form_post, login

NEW_PASSWORD = "зелёный-самовар-2026"
COORDINATOR = {
    "role": "coordinator",
    "last_name": "Петров",
    "first_name": "Пётр",
    "middle_name": "Ильич",
    "email": "P.Petrov@Leninsk-EAO.ru",
    "phone": "",
}
LISTED = re.compile(r'<a href="/admin/users/\d+">([^<]+)</a>')


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def load_user(app, user_id: int) -> User:
    with app.app_context():
        return db.session.get(User, user_id)


def audit_events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()


def signed_in_client(app, user):
    """A second browser in which `user` is signed in."""
    other = app.test_client()
    assert login(other, user.email).status_code == 302
    assert other.get("/account").status_code == 200
    return other


def field_error(html: str, field: str) -> str | None:
    """The text of the message shown beside `field`, or None."""
    match = re.search(rf'<div id="{field}-error"[^>]*>(.*?)</div>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else None


def listed_names(client, **params) -> set[str]:
    html = client.get("/admin/users", query_string=params).get_data(as_text=True)
    return set(LISTED.findall(html))


# --- Creating a staff account --------------------------------------------------------

def test_invited_coordinator_sets_a_password_by_the_link_and_signs_in(app, client, login_as):
    admin = login_as("admin")
    response = form_post(client, "/admin/users/new", COORDINATOR)
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalars(select(User).where(User.role == "coordinator")).one()
        assert user.email == "p.petrov@leninsk-eao.ru"
        assert user.full_name == "Петров Пётр Ильич"
        assert user.password_hash is None
        mail = db.session.scalars(select(OutboxMessage)).one()
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Приглашение отправлено на p.petrov@leninsk-eao.ru" in detail
    assert "ещё не задан (приглашение отправлено)" in detail
    [created] = audit_events(app, "user.created")
    assert (created.actor_id, created.object_id, created.details) == (
        admin.id, str(user.id), {"role": "coordinator"})

    assert mail.recipient == "p.petrov@leninsk-eao.ru"
    assert mail.subject == "Приглашение в систему ПФДО"
    link = re.search(r"http://pfdo\.test(/password/reset/\S+)", mail.body)
    assert link, mail.body
    path = link.group(1)

    invitee = app.test_client()
    # Without a password nobody can sign in to the new account.
    assert login(invitee, user.email, NEW_PASSWORD).status_code == 422
    assert invitee.get(path).status_code == 200
    response = form_post(invitee, path, {"new_password": NEW_PASSWORD,
                                         "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert invitee.get(path).status_code == 400  # the invitation works once

    response = login(invitee, "P.PETROV@leninsk-eao.ru", NEW_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/cabinet"
    # the coordinator's real workspace is the dashboard
    assert invitee.get("/cabinet").headers["Location"] == "/coordinator"
    assert "Петров" in invitee.get("/account").get_data(as_text=True)


def test_taken_email_is_refused_beside_the_field_and_nothing_is_saved(app, client, make,
                                                                        login_as):
    make.user("hotline", email="p.petrov@leninsk-eao.ru")
    login_as("admin")
    response = form_post(client, "/admin/users/new", COORDINATOR)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(html, "email").startswith("Этот адрес уже зарегистрирован")
    assert 'value="Петров"' in html  # the input is kept
    assert count(app, User) == 2
    assert count(app, OutboxMessage) == 0
    assert audit_events(app, "user.created") == []


def test_role_select_offers_only_staff_roles(client, login_as):
    login_as("admin")
    html = client.get("/admin/users/new").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="role"[^>]*>(.*?)</select>', html, re.S).group(1)
    values = re.findall(r'value="([^"]*)"', select_html)
    assert sorted(values) == ["admin", "coordinator", "hotline", "provider_staff"]


def test_only_the_mandatory_fields_are_marked_required(client, login_as):
    login_as("admin")
    html = client.get("/admin/users/new").get_data(as_text=True)
    controls = re.findall(r"<(?:input|select)\b[^>]*>", html)
    required = {re.search(r'name="(\w+)"', tag).group(1) for tag in controls
                if re.search(r"\srequired[\s=>]", tag)}
    assert required == {"last_name", "first_name", "email"}


def test_parent_role_cannot_be_posted(app, client, login_as):
    login_as("admin")
    response = form_post(client, "/admin/users/new", {**COORDINATOR, "role": "parent"})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "role") == "Неверный вариант."
    assert count(app, User) == 1  # only the admin
    assert count(app, OutboxMessage) == 0


# --- Roles -----------------------------------------------------------------------------

def test_role_change_is_audited_and_ends_the_users_sessions(app, client, make, login_as):
    admin = login_as("admin")
    staff = make.user("coordinator")
    browser_b = signed_in_client(app, staff)

    response = form_post(client, f"/admin/users/{staff.id}/role", {"role": "hotline"},
                         page=f"/admin/users/{staff.id}")
    assert response.status_code == 302
    assert "Роль изменена: Оператор горячей линии" in client.get(
        response.headers["Location"]).get_data(as_text=True)
    assert load_user(app, staff.id).role == "hotline"
    [event] = audit_events(app, "user.role_changed")
    assert (event.actor_id, event.object_id) == (admin.id, str(staff.id))
    assert event.details == {"from": "coordinator", "to": "hotline"}

    response = browser_b.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    # Signing in again works, with the new role.
    assert login(browser_b, staff.email).status_code == 302


def test_parent_cannot_be_given_a_staff_role(app, client, make, login_as):
    login_as("admin")
    parent = make.user("parent")
    assert "Сменить роль" not in client.get(f"/admin/users/{parent.id}").get_data(as_text=True)
    response = form_post(client, f"/admin/users/{parent.id}/role", {"role": "coordinator"},
                         page=f"/admin/users/{parent.id}")
    assert response.status_code == 422  # only a forged POST gets here: the form is hidden
    assert load_user(app, parent.id).role == "parent"
    assert audit_events(app, "user.role_changed") == []


def test_admin_cannot_take_away_their_own_admin_role(app, client, login_as):
    admin = login_as("admin")
    response = form_post(client, f"/admin/users/{admin.id}/role", {"role": "coordinator"},
                         page=f"/admin/users/{admin.id}")
    assert response.status_code == 422
    assert "Нельзя снять с себя роль администратора" in response.get_data(as_text=True)
    assert load_user(app, admin.id).role == "admin"
    assert audit_events(app, "user.role_changed") == []
    assert client.get("/admin/users").status_code == 200  # still signed in, still admin


# --- Blocking --------------------------------------------------------------------------

def test_blocking_ends_the_session_and_refuses_login_until_unblocked(app, client, make,
                                                                       login_as):
    admin = login_as("admin")
    staff = make.user("provider_staff")
    browser_b = signed_in_client(app, staff)
    detail = f"/admin/users/{staff.id}"

    response = form_post(client, f"{detail}/block", page=detail)
    assert response.status_code == 302
    page = client.get(detail).get_data(as_text=True)
    assert "Учётная запись заблокирована, все её сеансы завершены" in page
    assert load_user(app, staff.id).active is False

    response = browser_b.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    response = login(browser_b, staff.email)
    assert response.status_code == 422
    assert "Учётная запись заблокирована" in response.get_data(as_text=True)

    assert form_post(client, f"{detail}/unblock", page=detail).status_code == 302
    assert load_user(app, staff.id).active is True
    assert login(browser_b, staff.email).status_code == 302
    assert browser_b.get("/account").status_code == 200
    actions = [(e.action, e.actor_id) for e in audit_events(app, "user.blocked")
               + audit_events(app, "user.unblocked")]
    assert actions == [("user.blocked", admin.id), ("user.unblocked", admin.id)]


def test_admin_cannot_block_themselves(app, client, login_as):
    admin = login_as("admin")
    detail = f"/admin/users/{admin.id}"
    response = form_post(client, f"{detail}/block", page=detail)
    assert response.status_code == 302
    assert "Нельзя заблокировать свою учётную запись" in client.get(detail).get_data(
        as_text=True)
    assert load_user(app, admin.id).active is True
    assert client.get("/admin/users").status_code == 200
    assert audit_events(app, "user.blocked") == []


# --- The list --------------------------------------------------------------------------

@pytest.fixture
def people(make):
    make.user("coordinator", last_name="Петров", first_name="Пётр", middle_name="Ильич",
              email="p.petrov@leninsk-eao.ru", phone="+79141112233")
    make.user("hotline", last_name="Сидорова", first_name="Анна", middle_name=None,
              email="hotline.sid@leninsk-eao.ru", phone="+79145556677")
    make.user("parent", last_name="Кузнецова", first_name="Ольга", middle_name="Ивановна",
              email="olga.k@mail.ru", phone="+79149998877")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"role": "coordinator"}, {"Петров Пётр Ильич"}),
        ({"role": "parent"}, {"Кузнецова Ольга Ивановна"}),
        ({"q": "ПЕТРОВ"}, {"Петров Пётр Ильич"}),
        ({"q": "сидоРОВА"}, {"Сидорова Анна"}),
        ({"q": "Hotline.SID"}, {"Сидорова Анна"}),
        ({"q": "leninsk-eao"}, {"Петров Пётр Ильич", "Сидорова Анна"}),
        ({"q": "8 (914) 999-88-77"}, {"Кузнецова Ольга Ивановна"}),
        ({"q": "+7 914 555 66 77"}, {"Сидорова Анна"}),
        ({"q": "9141112233"}, {"Петров Пётр Ильич"}),
        ({"role": "hotline", "q": "петров"}, set()),
    ],
)
def test_users_list_filters_by_role_and_search_text(client, login_as, people, params,
                                                    expected):
    login_as("admin", last_name="Админова", email="chief@admin.local")
    assert listed_names(client, **params) == expected


def test_users_list_without_filters_shows_everyone(client, login_as, people):
    login_as("admin", last_name="Админова")
    html = client.get("/admin/users").get_data(as_text=True)
    assert "Найдены 4 пользователя" in html
    assert len(LISTED.findall(html)) == 4


def test_htmx_filter_returns_only_the_results_fragment(client, login_as, people):
    login_as("admin")
    response = client.get("/admin/users?q=Петров", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="results"')
    assert "<html" not in html
    assert LISTED.findall(html) == ["Петров Пётр Ильич"]
    assert "HX-Request" in response.headers["Vary"]
    full = client.get("/admin/users?q=Петров")
    assert "<html" in full.get_data(as_text=True)
    assert "HX-Request" in full.headers["Vary"]


# --- Access ----------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["parent", "coordinator"])
@pytest.mark.parametrize("path", ["/admin/users", "/admin/users/new", "/admin/users/{id}"])
def test_non_admin_gets_403_on_user_pages(client, make, login_as, role, path):
    target = make.user("hotline")
    login_as(role)
    assert client.get(path.format(id=target.id)).status_code == 403


@pytest.mark.parametrize("role", ["parent", "coordinator"])
@pytest.mark.parametrize(
    ("action", "data"),
    [("role", {"role": "admin"}), ("block", {}), ("unblock", {})],
)
def test_non_admin_cannot_change_users(app, client, make, login_as, role, action, data):
    target = make.user("hotline", active=action != "unblock")
    login_as(role)
    response = form_post(client, f"/admin/users/{target.id}/{action}", data, page="/account")
    assert response.status_code == 403
    after = load_user(app, target.id)
    assert (after.role, after.active, after.session_version) == (
        "hotline", action != "unblock", 1)


def test_non_admin_cannot_create_users(app, client, login_as):
    login_as("coordinator")
    response = form_post(client, "/admin/users/new", COORDINATOR, page="/account")
    assert response.status_code == 403
    assert count(app, User) == 1
