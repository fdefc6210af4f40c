"""A published program's revisions: copies of its content and groups that the provider edits
while families keep seeing the published version, the differences the coordinator reviews, and
publication, which copies a revision onto the program and its groups.

Every published version stays as a revision row that is never changed again (the first
publication included), so a contract can point to the version it was made under: its terms
(ages, hours, funding, its group's dates, schedule and price) are that row's and its group
row's, whatever the provider edits later. The helpers here only flush; the use cases in
`editing` and `moderation` own the transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.db import db
from pfdo.money import format_rub
from pfdo.periods.models import DIRECTION_LABELS, Direction
from pfdo.programs import services
from pfdo.programs.models import (
    FUNDING_LABELS,
    Funding,
    Group,
    GroupSession,
    Program,
    ProgramRevision,
    RevisionGroup,
    RevisionSession,
)
from pfdo.programs.revision_models import OPEN_REVISION, RevisionStatus
from pfdo.storage import StoredFile

#: the group columns a revision carries besides the schedule
GROUP_COLUMNS = ("name", "capacity", "starts_on", "ends_on", "price_per_month")


def open_revision(program: Program) -> ProgramRevision | None:
    """The program's revision still being decided on (submitted or returned), with its
    groups, or None. Read afresh: the relationship on the program may predate this request's
    changes."""
    return db.session.scalars(
        select(ProgramRevision)
        .where(ProgramRevision.program_id == program.id,
               ProgramRevision.status.in_(OPEN_REVISION))
        .options(selectinload(ProgramRevision.groups).selectinload(RevisionGroup.sessions),
                 selectinload(ProgramRevision.groups).selectinload(RevisionGroup.group),
                 selectinload(ProgramRevision.document))
    ).first()


def published_version(program: Program) -> ProgramRevision | None:
    """The record of the version families see now (the latest published revision)."""
    return db.session.scalars(
        select(ProgramRevision)
        .where(ProgramRevision.program_id == program.id,
               ProgramRevision.status == RevisionStatus.PUBLISHED)
        .order_by(ProgramRevision.number.desc())
    ).first()


def _next_number(program: Program, *, first_publication: bool) -> int:
    last = db.session.scalar(select(func.max(ProgramRevision.number))
                             .where(ProgramRevision.program_id == program.id))
    if last is None:
        # Number 1 is the first publication, even for a program published before versions
        # were recorded: its first proposal is number 2.
        return 1 if first_publication else 2
    return last + 1


def _copy(program: Program, *, actor: User | None) -> ProgramRevision:
    """A new revision (no status yet, not in the session) with the program's content and a
    row for each of its groups."""
    revision = ProgramRevision(
        program_id=program.id, document_id=program.document_id, edits=0,
        author_id=actor.id if actor is not None else None,
        **{name: getattr(program, name) for name in services.PROGRAM_FIELDS})
    revision.groups = [_copy_group(group) for group in program.groups]
    return revision


def proposal(program: Program, *, actor: User | None) -> ProgramRevision:
    """A copy of the published version for the provider's first change: it has no status and
    is not in the session until `moderation.transition(..., "revision_submitted")` sends it,
    so a change that turns out to change nothing leaves no trace."""
    revision = _copy(program, actor=actor)
    revision.number = _next_number(program, first_publication=False)
    return revision


def record_version(program: Program, revision: ProgramRevision | None = None, *,
                   actor: User | None = None) -> ProgramRevision:
    """Keep the version just published as a revision that never changes again: the
    transition table's effect of a first publication (flushes)."""
    now = clock.now()
    version = _copy(program, actor=actor)
    version.number = _next_number(program, first_publication=True)
    version.status = RevisionStatus.PUBLISHED
    version.submitted_at = program.submitted_at
    version.decided_at = now
    db.session.add(version)
    db.session.flush()
    return version


# --- Changing a revision's content --------------------------------------------------------

def set_content(revision: ProgramRevision, data: services.ProgramData,
                document: StoredFile | None) -> list[str]:
    """Put the provider's program fields (and a new document) into the revision; the names
    of what changed."""
    changed = []
    for name in services.PROGRAM_FIELDS:
        value = getattr(data, name)
        value = value.strip() if isinstance(value, str) else value
        if getattr(revision, name) != value:
            setattr(revision, name, value)
            changed.append(name)
    if document is not None:
        revision.document_id = document.id
        revision.document = document
        changed.append("document")
    return changed


def row_for(revision: ProgramRevision, group: Group) -> RevisionGroup:
    """The revision's row of a live group (a revision copies every group it starts with; a
    group it lacks is copied now)."""
    row = next((row for row in revision.groups if row.group_id == group.id), None)
    if row is None:
        row = _copy_group(group)
        revision.groups.append(row)
    return row


def _copy_group(group: Group) -> RevisionGroup:
    row = RevisionGroup(group_id=group.id, group=group,
                        **{name: getattr(group, name) for name in GROUP_COLUMNS})
    row.sessions = [RevisionSession(weekday=s.weekday, starts_at=s.starts_at,
                                    ends_at=s.ends_at) for s in group.sessions]
    return row


