"""The demo's clock-moving timeline: stories (generators) whose steps run through the real
services at their own moments, all the stories' steps in time order."""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from pfdo import clock
from pfdo.accounts.models import Role, User
from pfdo.db import db
from pfdo.errors import DomainError
from pfdo.programs.models import Group

Story = Generator[datetime, None, None]


class Timeline:
    """Stories are generators: each yields the moment of its next step, and the step (the code
    up to its next yield) runs with the clock frozen at that moment. `run` interleaves all the
    stories' steps in time order. A step a service refuses ends its story there."""

    def __init__(self, now: datetime) -> None:
        self.now, self.current = now, datetime.min.replace(tzinfo=UTC)
        self.heap: list[tuple[datetime, int, Story]] = []
        self.order = itertools.count()
        self.refused = 0

    def add(self, story: Story) -> None:
        self._step(story)

    def _step(self, story: Story) -> None:
        try:
            moment = next(story)
        except StopIteration:
            return
        except DomainError:
            self.refused += 1
            return
        moment = min(max(moment, self.current), self.now)
        heapq.heappush(self.heap, (moment, next(self.order), story))

    def run(self) -> None:
        """Each step starts from an empty session and loads what it needs by id: a commit then
        expires a handful of objects, not every one the seed has touched."""
        with clock.freeze(self.now):
            while self.heap:
                self.current, _, story = heapq.heappop(self.heap)
                clock.set_frozen(self.current)
                db.session.expunge_all()
                self._step(story)
        db.session.expunge_all()


@dataclass
class Plan:
    """What the stories share: the seeded randomness, today, the bounds of the history and
    who answers for the providers."""

    rng: random.Random
    today: date
    #: the first day requests may be sent (the period started before)
    start: date
    #: the expiry job's last run
    last_job: date
    coordinator_id: int
    #: {provider id: the user id of its demo staff member}
    staff: dict[int, int]
    #: the stand-in answering for a provider whose staff have no demo account
    no_account: User = field(default_factory=lambda: User(role=Role.PROVIDER))

    def at(self, day: date) -> datetime:
        """A moment of the local day `day`: 10:00–21:59 in the demo municipality (UTC+10)."""
        return datetime.combine(day, time(self.rng.randint(0, 11), self.rng.randint(0, 59)),
                                UTC)

    def day(self, low: date, high: date) -> date | None:
        low = max(low, self.start)
        high = min(high, self.today)
        return None if low > high else low + timedelta(days=self.rng.randint(
            0, (high - low).days))

    def answerer(self, group: Group) -> User:
        staff = self.staff.get(group.program.provider_id)
        return db.session.get(User, staff) if staff is not None else self.no_account
