"""A municipality with a current period (normative cost set for technical programs), a
provider with a staff member and a certified program with an open group, and a parent with a
child holding a certificate: what most enrolment tests start from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from tests import factories

#: 150,00 ₽ a person-hour: 2 h a week × 4 weeks → a normative cost of 1 200,00 ₽ a month
HOUR_COST = 15_000


@dataclass
class World:
    parent: object
    child: object
    certificate: object
    staff: object
    provider: object
    program: object
    group: object
    coordinator: object


@pytest.fixture
def world(app, frozen_clock) -> World:
    factories.municipality(app)
    coordinator = factories.user(app, "coordinator")
    factories.period(app, hour_costs={"technical": HOUR_COST})
    parent = factories.user(app, "parent")
    child = factories.child(app, parent, birth_date=date(2016, 5, 10))
    certificate = factories.certificate(app, parent, child, coordinator=coordinator)
    staff = factories.user(app, "provider_staff")
    provider = factories.provider(app, staff=staff)
    program = factories.program(app, provider)
    group = factories.group(app, program, starts_on=date(2026, 2, 1),
                            ends_on=date(2026, 12, 31), price=250_000)
    return World(parent, child, certificate, staff, provider, program, group, coordinator)
