"""The provider's changes to programs and groups.

A program not yet published changes directly: the coordinator sees it when it is sent. A
published program never does. Its first change (of a field, the document, a group, or a new
group) starts a revision — a copy of the published version — and sends it to the coordinator
at once; further changes go into that revision while it is being decided on. Families see the
published version until the coordinator publishes the revision (pfdo.programs.moderation).
Opening or closing a group for requests is not a change of content: it is immediate."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.audit import services as audit
from pfdo.db import db, unit_of_work
from pfdo.errors import DomainError
from pfdo.programs import moderation, revisions, search
from pfdo.programs.models import (
    Group,
    Program,
    ProgramEvent,
    ProgramRevision,
    ProgramStatus,
    RevisionGroup,
)
from pfdo.programs.revision_models import RevisionStatus
from pfdo.programs.services import (
    PROGRAM_FIELDS,
    InvalidInput,
    ProgramData,
    program_problems,
)
from pfdo.providers.models import Provider
from pfdo.storage import Upload, store


class Outcome(StrEnum):
    """What a provider's change did, for the page to say so."""

    #: a program not yet published changed
    SAVED = "saved"
    #: a published program's change started a revision, now with the coordinator
    SENT = "sent"
    #: the revision with the coordinator got this change too
    ADDED = "added"
    #: the returned revision got this change; the provider sends it again when ready
    KEPT = "kept"
    #: nothing differed from what was there
    UNCHANGED = "unchanged"


def content_of(program: Program) -> Program | ProgramRevision:
    """What the provider edits: the open revision of a published program, or the program."""
    if program.status == ProgramStatus.PUBLISHED:
        return revisions.open_revision(program) or program
    return program


def editable_group(group: Group) -> Group | RevisionGroup:
    """The group as the provider edits it: its row in the open revision, or the group."""
    revision = content_of(group.program)
    if isinstance(revision, ProgramRevision):
        return next((row for row in revision.groups if row.group_id == group.id), group)
    return group


def _comment(labels: list[str]) -> str:
    return f"Изменены: {', '.join(labels)}"


def revise(program: Program, change: Callable[[ProgramRevision], list[str]], *,
            actor: User, describe: Callable[[list[str]], str] = _comment) -> Outcome:
    """Make `change` in the program's open revision, or in a new one sent to the coordinator
    at once. `change` returns the names of what it changed; `describe` their history text."""
    revision = revisions.open_revision(program)
    first = revision is None
    if first:
        revision = revisions.proposal(program, actor=actor)
    changed = change(revision)
    if not changed:
        return Outcome.UNCHANGED
    labels = revisions.changed_labels(changed)
    status = revision.status
    moderation.transition(program, "revision_submitted" if first else "revision_updated",
                          actor=actor, revision=revision, comment=describe(labels),
                          details={"changed": labels})
    if first:
        return Outcome.SENT
    return Outcome.ADDED if status == RevisionStatus.SUBMITTED else Outcome.KEPT


# --- Programs ------------------------------------------------------------------------------

def _set(program: Program, data: ProgramData) -> list[str]:
    """Set the program's fields from `data`; the names of the fields that changed."""
    changed = []
    for name in PROGRAM_FIELDS:
        value = getattr(data, name)
        if isinstance(value, str):
            value = value.strip()
        if getattr(program, name) != value:
            setattr(program, name, value)
            changed.append(name)
    return changed


def create_program(provider: Provider, data: ProgramData, document: Upload | None, *,
                   actor: User) -> Program:
    """A new draft program of the provider, with its document if given.

    Refuses: a provider not in the registry, invalid fields (InvalidInput)."""
    if not provider.is_approved:
        raise DomainError("Добавлять программы можно после включения поставщика в реестр")
    problems = program_problems(data)
    if problems:
        raise InvalidInput(problems)
    with unit_of_work():
        program = Program(provider_id=provider.id, status=ProgramStatus.DRAFT)
        _set(program, data)
        if document is not None:
            program.document_id = store(document, actor=actor).id
        db.session.add(program)
        db.session.flush()
        db.session.add(ProgramEvent(program_id=program.id, action="created",
                                    status=ProgramStatus.DRAFT, actor_id=actor.id))
        audit.record(actor, "program.created", program, {"title": program.title})
        search.index_program(program)
    return program


def update_program(program: Program, data: ProgramData, document: Upload | None, *,
                   actor: User) -> Outcome:
    """Save the provider's changes to the program (and a new document, replacing the old).
    A published program keeps showing its published version: the changes go into its
    revision (see the module docstring).

    Refuses: invalid fields (InvalidInput); a revision decided on a moment ago."""
    problems = program_problems(data)
    if problems:
        raise InvalidInput(problems)
    with unit_of_work():
        stored = store(document, actor=actor) if document is not None else None
        if program.status == ProgramStatus.PUBLISHED:
            return revise(program, lambda revision: revisions.set_content(
                revision, data, stored), actor=actor)
        changed = _set(program, data)
        if stored is not None:
            program.document_id = stored.id
            changed.append("document")
        if not changed:
            return Outcome.UNCHANGED
        program.updated_at = clock.now()
        labels = revisions.changed_labels(changed)
        if program.status != ProgramStatus.DRAFT:
            db.session.add(ProgramEvent(program_id=program.id, action="updated",
                                        status=program.status, actor_id=actor.id,
                                        comment=_comment(labels)))
        search.index_program(program)
        audit.record(actor, "program.updated", program, {"changed": labels})
    return Outcome.SAVED
