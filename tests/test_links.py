"""Links in e-mails, QR codes and notices come from PUBLIC_BASE_URL; unknown hosts get 400."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pfdo import links
from pfdo.db import db
from pfdo.notifications.models import OutboxMessage
from tests.conftest import csrf_token, form_post

BASE = "http://pfdo.test"  # the suite's PUBLIC_BASE_URL


def mailed_links(app) -> list[str]:
    with app.app_context():
        bodies = db.session.scalars(select(OutboxMessage.body)).all()
    return [link for body in bodies for link in re.findall(r"https?://\S+", body)]


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "pfdo.test.evil.example"])
def test_a_reset_request_under_a_foreign_host_is_refused_and_mails_nothing(app, client, make,
                                                                          host):
    make.user(email="anna@example.ru")
    token = csrf_token(client, "/password/forgot")
    response = client.post("/password/forgot", data={"csrf_token": token,
                                                     "login": "anna@example.ru"},
                           headers={"Host": host})
    assert response.status_code == 400
    assert "Неизвестный адрес сайта" in response.get_data(as_text=True)
    assert mailed_links(app) == []


def test_any_page_under_a_foreign_host_is_refused(client):
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/login", headers={"Host": "pfdo.test"}).status_code == 200
    assert client.get("/login").status_code == 200  # the test client's localhost


def test_the_mailed_reset_link_starts_with_the_public_base_url_whatever_host_was_used(
        app, client, make):
    make.user(email="anna@example.ru")
    form_post(client, "/password/forgot", {"login": "anna@example.ru"})  # Host: localhost
    [link] = mailed_links(app)
    assert link.startswith(f"{BASE}/password/reset/")


def test_the_staff_invitation_link_starts_with_the_public_base_url(app, client, login_as):
    login_as("admin")
    response = form_post(client, "/admin/users/new", {
        "role": "coordinator", "last_name": "Петров", "first_name": "Пётр", "middle_name": "",
        "email": "petrov@example.ru", "phone": ""})
    assert response.status_code == 302
    [link] = mailed_links(app)
    assert link.startswith(f"{BASE}/password/reset/")


def test_links_are_built_without_any_request(app):
    with app.app_context():  # no request context: as in a CLI job or a cron task
        assert links.absolute_url("certificates.verify_number", number="7905000123") == (
            f"{BASE}/verify/7905000123")
        assert links.path("accounts.login", next="/cabinet") == "/login?next=/cabinet"


def test_a_base_url_with_a_path_prefix_is_kept(app):
    saved = app.config["PUBLIC_BASE_URL"]
    app.config["PUBLIC_BASE_URL"] = "https://gov.example.ru/pfdo/"
    try:
        with app.app_context():
            assert links.absolute_url("accounts.login") == "https://gov.example.ru/pfdo/login"
            assert links.path("accounts.login") == "/pfdo/login"
    finally:
        app.config["PUBLIC_BASE_URL"] = saved


def test_the_cli_prints_an_invitation_link_of_the_public_site(app):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "--role", "coordinator", "--email", "petrov@example.ru",
        "--last-name", "Петров", "--first-name", "Пётр"])
    assert result.exit_code == 0, result.output
    assert re.search(rf"the link to set a password: {re.escape(BASE)}/password/reset/\S+",
                     result.output)
    [link] = mailed_links(app)
    assert link.startswith(f"{BASE}/password/reset/")