def set_group(row: RevisionGroup, data: services.GroupData) -> list[str]:
    """Put the provider's group fields into the revision's row; the names of what changed."""
    changed = []
    for name in GROUP_COLUMNS:
        value = getattr(data, name)
        value = value.strip() if isinstance(value, str) else value
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(name)
    if _schedule(row.sessions) != _schedule(data.sessions):
        row.sessions = [RevisionSession(weekday=s.weekday, starts_at=s.starts_at,
                                        ends_at=s.ends_at) for s in data.sessions]
        changed.append("schedule")
    return changed


def add_group(revision: ProgramRevision, data: services.GroupData) -> RevisionGroup:
    """A group the revision adds: it reaches families when the revision is published."""
    row = RevisionGroup(name=data.name.strip(),
                        **{name: getattr(data, name) for name in GROUP_COLUMNS[1:]})
    row.sessions = [RevisionSession(weekday=s.weekday, starts_at=s.starts_at,
                                    ends_at=s.ends_at) for s in data.sessions]
    revision.groups.append(row)
    return row


def _schedule(sessions) -> list[tuple]:
    return sorted((s.weekday, s.starts_at, s.ends_at) for s in sessions)


# --- Publication --------------------------------------------------------------------------

def apply(program: Program, revision: ProgramRevision, *, actor: User | None = None) -> None:
    """Make the revision the program's published version: its content onto the program, its
    rows onto the live groups (a new row becomes a new group, open for requests). The
    transition table's effect of publishing a revision (flushes)."""
    for name in services.PROGRAM_FIELDS:
        setattr(program, name, getattr(revision, name))
    program.document_id = revision.document_id
    program.updated_at = clock.now()
    for row in revision.groups:
        group = row.group
        if group is None:
            group = Group(program_id=program.id, is_open=True, seats_taken=0)
            db.session.add(group)
        for name in GROUP_COLUMNS:
            setattr(group, name, getattr(row, name))
        if _schedule(group.sessions) != _schedule(row.sessions):
            group.sessions.clear()
            db.session.flush()  # the old classes go before the new ones arrive
            group.sessions.extend(GroupSession(weekday=s.weekday, starts_at=s.starts_at,
                                               ends_at=s.ends_at) for s in row.sessions)
        db.session.flush()
        row.group_id = group.id
    db.session.flush()
    db.session.expire(program, ["groups", "document"])


# --- The differences the coordinator reviews -------------------------------------------------

@dataclass(frozen=True)
class Change:
    """One field: its Russian name, the published value and the revision's, as read."""

    label: str
    old: str
    new: str


@dataclass(frozen=True)
class GroupChanges:
    name: str
    is_new: bool
    changes: list[Change]


@dataclass
class Differences:
    """What publishing the revision would change, field by field."""

    fields: list[Change] = field(default_factory=list)
    #: (published document, the revision's) when the revision replaces it
    document: tuple[StoredFile | None, StoredFile | None] | None = None
    groups: list[GroupChanges] = field(default_factory=list)
    #: names of the groups the revision leaves as they are
    unchanged_groups: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.fields or self.document or self.groups)


def _shown(name: str, value) -> str:
    if value is None:
        return "—"
    if name == "direction":
        return DIRECTION_LABELS[Direction(value)]
    if name == "funding":
        return FUNDING_LABELS[Funding(value)]
    if name == "price_per_month":
        return format_rub(value)
    if name in ("starts_on", "ends_on"):
        return f"{value:%d.%m.%Y}"
    return str(value)


def differences(program: Program, revision: ProgramRevision) -> Differences:
    """The revision against the published program: changed fields, the document, new and
    changed groups (the names of the others)."""
    result = Differences()
    for name, label in services.PROGRAM_FIELDS.items():
        old, new = getattr(program, name), getattr(revision, name)
        if old != new:
            result.fields.append(Change(label, _shown(name, old), _shown(name, new)))
    if program.document_id != revision.document_id:
        result.document = (program.document, revision.document)
    for row in revision.groups:
        group = row.group
        if group is None:
            result.groups.append(GroupChanges(row.name, True, [
                Change(services.GROUP_FIELDS[name], "", _shown(name, getattr(row, name)))
                for name in GROUP_COLUMNS[1:]]
                + [Change(services.GROUP_FIELDS["schedule"], "",
                          services.schedule_text(row.sessions))]))
            continue
        changes = [Change(services.GROUP_FIELDS[name], _shown(name, getattr(group, name)),
                          _shown(name, getattr(row, name)))
                   for name in GROUP_COLUMNS if getattr(group, name) != getattr(row, name)]
        if _schedule(group.sessions) != _schedule(row.sessions):
            changes.append(Change(services.GROUP_FIELDS["schedule"],
                                  services.schedule_text(group.sessions),
                                  services.schedule_text(row.sessions)))
        if changes:
            result.groups.append(GroupChanges(group.name, False, changes))
        else:
            result.unchanged_groups.append(group.name)
    return result


def changed_labels(names: list[str]) -> list[str]:
    """Russian names of changed program or group fields, for the history and the audit."""
    labels = {**services.PROGRAM_FIELDS, **services.GROUP_FIELDS,
              "document": services.DOCUMENT_LABEL, "new_group": "новая группа"}
    return [labels.get(name, name) for name in names]
