"""A program's groups: the provider creates and changes them (directly before the program is
published, through its revision after — `editing.revise`), opens and closes them for requests,
and the rules a group's fields must keep (the same for a live group and a revision's row)."""

from __future__ import annotations

from sqlalchemy import update

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.audit import services as audit
from pfdo.db import db, unit_of_work
from pfdo.errors import DomainError
from pfdo.programs import editing, revisions
from pfdo.programs.editing import Outcome
from pfdo.programs.models import (
    GROUP_NAME_MAX,
    WEEKDAY_SHORT,
    Funding,
    Group,
    GroupSession,
    Program,
    ProgramRevision,
    ProgramStatus,
    RevisionGroup,
)
from pfdo.programs.services import (
    MAX_CAPACITY,
    MAX_SESSIONS,
    GroupData,
    InvalidInput,
    SessionData,
    too_long,
)


def group_problems(program: Program | ProgramRevision, data: GroupData,
                   group: Group | None = None) -> dict[str, str]:
    """Russian messages for the fields of `data` that break the rules (empty if none).
    `program` is the content the group belongs to (a revision has its own funding); `group`
    the live group being changed, whose seats taken bound the capacity. `schedule` collects
    the problems of the schedule rows."""
    problems: dict[str, str] = {}
    if not data.name.strip():
        problems["name"] = "Укажите название группы, например «Группа 1»"
    elif len(data.name.strip()) > GROUP_NAME_MAX:
        problems["name"] = too_long(GROUP_NAME_MAX)
    if data.capacity is None or not 1 <= data.capacity <= MAX_CAPACITY:
        problems["capacity"] = "Мест в группе — от 1 до 200"
    elif group is not None and data.capacity < group.seats_taken:
        problems["capacity"] = (f"В группе уже занято мест: {group.seats_taken}. Меньше "
                                "сделать нельзя")
    if data.starts_on is None:
        problems["starts_on"] = "Укажите дату начала занятий"
    if data.ends_on is None:
        problems["ends_on"] = "Укажите дату окончания занятий"
    elif data.starts_on is not None and data.ends_on <= data.starts_on:
        problems["ends_on"] = "Занятия должны заканчиваться позже, чем начинаются"
    if data.price_per_month is None:
        problems["price_per_month"] = "Укажите цену в месяц"
    elif data.price_per_month < 0:
        problems["price_per_month"] = "Цена не может быть отрицательной"
    elif program.funding == Funding.MUNICIPAL and data.price_per_month != 0:
        problems["price_per_month"] = ("Программа бесплатная (муниципальное задание): цена "
                                       "группы — 0 ₽")
    elif program.funding == Funding.CERTIFIED and data.price_per_month == 0:
        problems["price_per_month"] = ("Укажите цену больше нуля: программа оплачивается "
                                       "сертификатом")
    schedule = schedule_problem(data.sessions)
    if schedule:
        problems["schedule"] = schedule
    return problems


def schedule_problem(sessions: list[SessionData]) -> str | None:
    if not sessions:
        return "Укажите хотя бы одно занятие: день недели и время"
    if len(sessions) > MAX_SESSIONS:
        return f"Не больше {MAX_SESSIONS} занятий в неделю"
    for s in sessions:
        if not 0 <= s.weekday <= 6:
            return "Выберите день недели"
        if s.ends_at <= s.starts_at:
            return (f"{WEEKDAY_SHORT[s.weekday]} {s.starts_at:%H:%M}: занятие должно "
                    "заканчиваться позже, чем начинается")
    seen = set()
    for s in sessions:
        key = (s.weekday, s.starts_at, s.ends_at)
        if key in seen:
            return f"Занятие {WEEKDAY_SHORT[s.weekday]} {s.starts_at:%H:%M} указано дважды"
        seen.add(key)
    ordered = sorted(sessions, key=lambda s: (s.weekday, s.starts_at))
    for a, b in zip(ordered, ordered[1:], strict=False):
        if a.weekday == b.weekday and b.starts_at < a.ends_at:
            return (f"Занятия в {WEEKDAY_SHORT[a.weekday]} пересекаются: "
                    f"{a.starts_at:%H:%M}–{a.ends_at:%H:%M} и "
                    f"{b.starts_at:%H:%M}–{b.ends_at:%H:%M}")
    return None


def _sessions(data: GroupData) -> list[GroupSession]:
    return [GroupSession(weekday=s.weekday, starts_at=s.starts_at, ends_at=s.ends_at)
            for s in data.sessions]


def _group_comment(name: str, labels: list[str]) -> str:
    return f"Группа «{name}»: изменены {', '.join(labels)}"


