"""Russian error pages for 400/403/404/405/413/429/500/503."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token


def test_404_in_russian(client):
    response = client.get("/нет-такой-страницы")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Страница не найдена" in html
    assert '<html lang="ru">' in html


def test_405_in_russian(client):
    response = client.put("/login")
    assert response.status_code == 405
    assert "Действие недоступно" in response.get_data(as_text=True)


def test_413_for_a_body_over_the_limit(client):
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "login": "x" * (46 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Файл слишком большой" in response.get_data(as_text=True)


def test_400_in_russian(client):
    response = client.post("/login", data={})
    assert response.status_code == 400
    assert "Страница устарела" in response.get_data(as_text=True)


def test_500_in_russian_without_details(app, client, monkeypatch):
    import pfdo.site.views as views

    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(views, "render_template", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = client.get("/rules")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Что-то пошло не так" in html
    assert "secret internal detail" not in html and "Traceback" not in html


@pytest.mark.parametrize("code", [400, 403, 404, 405, 413, 429, 500, 503])
def test_every_error_page_offers_a_way_home(app, code):
    with app.test_request_context():
        from flask import render_template

        html = render_template(f"errors/{code}.html", message=None)
    assert str(code) in html
    assert 'href="/"' in html
