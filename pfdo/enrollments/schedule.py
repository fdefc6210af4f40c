"""A child's classes across all groups: the collisions a new request would make (a warning
the parent may override), and the week of classes the parent's pages and calendar show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pfdo.children.models import Child
from pfdo.db import db
from pfdo.enrollments.models import (
    LIVE_CONTRACT,
    Contract,
    ContractStatus,
    EnrollmentRequest,
    RequestStatus,
)
from pfdo.programs.models import WEEKDAY_SHORT, Group


@dataclass(frozen=True)
class Lesson:
    """One weekly class of one of the child's groups."""

    weekday: int
    starts_at: time
    ends_at: time
    group: Group
    contract: Contract | None

    @property
    def weekday_short(self) -> str:
        return WEEKDAY_SHORT[self.weekday]


def _overlap(a: Group, b: Group) -> bool:
    return a.starts_on <= b.ends_on and b.starts_on <= a.ends_on


def held_groups(child: Child, *, today: date | None = None) -> list[tuple[Group, Contract | None]]:
    """The groups the child attends or is about to (active contracts and offers), and those
    it has asked for (pending requests), with the contract when there is one."""
    contracts = db.session.scalars(
        select(Contract).where(Contract.child_id == child.id,
                               Contract.status.in_(LIVE_CONTRACT))
        .options(selectinload(Contract.group).selectinload(Group.sessions),
                 selectinload(Contract.program))).all()
    requests = db.session.scalars(
        select(EnrollmentRequest).where(EnrollmentRequest.child_id == child.id,
                                        EnrollmentRequest.status == RequestStatus.PENDING)
        .options(selectinload(EnrollmentRequest.group).selectinload(Group.sessions))).all()
    held = [(c.group, c) for c in contracts]
    held += [(r.group, None) for r in requests]
    if today is not None:
        held = [(g, c) for g, c in held if g.ends_on >= today]
    return held


def conflicts(child: Child, group: Group) -> list[str]:
    """The child's classes that `group`'s classes collide with: the same weekday, times that
    overlap, in groups whose dates overlap. «пн 15:00–16:30 — «Шахматы», группа 1»."""
    found = []
    for other, _ in held_groups(child):
        if other.id == group.id or not _overlap(group, other):
            continue
        for mine in group.sessions:
            for theirs in other.sessions:
                if mine.weekday == theirs.weekday and mine.starts_at < theirs.ends_at \
                        and theirs.starts_at < mine.ends_at:
                    found.append(f"{theirs.weekday_short} {theirs.starts_at:%H:%M}–"
                                 f"{theirs.ends_at:%H:%M} — «{other.program.title}», "
                                 f"группа «{other.name}»")
    return found


def week(child: Child, *, today: date) -> list[Lesson]:
    """The child's weekly classes in the groups it attends (active contracts that have not
    ended), Monday first, then by time."""
    lessons = []
    for group, contract in held_groups(child, today=today):
        if contract is None or contract.status != ContractStatus.ACTIVE:
            continue
        if contract.ends_on is not None and contract.ends_on < today:
            continue
        for session in group.sessions:
            lessons.append(Lesson(session.weekday, session.starts_at, session.ends_at, group,
                                  contract))
    return sorted(lessons, key=lambda x: (x.weekday, x.starts_at, x.group.id))
