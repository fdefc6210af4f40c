"""Login reveals nothing and costs a bounded amount: the per-account limit follows the account
in every spelling, every path spends one argon2 verification, the failed-login log keeps no
typed text, and at most PASSWORD_HASH_CONCURRENCY hashes run at once (503 beyond)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from pfdo.accounts import passwords
from pfdo.admin.audit_labels import describe_details
from pfdo.audit.models import AuditEvent
from pfdo.db import db
from pfdo.errors import ServerBusy
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD


def attempt(client, login_value: str, password: str = "неверный-пароль-1", ip: str = "10.0.0.1"):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"csrf_token": token, "login": login_value,
                                       "password": password},
                       environ_base={"REMOTE_ADDR": ip})


@pytest.mark.parametrize("spelling", ["89144567890", "+7 914 456-78-90", "8 (914) 456 78 90",
                                      "9144567890", "ANNA@Example.RU", " anna@example.ru "])
def test_five_failures_by_email_lock_the_phone_and_every_spelling_too(client, make, spelling):
    make.user(email="anna@example.ru", phone="+79144567890")
    for n in range(5):
        assert attempt(client, "anna@example.ru", ip=f"10.0.1.{n}").status_code == 422
    assert attempt(client, spelling, ip="10.0.2.1").status_code == 429
    # the right password in yet another spelling waits out the minute as well
    assert login(client, "+7(914)4567890").status_code == 429


def test_an_unknown_login_is_limited_by_its_normalised_form(client):
    for n in range(5):
        assert attempt(client, "Nobody@Example.ru", ip=f"10.0.3.{n}").status_code == 422
    assert attempt(client, "nobody@example.ru", ip="10.0.4.1").status_code == 429
    assert attempt(client, "somebody@example.ru", ip="10.0.4.2").status_code == 422


# --- One verification on every path ---------------------------------------------------------

class CountingHasher:
    """The suite's cheap hasher, counting verifications."""

    def __init__(self, real):
        self.real = real
        self.verifications = 0

    def verify(self, password_hash, password):
        self.verifications += 1
        return self.real.verify(password_hash, password)

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.fixture
def hasher(monkeypatch):
    counting = CountingHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", counting)
    return counting


@pytest.mark.parametrize("case", ["unknown e-mail", "malformed phone", "not an identifier",
                                  "invited, no password yet", "blocked", "wrong password",
                                  "right password"])
def test_every_login_path_spends_exactly_one_argon2_verification(client, make, hasher, case):
    make.user(email="anna@example.ru", phone="+79144567890")
    make.user(email="invited@example.ru", password=None)
    make.user(email="blocked@example.ru", active=False)
    login_value, password = {
        "unknown e-mail": ("nobody@example.ru", "какой-то-пароль-1"),
        "malformed phone": ("8 914 45", "какой-то-пароль-1"),
        "not an identifier": ("мой-секретный-пароль", "какой-то-пароль-1"),
        "invited, no password yet": ("invited@example.ru", "какой-то-пароль-1"),
        "blocked": ("blocked@example.ru", PASSWORD),
        "wrong password": ("anna@example.ru", "какой-то-пароль-1"),
        "right password": ("anna@example.ru", PASSWORD),
    }[case]
    csrf = csrf_token(client, "/login")
    hasher.verifications = 0
    response = client.post("/login", data={"csrf_token": csrf, "login": login_value,
                                           "password": password})
    assert response.status_code == (302 if case == "right password" else 422)
    assert hasher.verifications == 1


# --- What the failed-login log keeps --------------------------------------------------------

def failed_logins(app) -> list[AuditEvent]:
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "auth.login_failed").order_by(AuditEvent.id)).all()


def test_the_log_keeps_the_account_only_never_the_typed_text(app, client, make):
    anna = make.user(email="anna@example.ru", phone="+79144567890")
    attempt(client, "8 (914) 456-78-90")
    [event] = failed_logins(app)
    assert (event.object_type, event.object_id) == ("User", str(anna.id))
    assert event.details == {"reason": "wrong_password"}
    assert ("причина", "неверный пароль") in describe_details(event.details)


@pytest.mark.parametrize(("typed", "details"), [
    ("Nobody@Example.RU", {"reason": "unknown_login", "login": "nobody@example.ru"}),
    ("8 914 000-00-00", {"reason": "unknown_login", "login": "+79140000000"}),
    ("Зелёный-слон-77", {"reason": "unknown_login"}),  # a password typed into the login field
    ("a@" + "b" * 5000, {"reason": "unknown_login"}),  # unbounded text is not kept
    ("not-an@e-mail", {"reason": "unknown_login"}),
])
def test_an_unknown_login_is_kept_only_as_a_valid_normalised_identifier(app, client, typed,
                                                                        details):
    attempt(client, typed)
    [event] = failed_logins(app)
    assert event.details == details
    assert event.object_id is None
    assert ("причина", "неизвестный логин") in describe_details(event.details)


# --- Bounded hashing ------------------------------------------------------------------------

class BlockingHasher:
    """A hasher whose calls wait for `release`, counting how many are inside at once."""

    def __init__(self):
        self.release = threading.Event()
        self.inside = 0
        self.most_inside = 0
        self.calls = 0
        self.entered = threading.Semaphore(0)
        self._lock = threading.Lock()

    def hash(self, password):
        with self._lock:
            self.calls += 1
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        self.entered.release()
        self.release.wait(timeout=10)
        with self._lock:
            self.inside -= 1
        return "$argon2id$fake"


@pytest.fixture
def bounded(app, monkeypatch):
    blocking = BlockingHasher()
    monkeypatch.setattr(passwords, "_hasher", blocking)
    passwords.configure(concurrency=2, wait_seconds=0.05)
    yield blocking
    blocking.release.set()
    passwords.configure(concurrency=app.config["PASSWORD_HASH_CONCURRENCY"],
                        wait_seconds=app.config["PASSWORD_HASH_WAIT"])


def _two_hashes_in_flight(bounded: BlockingHasher) -> list[threading.Thread]:
    threads = [threading.Thread(target=passwords.hash_password, args=("пароль-номер-1",))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for _ in threads:
        assert bounded.entered.acquire(timeout=10)
    return threads


def test_a_third_hash_beyond_the_bound_is_refused_without_hashing(bounded):
    threads = _two_hashes_in_flight(bounded)
    with pytest.raises(ServerBusy):
        passwords.hash_password("пароль-номер-3")
    assert bounded.calls == 2 and bounded.most_inside == 2
    bounded.release.set()
    for thread in threads:
        thread.join(timeout=10)
    assert passwords.hash_password("пароль-номер-4") == "$argon2id$fake"  # slots are back
    assert bounded.calls == 3 and bounded.most_inside == 2


@pytest.fixture
def anna(make):
    return make.user(email="anna@example.ru")  # hashed before the blocking hasher is in place


def test_a_login_while_the_server_is_hashing_at_its_bound_gets_503(app, client, anna, bounded):
    csrf = csrf_token(client, "/login")
    threads = _two_hashes_in_flight(bounded)
    response = client.post("/login", data={"csrf_token": csrf, "login": "anna@example.ru",
                                           "password": PASSWORD})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert "Сервер занят, повторите через минуту" in response.get_data(as_text=True)
    assert bounded.calls == 2
    bounded.release.set()
    for thread in threads:
        thread.join(timeout=10)
