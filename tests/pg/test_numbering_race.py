"""Certificate numbers under real concurrency on PostgreSQL: every confirmation gets its own
serial, and the counter counts each one once."""

from __future__ import annotations

import threading

import pytest

from pfdo.certificates.models import NumberSerial
from pfdo.certificates.numbering import next_number, permute
from pfdo.db import db, unit_of_work

pytestmark = pytest.mark.pg

THREADS = 12


def test_concurrent_confirmations_take_distinct_positions_of_the_permutation(app, make):
    make.municipality()
    with app.app_context(), unit_of_work():
        next_number()  # the row and its key exist before the race
    barrier = threading.Barrier(THREADS)
    numbers: list[str] = []
    lock = threading.Lock()

    def confirm() -> None:
        with app.app_context():
            barrier.wait(timeout=60)
            try:
                with unit_of_work():
                    number = next_number()
            finally:
                db.session.remove()
        with lock:
            numbers.append(number)

    threads = [threading.Thread(target=confirm) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(numbers) == THREADS and len(set(numbers)) == THREADS
    with app.app_context():
        row = db.session.get(NumberSerial, "7905")
        assert row.last_position == THREADS + 1
        expected = {permute(p, row.permutation_key) for p in range(2, THREADS + 2)}
    assert {int(n[4:9]) for n in numbers} == expected
