"""The waitlist of a full group (docs/domain.md §8 point 1): a family joins when no seat is
free, sees its place, and gets a time-limited offer when a seat is freed (`offers.advance`)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.audit import services as audit
from pfdo.children.models import Child
from pfdo.db import db, unit_of_work
from pfdo.enrollments import requests
from pfdo.enrollments.models import WaitlistEntry, WaitlistStatus
from pfdo.errors import DomainError, NotFound
from pfdo.programs.models import Group


def join(parent: User, child: Child, group: Group, *, today: date) -> WaitlistEntry:
    """Queue the child for a seat in a full group. Refuses: what a request refuses (age,
    certificate, the program held already…), a group with free seats (send a request), a
    child already queued there."""
    if child.parent_id != parent.id:
        raise NotFound()
    with unit_of_work():
        check = requests.eligibility(child, group, today=today, for_waitlist=True)
        if check.refusals:
            raise DomainError(check.refusals[0])
        if not check.full:
            raise DomainError("В группе есть свободные места: отправьте заявку на обучение")
        entry = WaitlistEntry(group_id=group.id, program_id=group.program_id,
                              parent_id=parent.id, child_id=child.id,
                              certificate_id=requests.certificate_of(child).id,
                              status=WaitlistStatus.WAITING, created_at=clock.now())
        db.session.add(entry)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError as error:
            raise DomainError(f"{child.first_name} уже в очереди в эту группу") from error
        audit.record(parent, "waitlist.joined", entry, {"group": group.id})
    return entry


def leave(entry: WaitlistEntry, *, actor: User) -> WaitlistEntry:
    """The family leaves the queue (an offer already made stays to be answered)."""
    if entry.parent_id != actor.id:
        raise NotFound()
    with unit_of_work():
        done = db.session.execute(
            update(WaitlistEntry).where(WaitlistEntry.id == entry.id,
                                        WaitlistEntry.status == WaitlistStatus.WAITING)
            .values(status=WaitlistStatus.CANCELLED, resolved_at=clock.now())
            .execution_options(synchronize_session=False)).rowcount
        if not done:
            raise DomainError("Вы уже не стоите в этой очереди")
        db.session.refresh(entry)
        audit.record(actor, "waitlist.left", entry)
    return entry


def position(entry: WaitlistEntry) -> int:
    """The entry's place in its group's queue (1 = next to be offered a seat)."""
    return db.session.scalar(select(func.count()).select_from(WaitlistEntry).where(
        WaitlistEntry.group_id == entry.group_id, WaitlistEntry.status == WaitlistStatus.WAITING,
        WaitlistEntry.id <= entry.id))


def positions(entries: list[WaitlistEntry]) -> dict[int, int]:
    """{entry id: place} for waiting entries, in one query."""
    waiting = [e for e in entries if e.status == WaitlistStatus.WAITING]
    if not waiting:
        return {}
    ranked = (select(WaitlistEntry.id, func.row_number().over(
        partition_by=WaitlistEntry.group_id, order_by=WaitlistEntry.id).label("place"))
        .where(WaitlistEntry.group_id.in_({e.group_id for e in waiting}),
               WaitlistEntry.status == WaitlistStatus.WAITING).subquery())
    ids = {e.id for e in waiting}
    return {i: p for i, p in db.session.execute(select(ranked.c.id, ranked.c.place))
            if i in ids}
