"""The race harness itself: the threads really run at once, every outcome is kept in order,
and a thread that fails before the race or hangs fails the test."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from pfdo.db import db
from tests.concurrency import race


def test_all_threads_are_inside_the_work_at_the_same_time():
    inside = threading.Barrier(6)  # passes only if six calls wait on it together
    outcomes = race(None, 6, lambda n: inside.wait(timeout=5), timeout=10)
    assert not outcomes.errors, outcomes
    assert sorted(outcomes) == list(range(6))


def test_outcomes_are_in_thread_order_with_what_was_raised():
    outcomes = race(None, 4, lambda n: 12 // n)
    assert isinstance(outcomes[0], ZeroDivisionError)
    assert outcomes[1:] == [12, 6, 4]
    assert outcomes.count(ZeroDivisionError) == 1 and outcomes.count(6) == 1
    assert outcomes.errors == [outcomes[0]]


def test_before_prepares_the_argument_outside_the_race():
    outcomes = race(None, 3, lambda word: word.upper(), before=lambda n: "абв"[n])
    assert outcomes == ["А", "Б", "В"]


def test_a_failure_before_the_race_fails_the_test_at_once():
    def before(n: int) -> int:
        if n == 2:
            raise LookupError("no such row")
        return n

    started = time.monotonic()
    with pytest.raises(AssertionError, match="before the race") as failure:
        race(None, 4, lambda n: n, before=before, timeout=30)
    assert isinstance(failure.value.__cause__, LookupError)
    assert time.monotonic() - started < 5  # the others were not left waiting at the barrier


def test_a_thread_that_hangs_fails_the_test():
    release = threading.Event()
    try:
        with pytest.raises(AssertionError, match="still running"):
            race(None, 2, lambda n: release.wait(timeout=10) if n else None, timeout=0.5)
    finally:
        release.set()


def test_each_thread_has_its_own_app_context_and_session(app):
    together = threading.Barrier(3)

    def work(n: int) -> tuple[int, int]:
        session = db.session()
        together.wait(timeout=5)  # all three sessions alive at once: their ids are distinct
        return session.execute(text("SELECT 1")).scalar(), id(session)

    sessions = race(app, 3, work)
    assert not sessions.errors, sessions
    assert [one for one, _ in sessions] == [1, 1, 1]
    assert len({session for _, session in sessions}) == 3
