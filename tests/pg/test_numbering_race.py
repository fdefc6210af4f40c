"""Certificate numbers under real concurrency on PostgreSQL: every confirmation gets its own
serial, and the counter counts each one once."""

from __future__ import annotations

import pytest

from pfdo.certificates.models import NumberSerial
from pfdo.certificates.numbering import next_number, permute
from pfdo.db import db, unit_of_work
from tests.concurrency import race

pytestmark = pytest.mark.pg

THREADS = 12


def test_concurrent_confirmations_take_distinct_positions_of_the_permutation(app, make):
    make.municipality()
    with app.app_context(), unit_of_work():
        next_number()  # the row and its key exist before the race
    numbers = race(app, THREADS, lambda n: next_number(), unit=True)
    assert not numbers.errors, numbers

    assert len(numbers) == THREADS and len(set(numbers)) == THREADS
    with app.app_context():
        row = db.session.get(NumberSerial, "7905")
        assert row.last_position == THREADS + 1
        expected = {permute(p, row.permutation_key) for p in range(2, THREADS + 2)}
    assert {int(n[4:9]) for n in numbers} == expected
