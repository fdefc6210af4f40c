"""Operator commands: `flask users create`, `flask demo seed|accounts`, `flask outbox send`."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from sqlalchemy import func, select

from pfdo.accounts.models import Consent, User
from pfdo.audit.models import AuditEvent
from pfdo.db import db
from pfdo.demo import DEMO_ACCOUNTS, DEMO_MUNICIPALITY
from pfdo.municipality.models import Municipality
from pfdo.notifications.models import OutboxMessage
from tests.conftest import _wipe, form_post, login

GOOD_PASSWORD = "зимний-байкал-2026"
PETROV = ["--role", "coordinator", "--email", "Petrov@Example.ru", "--last-name", "Петров",
          "--first-name", "Пётр"]


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def rows(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def all_counts(app) -> dict[str, int]:
    return {m.__name__: rows(app, m)
            for m in (User, Consent, AuditEvent, Municipality, OutboxMessage)}


def emails(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(User.email)))


# --- users create ---------------------------------------------------------------------------

def test_created_user_with_a_password_can_log_in(app, client):
    result = run(app, "users", "create", *PETROV, "--password", GOOD_PASSWORD)
    assert result.exit_code == 0, result.output
    assert re.match(r"Created coordinator petrov@example\.ru \(id \d+\)\.", result.output)
    assert "Invitation" not in result.output
    assert rows(app, OutboxMessage) == 0

    response = login(client, "petrov@example.ru", GOOD_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/cabinet"
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "user.created")).one()
        assert (event.actor_id, event.details) == (None, {"role": "coordinator"})


def test_created_user_without_a_password_gets_an_invitation_link(app, client):
    result = run(app, "users", "create", *PETROV)
    assert result.exit_code == 0, result.output
    link = re.search(r"the link to set a password: http://pfdo\.test(/password/reset/\S+)",
                     result.output)
    assert link, result.output
    with app.app_context():
        mail = db.session.scalars(select(OutboxMessage)).one()
        assert db.session.scalars(select(User.password_hash)).one() is None
    assert mail.recipient == "petrov@example.ru"
    assert "http://pfdo.test/password/reset/" in mail.body

    response = form_post(client, link.group(1), {"new_password": GOOD_PASSWORD,
                                                 "confirm_password": GOOD_PASSWORD})
    assert response.status_code == 302
    assert login(client, "petrov@example.ru", GOOD_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (["--email", "petrov-at-example.ru"], "Проверьте адрес электронной почты"),
        (["--last-name", "Petrov"], "Только русские буквы"),
        (["--phone", "12345"], "Номер телефона в формате"),
        (["--password", "qwerty12345"], "Этот пароль слишком распространён"),
    ],
    ids=["email", "last_name", "phone", "password"],
)
def test_bad_input_exits_with_the_russian_message(app, change, message):
    result = run(app, "users", "create", *PETROV, *change)
    assert result.exit_code == 1
    assert f"Error: {message}" in result.output
    assert rows(app, User) == 0
    assert rows(app, OutboxMessage) == 0


def test_taken_email_is_refused(app, make):
    make.user("hotline", email="petrov@example.ru")
    result = run(app, "users", "create", *PETROV, "--password", GOOD_PASSWORD)
    assert result.exit_code == 1
    assert "Этот адрес уже зарегистрирован" in result.output
    assert rows(app, User) == 1


def test_parent_role_is_rejected_by_the_command(app):
    args = [*PETROV]
    args[1] = "parent"
    result = run(app, "users", "create", *args)
    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.output
    assert rows(app, User) == 0


# --- demo --------------------------------------------------------------------------------

def test_demo_seed_creates_the_municipality_and_an_account_per_role(app, client):
    result = run(app, "demo", "seed", "--seed", "7")
    assert result.exit_code == 0, result.output
    assert "Demo municipality created (seed 7)." in result.output
    with app.app_context():
        municipality = db.session.scalars(select(Municipality)).one()
        assert (municipality.name, municipality.timezone) == (
            DEMO_MUNICIPALITY.name, "Asia/Vladivostok")
        roles = dict(db.session.execute(select(User.email, User.role)).tuples().all())
    for account in DEMO_ACCOUNTS:
        assert roles[account.email] == account.role
    by_role = Counter(roles.values())
    # the demo hotline has a second operator (no sign-in) so that the call log has two
    assert {role: by_role[role] for role in ("provider_staff", "coordinator", "hotline",
                                             "admin")} == {
        "provider_staff": 1, "coordinator": 1, "hotline": 2, "admin": 1}
    assert by_role["parent"] == 300  # the lists look like a real municipality's
    assert rows(app, Consent) == by_role["parent"]  # every parent has consented
    with app.app_context():
        from pfdo.certificates.models import Certificate, CertificateApplication
        from pfdo.children.models import Child
        from pfdo.ledger.services import check_invariants
        from pfdo.periods.models import FinancingPeriod

        assert db.session.scalar(select(func.count()).select_from(Child)) >= 400
        states = set(db.session.scalars(select(CertificateApplication.status)))
        assert states == {"submitted", "confirmed", "refused"}
        kinds = set(db.session.execute(select(Certificate.kind, Certificate.status)).tuples())
        assert {("record", "active"), ("financing", "active"), ("record", "suspended")} <= kinds
        period = db.session.scalars(select(FinancingPeriod)).one()
        assert period.nominal == 17_456_00
        assert 0 < period.quota_used < period.quota
        assert check_invariants() == []

    response = login(client, "admin@demo-pfdo.ru", app.config["DEMO_PASSWORD"])
    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 200


def test_second_demo_seed_changes_nothing(app):
    assert run(app, "demo", "seed", "--seed", "7", "--families", "12").exit_code == 0
    before, before_emails = all_counts(app), emails(app)
    result = run(app, "demo", "seed", "--seed", "8", "--families", "12")
    assert result.exit_code == 0
    assert "nothing seeded" in result.output
    assert all_counts(app) == before
    assert emails(app) == before_emails


def test_demo_seed_does_not_touch_a_database_in_use(app, make):
    make.user("admin")
    result = run(app, "demo", "seed")
    assert "nothing seeded" in result.output
    assert rows(app, User) == 1
    assert rows(app, Municipality) == 0


def test_demo_seed_is_the_same_for_the_same_seed(app):
    run(app, "demo", "seed", "--seed", "7", "--families", "12")
    first = emails(app)
    _wipe(app)  # the clean database the next test would get
    run(app, "demo", "seed", "--seed", "7", "--families", "12")
    assert emails(app) == first
    _wipe(app)
    run(app, "demo", "seed", "--seed", "8", "--families", "12")
    assert emails(app) != first


def test_demo_accounts_prints_every_login_and_the_password(app):
    result = run(app, "demo", "accounts")
    assert result.exit_code == 0
    for account in DEMO_ACCOUNTS:
        assert account.email in result.output
    assert app.config["DEMO_PASSWORD"] in result.output


# --- outbox send ---------------------------------------------------------------------------

def test_outbox_send_prints_the_counts(app):
    run(app, "users", "create", *PETROV)
    run(app, "users", "create", "--role", "hotline", "--email", "sidorova@example.ru",
        "--last-name", "Сидорова", "--first-name", "Анна")
    assert rows(app, OutboxMessage) == 2

    result = run(app, "outbox", "send")
    assert result.exit_code == 0
    assert result.output.strip() == "Sent: 2, failed (will retry): 0."
    assert run(app, "outbox", "send").output.strip() == "Sent: 0, failed (will retry): 0."


def test_outbox_send_reports_failures(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", 1)
    run(app, "users", "create", *PETROV)
    result = run(app, "outbox", "send")
    assert result.exit_code == 0
    assert result.output.strip() == "Sent: 0, failed (will retry): 1."
