"""/healthz (alive) and /readyz (database reachable, migrations at head)."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

import pfdo.site.health as health


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.mimetype == "application/health+json"
    assert response.get_json() == {"status": "pass"}


def test_readyz_when_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.mimetype == "application/health+json"
    assert response.get_json() == {"status": "pass",
                                   "checks": {"database": "pass", "migrations": "pass"}}


def test_readyz_fails_when_migrations_are_behind(client, monkeypatch):
    monkeypatch.setattr(health, "migration_revisions", lambda conn, d: (("0000",), ("0001",)))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "pass", "migrations": "fail"}


def test_readyz_fails_when_the_database_is_down_while_healthz_stays_up(client, monkeypatch):
    from pfdo.db import db

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "fail"
    assert client.get("/healthz").status_code == 200


def test_health_endpoints_reveal_nothing_else(client):
    body = client.get("/readyz").get_data(as_text=True)
    assert "sqlite" not in body and "postgres" not in body and "version" not in body
