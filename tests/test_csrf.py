"""Every state-changing request needs the CSRF token: in the form field or the htmx header."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token
from tests.factories import PASSWORD


def test_plain_form_post_without_token_is_refused(client, make):
    make.user(email="anna@example.ru")
    response = client.post("/login", data={"login": "anna@example.ru", "password": PASSWORD})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Страница устарела" in html
    assert client.get("/cabinet").status_code == 302  # not logged in


def test_wrong_token_is_refused(client, make):
    make.user(email="anna@example.ru")
    client.get("/login")
    response = client.post("/login", data={"csrf_token": "forged", "login": "anna@example.ru",
                                           "password": PASSWORD})
    assert response.status_code == 400


def test_htmx_post_without_header_is_refused(client, login_as):
    login_as("parent")
    response = client.post("/logout", headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert client.get("/cabinet").status_code == 200  # still logged in


def test_htmx_post_with_the_header_token_works(client, login_as):
    login_as("parent")
    token = csrf_token(client, "/cabinet")
    response = client.post("/logout", headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/"
    assert client.get("/cabinet").status_code == 302


def test_token_from_another_session_is_refused(app, client, make):
    make.user(email="anna@example.ru")
    other = app.test_client()
    foreign_token = csrf_token(other, "/login")
    client.get("/login")
    response = client.post("/login", data={"csrf_token": foreign_token,
                                           "login": "anna@example.ru", "password": PASSWORD})
    assert response.status_code == 400


def test_a_signed_in_users_every_page_carries_the_token_for_htmx_on_body(client, login_as):
    login_as("parent")
    for path in ("/", "/programs", "/cabinet"):
        html = client.get(path).get_data(as_text=True)
        assert '<body hx-headers=\'{"X-CSRFToken": "' in html, path


@pytest.mark.parametrize("path", ["/", "/programs", "/programs?q=шахматы&age=9", "/rules",
                                  "/privacy", "/contacts", "/providers"])
def test_a_guest_reading_the_catalogue_gets_no_session_cookie(client, make, path):
    make.municipality()
    response = client.get(path)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers, response.headers.get("Set-Cookie")
    assert "X-CSRFToken" not in response.get_data(as_text=True)


def test_a_guests_form_that_posts_keeps_its_token(client, make):
    make.municipality()
    response = client.get("/login")
    assert 'name="csrf_token"' in response.get_data(as_text=True)
    assert "Set-Cookie" in response.headers


@pytest.mark.parametrize("role, path", [(None, "/login"), (None, "/register"),
                                        ("parent", "/cabinet"), ("parent", "/account"),
                                        ("coordinator", "/coordinator")])
def test_no_page_repeats_an_id_though_it_has_several_forms(client, make, login_as, role, path):
    make.municipality()
    if role:
        login_as(role)
    html = client.get(path).get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert 'id="csrf_token"' not in html
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
