"""Login attempts are limited per account and per IP, with a Russian message (S-03)."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token, form_post, login


def attempt(client, login_value: str, password: str = "неверный-пароль-1", ip: str = "10.0.0.1"):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"csrf_token": token, "login": login_value,
                                       "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def test_sixth_failed_login_for_one_account_within_a_minute_is_refused(client, make):
    make.user(email="anna@example.ru")
    for n in range(5):
        assert attempt(client, "anna@example.ru", ip=f"10.0.0.{n}").status_code == 422
    blocked = attempt(client, "anna@example.ru", ip="10.0.0.99")
    assert blocked.status_code == 429
    assert "Слишком много попыток" in blocked.get_data(as_text=True)
    # Even the right password waits out the minute: the attacker learns nothing.
    assert login(client, "anna@example.ru").status_code == 429


def test_other_accounts_are_not_affected(client, make):
    make.user(email="anna@example.ru")
    make.user(email="olga@example.ru")
    for _ in range(5):
        attempt(client, "anna@example.ru")
    assert attempt(client, "anna@example.ru").status_code == 429
    assert login(client, "olga@example.ru").status_code == 302


def test_successful_logins_do_not_count(client, make):
    make.user(email="anna@example.ru")
    for _ in range(7):
        assert login(client, "anna@example.ru").status_code == 302
        form_post(client, "/logout", page="/cabinet")


def test_one_ip_guessing_many_accounts_is_limited(client):
    statuses = [attempt(client, f"user{n}@example.ru").status_code for n in range(31)]
    assert statuses[:30] == [422] * 30
    assert statuses[30] == 429
    # Another address is not affected.
    assert attempt(client, "user99@example.ru", ip="10.0.0.200").status_code == 422


def test_htmx_login_over_the_limit_gets_429(client, make):
    make.user(email="anna@example.ru")
    for _ in range(5):
        attempt(client, "anna@example.ru")
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "login": "anna@example.ru",
                                           "password": "x"}, headers={"HX-Request": "true"})
    assert response.status_code == 429


def test_limits_live_in_redis_when_configured(app, client, make):
    """With REDIS_URL every gunicorn worker shares the counters (memory would not)."""
    import os

    import redis

    from pfdo import create_app
    from pfdo.db import db
    from pfdo.extensions import limiter

    redis_url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(redis_url).ping()
    except redis.ConnectionError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    store = redis.Redis.from_url(redis_url)
    store.flushdb()
    worker = create_app({"TESTING": True, "RATELIMIT_STORAGE_URI": redis_url,
                         "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    try:
        anna = make.user(email="anna@example.ru")
        browser = worker.test_client()
        for _ in range(5):
            assert attempt(browser, "anna@example.ru").status_code == 422
        assert any(f"account:{anna.id}".encode() in key for key in store.keys("*"))
        assert attempt(browser, "anna@example.ru").status_code == 429
    finally:
        store.flushdb()
        limiter.init_app(app)  # back to the suite's memory storage
        with worker.app_context():
            db.engine.dispose()  # the clean-up copies the database file: no open handles
