"""One harness for race tests: real threads released together by a barrier.

    outcomes = race(app, 30, lambda cert: services.grant_financing(cert, actor=None, today=TODAY),
                    before=lambda n: db.session.get(Certificate, cert_ids[n]))
    assert outcomes.count(QuotaExhausted) == 25

Each of the `threads` threads runs in its own app context, so on PostgreSQL it holds its own
connection (the test app's pool is sized for it). `before(n)` (default: `n` itself) runs first,
outside the race; its result is what `work` gets. Then every thread waits at one barrier and calls
`work` at once. What `work` returned or raised is thread n's outcome, in thread order; a failure
in `before` or a thread that does not finish within `timeout` seconds fails the test instead.
With `unit=True` the work runs inside its own `unit_of_work()` (committed on success).
`app=None` races plain threads without an app context.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from pfdo.db import db, unit_of_work


class Outcomes(list):
    """What each thread returned or raised, in thread order."""

    @property
    def errors(self) -> list[BaseException]:
        return [o for o in self if isinstance(o, BaseException)]

    def count(self, value) -> int:
        """How many outcomes equal `value`, or are instances of it if it is an exception class."""
        if isinstance(value, type) and issubclass(value, BaseException):
            return sum(isinstance(o, value) for o in self)
        return super().count(value)


_UNSET = object()


def race(app, threads: int, work: Callable[[Any], Any], *,
         before: Callable[[int], Any] | None = None, unit: bool = False,
         timeout: float = 60) -> Outcomes:
    """Run `work` in `threads` threads at once; return what each returned or raised."""
    barrier = threading.Barrier(threads)
    outcomes: list[Any] = [_UNSET] * threads
    setup_errors: list[BaseException] = []

    def run(n: int) -> None:
        with app.app_context() if app is not None else nullcontext():
            try:
                try:
                    argument = before(n) if before is not None else n
                except BaseException as error:
                    setup_errors.append(error)
                    barrier.abort()
                    return
                try:
                    barrier.wait(timeout=timeout)
                except threading.BrokenBarrierError as error:
                    setup_errors.append(error)
                    return
                try:
                    with unit_of_work() if unit else nullcontext():
                        outcomes[n] = work(argument)
                except Exception as error:  # noqa: BLE001 - the outcome is what the test checks
                    outcomes[n] = error
            finally:
                if app is not None:
                    db.session.remove()

    pool = [threading.Thread(target=run, args=(n,), name=f"race-{n}", daemon=True)
            for n in range(threads)]
    for thread in pool:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in pool:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    hung = [thread.name for thread in pool if thread.is_alive()]
    assert not hung, f"threads still running after {timeout} s: {hung}"
    if setup_errors:
        first = next((e for e in setup_errors if not isinstance(e, threading.BrokenBarrierError)),
                     setup_errors[0])
        raise AssertionError("a thread failed before the race") from first
    assert not any(o is _UNSET for o in outcomes)
    return Outcomes(outcomes)
