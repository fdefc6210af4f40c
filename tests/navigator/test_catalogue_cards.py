"""The catalogue cards (the navigator's read model) follow every change in the transaction
that makes it, equal a rewrite from scratch after each, and move on with the municipality's
date; the default order puts programs with a free seat first."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from pfdo.db import db, unit_of_work
from pfdo.municipality.services import local_today
from pfdo.navigator import cards
from pfdo.navigator.models import CatalogueCard
from pfdo.programs.models import Group, Program
from pfdo.providers.models import Provider
from tests import factories
from tests.enrollments.conftest import HOUR_COST


def snapshot() -> list[tuple]:
    return [tuple(getattr(row, c.key) for c in CatalogueCard.__table__.columns)
            for row in db.session.scalars(select(CatalogueCard)
                                          .order_by(CatalogueCard.program_id))]


def assert_cards_equal_a_rewrite(app) -> list[tuple]:
    with app.app_context():
        kept = snapshot()
        with unit_of_work():
            cards.rewrite(db.session, local_today())
        assert snapshot() == kept
        return kept


def card(app, program_id: int) -> CatalogueCard | None:
    with app.app_context():
        row = db.session.get(CatalogueCard, program_id)
        if row is not None:
            db.session.expunge(row)
        return row


def titles(client, **params) -> list[str]:
    html = client.get("/programs", query_string=params).get_data(as_text=True)
    return re.findall(r'<h3 class="h5 card-title"><a href="/programs/\d+">([^<]+)</a>', html)


@pytest.fixture
def setting(app, frozen_clock):
    factories.municipality(app)
    coordinator = factories.user(app, "coordinator")
    factories.period(app, hour_costs={"technical": HOUR_COST})
    staff = factories.user(app, "provider_staff")
    provider = factories.provider(app, staff=staff, short_name="Радуга")
    return coordinator, staff, provider


def test_a_cards_figures_follow_groups_seats_and_the_provider(app, setting):
    coordinator, _, provider = setting
    program = factories.program(app, provider, title="Робототехника")
    assert card(app, program.id).open_rank == 2  # no group yet
    small = factories.group(app, program, capacity=1, price=300_000, weekdays=(0,))
    factories.group(app, program, name="Вторая", capacity=5, price=200_000, weekdays=(2, 4),
                    is_open=False)
    row = card(app, program.id)
    assert (row.min_price, row.seats_free, row.weekdays, row.open_rank) == (300_000, 1, 0b1, 0)
    assert row.provider_name == "Радуга" and row.title == "Робототехника"
    assert_cards_equal_a_rewrite(app)

    # a family takes the last seat through the real services: the program is full
    parent = factories.user(app, "parent")
    child = factories.child(app, parent, birth_date=date(2016, 5, 10))
    factories.certificate(app, parent, child, coordinator=coordinator)
    factories.contract(app, parent, child, small)
    row = card(app, program.id)
    assert (row.seats_free, row.open_rank) == (0, 1)
    assert_cards_equal_a_rewrite(app)

    # the closed group opens: its price and days join the card
    with app.app_context(), unit_of_work():
        db.session.execute(update(Group).where(Group.name == "Вторая").values(is_open=True))
    row = card(app, program.id)
    assert (row.min_price, row.seats_free, row.weekdays, row.open_rank) == (
        200_000, 5, 0b10101, 0)

    # the provider's new name reaches the card; a provider out of the registry takes it away
    with app.app_context(), unit_of_work():
        db.session.get(Provider, provider.id).short_name = "Радуга-2"
    assert card(app, program.id).provider_name == "Радуга-2"
    with app.app_context(), unit_of_work():
        db.session.get(Provider, provider.id).status = "rejected"
    assert card(app, program.id) is None
    assert_cards_equal_a_rewrite(app)


def test_a_program_leaves_the_catalogue_when_unpublished_and_returns(app, setting):
    _, _, provider = setting
    program = factories.program(app, provider, title="Шахматы", rating_total=9, rating_count=2)
    assert card(app, program.id).rating_count == 2
    with app.app_context(), unit_of_work():
        db.session.get(Program, program.id).status = "submitted"
    assert card(app, program.id) is None
    with app.app_context(), unit_of_work():
        db.session.get(Program, program.id).status = "published"
    assert card(app, program.id) is not None
    assert factories.program(app, provider, status="draft").id not in [
        row[0] for row in assert_cards_equal_a_rewrite(app)]


def test_a_group_over_yesterday_no_longer_counts_the_next_day(app, client, setting,
                                                              frozen_clock):
    _, _, provider = setting
    program = factories.program(app, provider, title="Лепка")
    factories.group(app, program, price=150_000, starts_on=date(2026, 1, 10),
                    ends_on=date(2026, 3, 16))
    page = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert "от 1\u00a0500,00\u00a0₽ в месяц" in page
    frozen_clock.advance(timedelta(days=2))  # 17.03: the group ended yesterday
    page = client.get(f"/providers/{provider.id}").get_data(as_text=True)
    assert "нет набора" in page and "набор закрыт" in page
    assert card(app, program.id).min_price is None
    with app.app_context():
        assert db.session.scalar(select(cards.CatalogueVersion.cards_on)) == date(2026, 3, 17)
    assert titles(client, max_price="2000") == []


def test_programs_with_a_free_seat_come_first_then_full_ones_then_closed(app, client,
                                                                         setting):
    _, _, provider = setting
    closed = factories.program(app, provider, title="Акварель для начинающих")
    full = factories.program(app, provider, title="Батик для начинающих")
    factories.group(app, full, capacity=3, seats_taken=3)
    open_ = factories.program(app, provider, title="Вышивка для начинающих")
    factories.group(app, open_, capacity=3, seats_taken=1)
    assert closed.id
    expected = ["Вышивка для начинающих", "Батик для начинающих", "Акварель для начинающих"]
    assert titles(client) == expected
    assert titles(client, q="для начинающих") == expected
    # an explicit order is the family's: by price the closed one (no price) is still last
    assert titles(client, sort="price") == [
        "Батик для начинающих", "Вышивка для начинающих", "Акварель для начинающих"]


def test_a_bulk_statement_rewrites_every_card(app, setting):
    _, _, provider = setting
    first = factories.program(app, provider, title="Первая")
    second = factories.program(app, provider, title="Вторая")
    with app.app_context(), unit_of_work():
        db.session.execute(update(Program).values(age_from=5))
    assert card(app, first.id).age_from == 5 and card(app, second.id).age_from == 5


def test_cards_are_written_on_the_first_read_after_the_migration(app, client, setting):
    _, _, provider = setting
    program = factories.program(app, provider, title="Гончарное дело")
    with app.app_context(), unit_of_work():  # as a database upgraded to 0019 is
        db.session.execute(cards.delete(CatalogueCard))
        db.session.execute(update(cards.CatalogueVersion).values(cards_on=None))
    assert titles(client) == ["Гончарное дело"]
    assert card(app, program.id) is not None


def test_a_guarded_update_of_one_row_rewrites_only_its_programs_card(app, setting):
    _, _, provider = setting
    first = factories.program(app, provider, title="Первая")
    second = factories.program(app, provider, title="Вторая")
    group = factories.group(app, first, capacity=2)
    from pfdo.programs.groups import take_seat
    with app.app_context():
        written = []
        original = cards.rewrite
        cards.rewrite = lambda session, today, ids=None: (written.append(ids),
                                                          original(session, today, ids))
        try:
            with unit_of_work():
                take_seat(db.session.get(Group, group.id))
            with unit_of_work():  # a rating moved by a guarded UPDATE of the program row
                db.session.execute(update(Program).where(Program.id == second.id)
                                   .values(rating_count=Program.rating_count + 1,
                                           rating_total=Program.rating_total + 5))
        finally:
            cards.rewrite = original
    assert written == [{first.id}, {second.id}]
    assert card(app, first.id).seats_free == 1
    assert card(app, second.id).rating_count == 1
