"""`flask demo seed`: the hotline's call history — working days, within the hotline's hours in
the municipality's time, every call finished with a topic and an outcome."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from pfdo import clock
from pfdo.db import db
from pfdo.hotline import calls
from pfdo.hotline.models import HotlineCall
from pfdo.municipality import services as municipality
from tests.test_demo_providers import seed


def test_demo_has_two_weeks_of_calls_in_working_hours(app):
    clock.set_frozen(datetime(2026, 12, 3, 5, 0, tzinfo=UTC))  # Thursday 15:00 in Ленинское
    try:
        seed(app, "demo", "seed", "--seed", "7", "--families", "40")
        with app.app_context():
            zone = ZoneInfo(municipality.timezone())
            rows = db.session.scalars(select(HotlineCall)).all()
            assert len(rows) > 40
            for call in rows:
                local = clock.aware(call.started_at).astimezone(zone)
                assert local.weekday() < 5 and 9 <= local.hour < 18 and local.hour != 13
                assert call.ended_at is not None and call.topic and call.outcome
            assert {call.operator_id for call in rows}.__len__() == 2
            assert sum(call.certificate_id is not None for call in rows) > len(rows) / 2
            figures = calls.figures(municipality.local_today())
            assert figures.week > 0 and figures.week <= len(rows)
    finally:
        clock.set_frozen(None)
