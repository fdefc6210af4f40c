"""The demo's program versions: the record of version 1 of every published program (as the
first publication keeps it), and one published program of the demo provider whose changes —
a longer description, a new price of a group and a new group — wait for the coordinator while
families see the published version."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.db import db
from pfdo.programs import revisions
from pfdo.programs.models import (
    Funding,
    Group,
    Program,
    ProgramEvent,
    ProgramStatus,
    RevisionGroup,
    RevisionSession,
)
from pfdo.programs.revision_models import RevisionStatus
from pfdo.providers.models import Provider

#: what the demo's pending changes add to the description
MORE_DESCRIPTION = ("\n\nС нового года занятия проходят в обновлённом кабинете: новые "
                    "наборы и выставка работ в конце каждого месяца.")
#: the demo's pending price rise of a group, kopecks a month
PRICE_RISE = 30_000


def seed_revisions(demo_provider: Provider, staff: User | None) -> None:
    """Version records for the published programs, and the demo provider's pending changes.
    Runs in the caller's unit of work (flushes)."""
    published = list(db.session.scalars(
        select(Program).where(Program.status == ProgramStatus.PUBLISHED)
        .options(selectinload(Program.groups).selectinload(Group.sessions))
        .order_by(Program.id)))
    for program in published:
        revisions.record_version(program)
    candidates = [p for p in published if p.provider_id == demo_provider.id and p.groups
                  and p.funding == Funding.CERTIFIED]
    if not candidates:
        return
    program = candidates[0]
    now = clock.now()
    revision = revisions.proposal(program, actor=staff)
    revision.description = program.description + MORE_DESCRIPTION
    first = revision.groups[0]
    first.price_per_month += PRICE_RISE
    revision.groups.append(RevisionGroup(
        name="Группа выходного дня", capacity=10, starts_on=first.starts_on,
        ends_on=first.ends_on, price_per_month=first.price_per_month,
        sessions=[RevisionSession(weekday=5, starts_at=time(11), ends_at=time(12, 30))]))
    revision.status = RevisionStatus.SUBMITTED
    revision.submitted_at = revision.created_at = revision.updated_at = now - timedelta(days=2)
    db.session.add(revision)
    db.session.add(ProgramEvent(
        program_id=program.id, action="revision_submitted", status=program.status,
        actor=staff, at=now - timedelta(days=2),
        comment=f"Изменены: описание; группа «{first.name}»: цена; добавлена группа "
                "«Группа выходного дня»"))
    db.session.flush()
