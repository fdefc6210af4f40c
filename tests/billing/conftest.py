"""The enrolment world (tests/enrollments/conftest.py) with two families' contracts running
through March 2026, the clock moved to the 2nd of April: March is over and open for reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from pfdo import clock
from pfdo.billing import reports
from pfdo.db import db
from pfdo.enrollments.models import Contract
from pfdo.providers.models import Provider
from tests import factories
from tests.enrollments.conftest import World, world  # noqa: F401

MARCH = date(2026, 3, 1)


@dataclass
class Billing:
    world: World
    contracts: list[int]
    second_parent: object


@pytest.fixture
def billing(app, world) -> Billing:  # noqa: F811
    first = factories.contract(app, world.parent, world.child, world.group, staff=world.staff)
    parent = factories.user(app, "parent")
    child = factories.child(app, parent, birth_date=date(2015, 9, 1))
    factories.certificate(app, parent, child, coordinator=world.coordinator)
    second = factories.contract(app, parent, child, world.group, staff=world.staff)
    clock.set_frozen(datetime(2026, 4, 2, 3, 0, tzinfo=UTC))
    return Billing(world, [first.id, second.id], parent)


def march_report(app, billing: Billing):
    with app.app_context():
        provider = db.session.get(Provider, billing.world.provider.id)
        return reports.open_report(provider, MARCH, today=date(2026, 4, 2)).id


def contract_row(contract_id: int) -> Contract:
    return db.session.get(Contract, contract_id)