def create_group(program: Program, data: GroupData, *, actor: User) -> Outcome:
    """A new group of the program; of a published program, a group its revision adds (it
    reaches families when the revision is published).

    Refuses: invalid fields (InvalidInput) — capacity outside 1–200, dates, a price other than
    0 ₽ for a free program or 0 ₽ for a certified one, an empty, duplicated or overlapping
    schedule."""
    content = editing.content_of(program)
    problems = group_problems(content, data)
    if problems:
        raise InvalidInput(problems)
    with unit_of_work():
        name = data.name.strip()
        if program.status == ProgramStatus.PUBLISHED:
            def add(revision: ProgramRevision) -> list[str]:
                revisions.add_group(revision, data)
                return ["new_group"]

            return editing.revise(program, add, actor=actor,
                           describe=lambda _: f"Добавлена группа «{name}»")
        group = Group(program=program, name=name, capacity=data.capacity,
                      starts_on=data.starts_on, ends_on=data.ends_on,
                      price_per_month=data.price_per_month, is_open=True,
                      sessions=_sessions(data))
        db.session.add(group)
        db.session.flush()
        audit.record(actor, "group.created", group)
        program.updated_at = clock.now()
    return Outcome.SAVED


def update_group(group: Group, data: GroupData, *, actor: User) -> Outcome:
    """Save a group's changes: directly for a program not yet published, into the revision
    for a published one.

    Refuses: what create_group refuses, and a capacity below the seats already taken."""
    program = group.program
    problems = group_problems(editing.content_of(program), data, group)
    if problems:
        raise InvalidInput(problems)
    with unit_of_work():
        if program.status == ProgramStatus.PUBLISHED:
            return editing.revise(program, lambda revision: revisions.set_group(
                revisions.row_for(revision, group), data), actor=actor,
                describe=lambda labels: _group_comment(group.name, labels))
        changed = []
        for name in revisions.GROUP_COLUMNS:
            value = getattr(data, name)
            value = value.strip() if isinstance(value, str) else value
            if getattr(group, name) != value:
                changed.append(name)
                setattr(group, name, value)
        old = sorted((s.weekday, s.starts_at, s.ends_at) for s in group.sessions)
        new = sorted((s.weekday, s.starts_at, s.ends_at) for s in data.sessions)
        if old != new:
            group.sessions.clear()
            db.session.flush()  # the old rows go before the new ones arrive
            group.sessions.extend(_sessions(data))
            changed.append("schedule")
        if not changed:
            return Outcome.UNCHANGED
        audit.record(actor, "group.updated", group,
                     {"changed": revisions.changed_labels(changed)})
        program.updated_at = clock.now()
    return Outcome.SAVED


def update_revision_group(row: RevisionGroup, data: GroupData, *, actor: User) -> Outcome:
    """Save a change of a group in the open revision (one the revision adds, or an existing
    group's terms there).

    Refuses: what update_group refuses; a revision decided on a moment ago."""
    revision = row.revision
    program = revision.program
    problems = group_problems(revision, data, row.group)
    if problems:
        raise InvalidInput(problems)
    with unit_of_work():
        current = revisions.open_revision(program)
        if current is None or current.id != revision.id:
            raise DomainError("Эти изменения уже рассмотрены или отменены. Обновите страницу")
        target = next(r for r in current.groups if r.id == row.id)
        return editing.revise(program, lambda revision: revisions.set_group(target, data),
                       actor=actor, describe=lambda labels: _group_comment(row.name, labels))


def toggle_group(group: Group, *, actor: User) -> Group:
    """Open a closed group for enrolment requests or close an open one, at once (whatever
    the program's moderation). Refuses nothing: families already enrolled stay; closing only
    stops new requests."""
    with unit_of_work():
        group.is_open = not group.is_open
        audit.record(actor, "group.opened" if group.is_open else "group.closed", group)
    return group


# --- Seats: the group's one counter, changed only by guarded UPDATEs -------------------------

class GroupFull(DomainError):
    """No free seat is left in the group."""


def take_seat(group: Group) -> None:
    """Take one seat with a guarded UPDATE: under any race, never more than the capacity (the
    CHECK constraint is the last line). Refuses with GroupFull. Flushes only."""
    taken = db.session.execute(
        update(Group).where(Group.id == group.id, Group.seats_taken < Group.capacity)
        .values(seats_taken=Group.seats_taken + 1)
        .execution_options(synchronize_session=False)).rowcount
    if not taken:
        raise GroupFull(f"В группе «{group.name}» не осталось свободных мест: их занял тот, "
                        "кто успел раньше. Можно встать в очередь на освободившееся место.")
    db.session.expire(group, ["seats_taken"])  # read again only if someone looks


def free_seat(group: Group) -> None:
    """Give one seat back (never below zero). Flushes only."""
    db.session.execute(
        update(Group).where(Group.id == group.id, Group.seats_taken > 0)
        .values(seats_taken=Group.seats_taken - 1)
        .execution_options(synchronize_session=False))
    db.session.expire(group, ["seats_taken"])
