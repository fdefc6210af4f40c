"""Moderation: the one state machine of programs and of their revisions, and the
coordinator's decisions (the coordinator's list of programs is programs.queue).

A program goes draft → submitted → published, or → returned with remarks → submitted again.
Once published it stays published: the provider's changes wait in a revision (submitted at
once, returned with remarks → sent again, or withdrawn), and families see the published version
until the coordinator publishes the revision. Every step — of a program or of a revision — goes
through `transition()`: checked against the transition tables in the models, a guarded UPDATE
(two people acting at once: only the first finds the state it expects), the history, the
audit log and, where families' view changes, the search terms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from pfdo import clock, links
from pfdo.accounts.models import User
from pfdo.audit import services as audit
from pfdo.db import db, unit_of_work
from pfdo.errors import DomainError
from pfdo.notifications.services import notify
from pfdo.programs import revisions, search
from pfdo.programs.models import (
    PROGRAM_STATUS_LABELS,
    PROGRAM_TRANSITIONS,
    REMARKS_MAX,
    Program,
    ProgramEvent,
    ProgramRevision,
    ProgramStatus,
)
from pfdo.programs.revision_models import (
    REVISION_STATUS_LABELS,
    REVISION_TRANSITIONS,
    RevisionStatus,
)
from pfdo.programs.services import submission_problem, too_long
from pfdo.providers.models import ProviderStaff


@dataclass(frozen=True)
class Action:
    #: "program" moves the program's status, "revision" its open revision's
    subject: str
    #: the statuses it may start from (None: a revision not yet sent)
    starts: frozenset
    #: the status it leads to; None keeps the status (a change of a revision's content)
    to: str | None
    audit: str
    refusal: str
    #: what the step does besides moving the status: effect(program, revision, actor=)
    effect: Callable | None = None
    #: families' view of the program changes: its search terms are rebuilt
    reindex: bool = False


P, R = ProgramStatus, RevisionStatus
ACTIONS = {
    "submitted": Action("program", frozenset({P.DRAFT, P.RETURNED}), P.SUBMITTED,
                        "program.submitted",
                        "Отправить на модерацию можно черновик или возвращённую программу"),
    "published": Action("program", frozenset({P.SUBMITTED}), P.PUBLISHED, "program.published",
                        "Опубликовать можно только программу, которая на модерации",
                        effect=revisions.record_version, reindex=True),
    "returned": Action("program", frozenset({P.SUBMITTED}), P.RETURNED, "program.returned",
                       "Вернуть на доработку можно только программу, которая на модерации"),
    "revision_submitted": Action("revision", frozenset({None}), R.SUBMITTED,
                                 "program.revision_submitted",
                                 "Изменения этой программы уже отправлены координатору"),
    "revision_updated": Action("revision", frozenset({R.SUBMITTED, R.RETURNED}), None,
                               "program.revision_updated",
                               "Дополнить можно только изменения, которые ещё не рассмотрены"),
    "revision_resubmitted": Action("revision", frozenset({R.RETURNED}), R.SUBMITTED,
                                   "program.revision_resubmitted",
                                   "Отправить снова можно только возвращённые изменения"),
    "revision_published": Action("revision", frozenset({R.SUBMITTED}), R.PUBLISHED,
                                 "program.revision_published",
                                 "Опубликовать можно только изменения, которые на модерации",
                                 effect=revisions.apply, reindex=True),
    "revision_returned": Action("revision", frozenset({R.SUBMITTED}), R.RETURNED,
                                "program.revision_returned",
                                "Вернуть можно только изменения, которые на модерации"),
    "revision_withdrawn": Action("revision", frozenset({R.SUBMITTED, R.RETURNED}),
                                 R.WITHDRAWN, "program.revision_withdrawn",
                                 "Отменить можно только изменения, которые ещё не рассмотрены"),
}
assert all(spec.to in (PROGRAM_TRANSITIONS if spec.subject == "program"
                       else REVISION_TRANSITIONS)[start] or spec.to is None
           for spec in ACTIONS.values() for start in spec.starts)

STALE = "Статус программы только что изменился. Обновите страницу"
STALE_REVISION = ("Поставщик дополнил изменения, пока вы их смотрели. Проверьте их ещё "
                  "раз")


def _label(spec: Action, status) -> str:
    if spec.subject == "program":
        return PROGRAM_STATUS_LABELS[ProgramStatus(status)]
    return REVISION_STATUS_LABELS[RevisionStatus(status)] if status else "изменений нет"


def transition(program: Program, action: str, *, actor: User | None,
               revision: ProgramRevision | None = None, comment: str | None = None,
               details: dict | None = None, seen_edits: int | None = None) -> None:
    """Move the program, or its `revision`, by `action` (a key of ACTIONS), with the step's
    effect, its history event, audit record and (when families' view changes) search terms.
    `seen_edits` is the revision's count of changes the deciding coordinator saw. Flushes;
    the caller's unit of work commits.

    Refuses (DomainError) an action not allowed from the current status — also when another
    user changed it a moment earlier (the guarded UPDATE matches no row then) — a revision of
    a program that is not published, and a decision on a revision changed since it was seen."""
    spec = ACTIONS[action]
    subject = program if spec.subject == "program" else revision
    if spec.subject == "revision" and program.status != ProgramStatus.PUBLISHED:
        raise DomainError("Изменения на модерацию отправляет только опубликованная программа; "
                          f"сейчас она — {PROGRAM_STATUS_LABELS[ProgramStatus(program.status)]}")
    current = subject.status if subject is not None else None
    if current not in spec.starts:
        pronoun = "она" if spec.subject == "program" else "у программы"
        raise DomainError(f"{spec.refusal}; сейчас {pronoun} — {_label(spec, current)}")
    now = clock.now()
    if current is None:
        _send(revision, now)
    else:
        _move(spec, subject, current, now, comment=comment, seen_edits=seen_edits)
    if spec.effect is not None:
        spec.effect(program, revision, actor=actor)
    db.session.add(ProgramEvent(program_id=program.id, action=action, status=program.status,
                                actor_id=actor.id if actor else None, comment=comment))
    moved = {"from": _label(spec, current), "to": _label(spec, spec.to)} if spec.to else {}
    audit.record(actor, spec.audit, program, {
        **({"revision": revision.number} if revision is not None else {}), **moved,
        **({"reason": comment} if spec.to == "returned" else {}), **(details or {})})
    if spec.reindex:
        search.index_program(program)


def _send(revision: ProgramRevision, now) -> None:
    """A new revision goes in submitted; the partial unique index refuses a second open one
    (two first changes racing)."""
    revision.status = RevisionStatus.SUBMITTED
    revision.submitted_at = now
    revision.updated_at = now
    db.session.add(revision)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise DomainError("Изменения этой программы только что отправлены из другого окна. "
                          "Обновите страницу") from error


def _move(spec: Action, subject, current: str, now, *, comment: str | None,
          seen_edits: int | None) -> None:
    model = type(subject)
    values: dict = {"updated_at": now}
    if spec.to is None:
        values["edits"] = model.edits + 1
    else:
        values["status"] = spec.to
    if spec.to == "submitted":
        values["submitted_at"] = now
    if spec.subject == "program" and spec.to == ProgramStatus.PUBLISHED:
        values["published_at"] = now
    if spec.subject == "revision" and spec.to in (R.PUBLISHED, R.RETURNED, R.WITHDRAWN):
        values["decided_at"] = now
    if spec.to == "returned":
        values["remarks"] = comment
    guard = [model.id == subject.id, model.status == current]
    if seen_edits is not None:
        guard.append(model.edits == seen_edits)
    moved = db.session.execute(update(model).where(*guard).values(**values)
                               .execution_options(synchronize_session="fetch")).rowcount
    if moved != 1:
        db.session.refresh(subject)
        raise DomainError(STALE_REVISION if seen_edits is not None
                          and subject.status == current else STALE)


# --- The program's first moderation -------------------------------------------------------

def submit_program(program: Program, *, actor: User) -> Program:
    """Send a draft or returned program to moderation.

    Refuses: another status (a published or already submitted program), no program document,
    no group, a free program with a priced group, a certified one with a free group."""
    with unit_of_work():
        current = ProgramStatus(program.status)
        if current in (ProgramStatus.DRAFT, ProgramStatus.RETURNED):
            problem = submission_problem(program)
            if problem:
                raise DomainError(problem)
        transition(program, "submitted", actor=actor)
    return program


def _publishable(program: Program, content, what: str) -> None:
    if not program.provider.is_approved:
        raise DomainError(f"Поставщик не включён в реестр: {what} нельзя опубликовать")
    problem = submission_problem(content)
    if problem:
        raise DomainError(f"{what.capitalize()} нельзя опубликовать. {problem}")


def publish_program(program: Program, *, actor: User) -> Program:
    """Publish a program that is on moderation and keep the record of this first version;
    tell the provider's staff.

    Refuses: another status (a draft, a returned or a published one), a provider that is not
    in the registry, and what submission refuses (the provider may have edited it since)."""
    with unit_of_work():
        if program.status == ProgramStatus.SUBMITTED:
            _publishable(program, program, "программу")
        transition(program, "published", actor=actor)
        _tell_staff(program, f"Программа «{program.title}» опубликована в навигаторе.",
                    subject="Программа опубликована", template="emails/program_published.txt")
    return program


def _remarks(remarks: str | None) -> str:
    remarks = (remarks or "").strip()
    if not remarks:
        raise DomainError("Напишите замечания: что поставщику исправить", field="remarks")
    if len(remarks) > REMARKS_MAX:
        raise DomainError(too_long(REMARKS_MAX), field="remarks")
    return remarks


def return_program(program: Program, remarks: str, *, actor: User) -> Program:
    """Return a program on moderation to the provider with remarks; tell its staff.

    Refuses: empty or too long remarks (field `remarks`), another status than «на модерации»."""
    remarks = _remarks(remarks)
    with unit_of_work():
        transition(program, "returned", actor=actor, comment=remarks)
        _tell_staff(program, f"Программа «{program.title}» возвращена на доработку: {remarks}",
                    subject="Программа возвращена на доработку",
                    template="emails/program_returned.txt", remarks=remarks)
    return program


# --- A published program's revision ----------------------------------------------------------

def publish_revision(program: Program, *, actor: User, seen_edits: int | None) -> Program:
    """Publish the program's revision on moderation: the program, its groups, the navigator's
    cards and search terms show the new version from this transaction on; tell the staff.

    Refuses: no revision on moderation, one the provider changed since the coordinator saw it
    (`seen_edits`), a provider not in the registry, and what submission refuses."""
    with unit_of_work():
        revision = revisions.open_revision(program)
        if revision is not None and revision.status == RevisionStatus.SUBMITTED:
            _publishable(program, revision, "изменения")
        transition(program, "revision_published", actor=actor, revision=revision,
                   seen_edits=seen_edits)
        _tell_staff(program, f"Изменения программы «{program.title}» опубликованы: семьи видят "
                             "новую версию.", subject="Изменения программы опубликованы",
                    template="emails/program_revision_published.txt")
    return program


def return_revision(program: Program, remarks: str, *, actor: User,
                    seen_edits: int | None) -> Program:
    """Return the revision on moderation with remarks; families keep seeing the published
    version; tell the staff.

    Refuses: empty or too long remarks (field `remarks`), no revision on moderation, one the
    provider changed since the coordinator saw it."""
    remarks = _remarks(remarks)
    with unit_of_work():
        revision = revisions.open_revision(program)
        transition(program, "revision_returned", actor=actor, revision=revision,
                   comment=remarks, seen_edits=seen_edits)
        _tell_staff(program, f"Изменения программы «{program.title}» возвращены на доработку: "
                             f"{remarks}", subject="Изменения программы возвращены",
                    template="emails/program_revision_returned.txt", remarks=remarks)
    return program


def resubmit_revision(program: Program, *, actor: User) -> Program:
    """Send the returned revision to the coordinator again after fixing it.

    Refuses: no returned revision, and what submission refuses."""
    with unit_of_work():
        revision = revisions.open_revision(program)
        if revision is not None and revision.status == RevisionStatus.RETURNED:
            problem = submission_problem(revision)
            if problem:
                raise DomainError(problem)
        transition(program, "revision_resubmitted", actor=actor, revision=revision)
    return program


def withdraw_revision(program: Program, *, actor: User) -> Program:
    """Drop the provider's changes that are still being decided on; the published version
    stays as it is. Refuses: no such changes."""
    with unit_of_work():
        transition(program, "revision_withdrawn", actor=actor,
                   revision=revisions.open_revision(program))
    return program


def _tell_staff(program: Program, text: str, *, subject: str, template: str,
                **context) -> None:
    staff = db.session.scalars(
        select(User).join(ProviderStaff, ProviderStaff.user_id == User.id)
        .where(ProviderStaff.provider_id == program.provider_id)).all()
    url = links.path("programs.detail", program_id=program.id)
    link = links.absolute_url("programs.detail", program_id=program.id)
    for user in staff:
        notify(user, text, url=url, subject=subject, template=template, program=program,
               link=link, **context)
