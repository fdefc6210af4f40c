"""Certificate serials: a keyed permutation of 1..99999 — never reused, never in order, and the
serials issued in order before it are kept out of its reach."""

from __future__ import annotations

import flask_migrate
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from pfdo.certificates.models import Certificate, NumberSerial
from pfdo.certificates.numbering import SERIALS, next_number, permute
from pfdo.certificates.numbers import luhn_valid
from pfdo.db import db, unit_of_work
from pfdo.errors import DomainError
from tests import factories
from tests.factories import Factories
from tests.test_migrations import scratch_app, scratch_url  # noqa: F401 - fixtures

keys = st.binary(min_size=32, max_size=32).map(bytes.hex)


def test_the_permutation_is_a_bijection_on_every_serial():
    key = "a1" * 32
    serials = [permute(position, key) for position in range(1, SERIALS + 1)]
    assert sorted(serials) == list(range(1, SERIALS + 1))


@settings(max_examples=30, deadline=None)
@given(key=keys, domain=st.integers(min_value=2, max_value=3000))
def test_the_permutation_is_a_bijection_for_any_key_and_domain(key, domain):
    assert sorted(permute(p, key, domain) for p in range(1, domain + 1)) == list(
        range(1, domain + 1))


@settings(max_examples=25, deadline=None)
@given(key=keys)
def test_consecutive_positions_do_not_give_sequential_serials(key):
    serials = [permute(position, key) for position in range(1, 1001)]
    steps = [b - a for a, b in zip(serials, serials[1:], strict=False)]
    # a random permutation steps by +1 about once in 100 000; allow a little luck, not a pattern
    assert sum(step == 1 for step in steps) <= 2
    assert len(set(steps)) > 900


def test_another_key_gives_another_order():
    first = [permute(p, "01" * 32) for p in range(1, 51)]
    second = [permute(p, "02" * 32) for p in range(1, 51)]
    assert first != second


def issue(app, count: int) -> list[str]:
    with app.app_context(), unit_of_work():
        return [next_number() for _ in range(count)]


def test_issued_numbers_keep_the_format_and_are_not_in_order(app, make):
    make.municipality()
    numbers = issue(app, 20)
    assert len(set(numbers)) == 20
    assert all(n.startswith("7905") and len(n) == 10 and luhn_valid(n) for n in numbers)
    serials = [int(n[4:9]) for n in numbers]
    assert serials != sorted(serials)
    assert sum(b - a == 1 for a, b in zip(serials, serials[1:], strict=False)) <= 1
    with app.app_context():
        row = db.session.get(NumberSerial, "7905")
        # the key is random, made on first use and kept in the database (not the SECRET_KEY)
        assert len(row.permutation_key) == 64 and row.last_position == 20
        assert app.config["SECRET_KEY"] not in row.permutation_key


def test_serials_issued_in_order_before_are_never_issued_again_and_the_end_is_a_refusal(
        app, make):
    make.municipality()
    with app.app_context(), unit_of_work():
        # as migrated: 99 990 serials were handed out in order, no key yet
        db.session.add(NumberSerial(prefix="7905", last_position=0, permutation_key=None,
                                    sequential_until=SERIALS - 9))
    numbers = issue(app, 9)
    assert sorted(int(n[4:9]) for n in numbers) == list(range(SERIALS - 8, SERIALS + 1))
    with pytest.raises(DomainError, match="закончились"):
        issue(app, 1)


def test_confirmed_applications_get_numbers_of_the_permutation(app, make):
    make.municipality()
    coordinator = make.user("coordinator")
    parent = make.user("parent")
    first = factories.certificate(app, parent, coordinator=coordinator)
    second = factories.certificate(app, make.user("parent"), coordinator=coordinator,
                                   first_name="Ольга")
    with app.app_context():
        key = db.session.get(NumberSerial, "7905").permutation_key
    assert int(first.number[4:9]) == permute(1, key)
    assert int(second.number[4:9]) == permute(2, key)


def test_the_migration_keeps_the_sequential_serials_out_of_reach(scratch_app):  # noqa: F811
    with scratch_app.app_context():
        flask_migrate.upgrade(revision="0004")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO number_serial (prefix, last_serial) "
                              "VALUES ('7905', 3)"))
        flask_migrate.upgrade()
        row = db.session.get(NumberSerial, "7905")
        assert (row.last_position, row.sequential_until, row.permutation_key) == (0, 3, None)
        db.session.remove()
        flask_migrate.downgrade(revision="0004")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT last_serial FROM number_serial")).scalar() == 0


def test_a_downgrade_continues_above_the_highest_serial_issued(scratch_app):  # noqa: F811
    """After a downgrade the old code issues last_serial + 1: above every permuted serial."""
    with scratch_app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
    make = Factories(scratch_app)
    make.municipality()
    coordinator = make.user("coordinator")
    for first_name in ("Анна", "Ольга", "Ирина"):
        factories.certificate(scratch_app, make.user("parent"), coordinator=coordinator,
                              first_name=first_name)
    with scratch_app.app_context():
        highest = max(int(n[4:9]) for n in db.session.scalars(select(Certificate.number)))
        db.session.remove()
        flask_migrate.downgrade(revision="0004")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT last_serial FROM number_serial")).scalar() == highest
