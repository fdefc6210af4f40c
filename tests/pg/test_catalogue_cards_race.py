"""The catalogue cards under concurrent enrolments, real connections on PostgreSQL: families
accepting offers at once in different groups of one program (no group lock orders them) leave
the program's card with the seats actually left — each rewrite ran after the others' commits
(the catalogue version's row lock), none from a snapshot that missed a seat."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from pfdo.db import db, unit_of_work
from pfdo.municipality.services import local_today
from pfdo.navigator import cards
from pfdo.navigator.models import CatalogueCard
from pfdo.programs.models import Group
from tests import factories
from tests.concurrency import race
from tests.pg.test_enrolment_races import accepting, family, setting

pytestmark = pytest.mark.pg

GROUPS = 6


def test_families_enrolling_at_once_in_one_programs_groups_leave_its_card_right(
        app, frozen_clock):
    coordinator, staff, provider = setting(app)
    program = factories.program(app, provider, title="Робототехника")
    groups = [factories.group(app, program, name=f"Группа {n}", capacity=3,
                              starts_on=date(2026, 2, 1), ends_on=date(2026, 12, 31),
                              price=250_000 + n * 10_000)
              for n in range(GROUPS)]
    offer_ids = []
    for n in range(GROUPS * 2):
        parent, child, _ = family(app, coordinator, n)
        offer_ids.append(factories.offer(app, parent, child, groups[n % GROUPS],
                                         staff=staff).id)
    before, work = accepting(app, offer_ids, with_terms=False)

    outcomes = race(app, len(offer_ids), work, before=before, timeout=180)

    assert not outcomes.errors, outcomes
    with app.app_context():
        taken = sum(db.session.scalars(select(Group.seats_taken)
                                       .where(Group.program_id == program.id)))
        assert taken == len(offer_ids)
        row = db.session.get(CatalogueCard, program.id)
        assert row.seats_free == GROUPS * 3 - taken
        kept = (row.seats_free, row.min_price, row.open_rank)
        db.session.expunge(row)
        with unit_of_work():
            cards.rewrite(db.session, local_today())
        again = db.session.get(CatalogueCard, program.id)
        assert (again.seats_free, again.min_price, again.open_rank) == kept
