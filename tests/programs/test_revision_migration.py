"""Migration 0005 records version 1 of every program published before it, with its groups
and classes, so that every published version has its record."""

from __future__ import annotations

import flask_migrate
from sqlalchemy import text

from pfdo.db import db
from tests.test_migrations import scratch_app, scratch_url  # noqa: F401

NOW = "2026-03-15 10:00:00+00:00"


def test_programs_published_before_get_their_version_one(scratch_app):  # noqa: F811
    with scratch_app.app_context():
        flask_migrate.upgrade(revision="0004")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO provider (id, full_name, short_name, legal_form, inn, ogrn, "
                "address, contact_name, phone, email, licence_number, description, status, "
                "submitted_at, created_at) VALUES (1, 'Центр', 'ЦДТ', 'mbu_do', '7900000001', "
                "'1027900000001', 'ул. Школьная, 1', 'Петрова А. С.', '+74266321000', "
                "'cdt@example.ru', 'ЛО-1', '', 'approved', :now, :now)"), {"now": NOW})
            for program_id, status in ((1, "published"), (2, "draft")):
                conn.execute(text(
                    "INSERT INTO program (id, provider_id, title, direction, description, "
                    "age_from, age_to, months, hours_per_week, funding, district, address, "
                    "teacher, status, rating_total, rating_count, submitted_at, published_at, "
                    "created_at, updated_at) VALUES (:id, 1, 'Робототехника', 'technical', "
                    "'Роботы.', 7, 12, 9, 2, 'certified', 'Ленинский', 'ул. Школьная, 1', "
                    "'Смирнов О. И.', :status, 0, 0, :now, :now, :now, :now)"),
                    {"id": program_id, "status": status, "now": NOW})
                conn.execute(text(
                    "INSERT INTO program_group (id, program_id, name, capacity, seats_taken, "
                    "starts_on, ends_on, is_open, price_per_month, created_at) VALUES "
                    "(:id, :id, 'Группа 1', 12, 3, '2026-09-01', '2027-05-31', :open, 250000, "
                    ":now)"), {"id": program_id, "open": True, "now": NOW})
                conn.execute(text(
                    "INSERT INTO group_session (group_id, weekday, starts_at, ends_at) VALUES "
                    "(:id, 1, '15:00:00', '16:30:00')"), {"id": program_id})
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            versions = conn.execute(text(
                "SELECT program_id, number, status, title FROM program_revision")).all()
            assert [tuple(v) for v in versions] == [(1, 1, "published", "Робототехника")]
            groups = conn.execute(text(
                "SELECT g.group_id, g.name, g.capacity, g.price_per_month, s.weekday "
                "FROM revision_group g JOIN revision_session s ON s.revision_group_id = g.id"
            )).all()
            assert [tuple(g) for g in groups] == [(1, "Группа 1", 12, 250000, 1)]
