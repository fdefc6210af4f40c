"""Reviews under real concurrent connections on PostgreSQL: the UNIQUE index on the contract
decides between two reviews sent at once, and the guarded increments count every review."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pfdo.db import db
from pfdo.enrollments import reviews
from pfdo.enrollments.models import Contract, Review
from pfdo.errors import DomainError
from pfdo.programs.models import Program
from tests import factories
from tests.concurrency import race
from tests.factories.accounts import user_row

pytestmark = pytest.mark.pg

THREADS = 6
TEXT = "Ребёнку нравится, педагог объясняет понятно."


def test_reviews_sent_at_once_for_one_contract_make_one(app, world, frozen_clock):
    signed = factories.contract(app, world.parent, world.child, world.group)
    frozen_clock.advance(timedelta(days=17))

    def write(contract):
        return reviews.write(contract, actor=user_row(world.parent), rating=5, text=TEXT,
                             today=factories.today()).id

    outcomes = race(app, THREADS, write, before=lambda n: db.session.get(Contract, signed.id))
    assert outcomes.count(DomainError) == THREADS - 1
    assert {o.message for o in outcomes.errors} == {reviews.ALREADY}
    with app.app_context():
        assert db.session.query(Review).count() == 1
        program = db.session.get(Program, world.program.id)
        assert (program.rating_total, program.rating_count) == (5, 1)


def test_reviews_of_many_families_at_once_all_count(app, world, frozen_clock):
    families = []
    for n in range(THREADS):
        parent = factories.user(app, "parent")
        child = factories.child(app, parent, first_name="Пётр", sex="male",
                                birth_date=date(2016, 5, 1 + n))
        factories.certificate(app, parent, child, coordinator=world.coordinator)
        families.append((parent.id, factories.contract(app, parent, child, world.group).id))
    frozen_clock.advance(timedelta(days=17))

    def write(args):
        n, parent_id, contract = args
        return reviews.write(contract, actor=user_row(parent_id), rating=n % 5 + 1,
                             text=TEXT, today=factories.today()).id

    outcomes = race(app, THREADS, write, before=lambda n: (
        n, families[n][0], db.session.get(Contract, families[n][1])))
    assert not outcomes.errors
    with app.app_context():
        program = db.session.get(Program, world.program.id)
        assert program.rating_count == THREADS
        assert program.rating_total == sum(n % 5 + 1 for n in range(THREADS))
