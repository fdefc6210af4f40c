"""Programs, the core: the commands the forms build, loaders, validation (the same
rules for a program and for a revision of it) and presentation helpers.

The use cases live beside it: `editing` (the provider's changes: direct on a program not yet
published, a revision once it is), `groups` (a program's groups and their rules),
`moderation` (the state machine and the coordinator's decisions), `revisions` (a published
program's versions and their differences) and `cost` (the normative cost)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from pfdo.db import db
from pfdo.errors import DomainError, NotFound
from pfdo.municipality import services as municipality
from pfdo.periods import services as periods
from pfdo.periods.models import Direction, FinancingPeriod
from pfdo.programs.models import (
    ADDRESS_MAX,
    DESCRIPTION_MAX,
    DISTRICT_MAX,
    PROGRAM_STATUS_LABELS,
    TEACHER_MAX,
    TITLE_MAX,
    WEEKDAY_SHORT,
    Funding,
    Group,
    Program,
    ProgramEvent,
    ProgramRevision,
    ProgramStatus,
    RevisionGroup,
)
from pfdo.programs.revision_models import OPEN_REVISION
from pfdo.providers.access import own_provider_or_404
from pfdo.providers.models import Provider

MIN_AGE, MAX_AGE = 5, 17
MAX_MONTHS = 36
MAX_HOURS_PER_WEEK = 20
MAX_CAPACITY = 200
MAX_SESSIONS = 5

#: the program's editable fields in the form's order, with the Russian names the history,
#: the audit log and the differences use. Once the program is published a change of any of
#: them (or of the document, or of a group) waits for the coordinator in a revision.
PROGRAM_FIELDS = {
    "title": "название",
    "direction": "направленность",
    "description": "описание",
    "age_from": "возраст с",
    "age_to": "возраст по",
    "months": "продолжительность",
    "hours_per_week": "часов в неделю",
    "funding": "финансирование",
    "district": "район",
    "address": "адрес",
    "teacher": "педагог",
}
DOCUMENT_LABEL = "документ программы"
#: a group's fields that a revision carries (whether it takes requests is not among them)
GROUP_FIELDS = {
    "name": "название",
    "capacity": "мест",
    "starts_on": "начало",
    "ends_on": "окончание",
    "price_per_month": "цена",
    "schedule": "расписание",
}


def too_long(limit: int) -> str:
    """The message beside a field whose text is longer than `limit` characters."""
    return f"Не длиннее {limit} символов"


class InvalidInput(DomainError):
    """Several refused fields at once: `problems` maps a field to its Russian message; the
    message of the exception is the first of them."""

    def __init__(self, problems: dict[str, str]):
        field_name, message = next(iter(problems.items()))
        super().__init__(message, field=field_name)
        self.problems = problems


# --- Commands ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ProgramData:
    title: str
    direction: str
    description: str
    age_from: int | None
    age_to: int | None
    months: int | None
    hours_per_week: int | None
    funding: str
    district: str
    address: str
    teacher: str


@dataclass(frozen=True)
class SessionData:
    weekday: int
    starts_at: time
    ends_at: time


@dataclass(frozen=True)
class GroupData:
    name: str
    capacity: int | None
    starts_on: date | None
    ends_on: date | None
    #: kopecks a month
    price_per_month: int | None
    sessions: list[SessionData] = field(default_factory=list)


# --- Loaders -------------------------------------------------------------------------------

def get_own_program_or_404(program_id: int, user) -> Program:
    """The program if it belongs to the user's provider; 404 for anyone else's."""
    provider = own_provider_or_404(user)
    program = db.session.scalars(
        select(Program).where(Program.id == program_id, Program.provider_id == provider.id)
        .options(*_program_page_loads())
    ).first()
    if program is None:
        raise NotFound()
    return program


def _program_page_loads() -> tuple:
    """What a program's page shows: groups with classes, history, the open revision."""
    return (selectinload(Program.groups).selectinload(Group.sessions),
            selectinload(Program.events).selectinload(ProgramEvent.actor),
            selectinload(Program.open_revision).selectinload(ProgramRevision.groups)
            .selectinload(RevisionGroup.sessions),
            selectinload(Program.open_revision).selectinload(ProgramRevision.groups)
            .selectinload(RevisionGroup.group))


def get_own_group_or_404(group_id: int, user) -> Group:
    """The group if its program belongs to the user's provider; 404 for anyone else's."""
    provider = own_provider_or_404(user)
    group = db.session.scalars(
        select(Group).join(Program).where(Group.id == group_id,
                                          Program.provider_id == provider.id)
    ).first()
    if group is None:
        raise NotFound()
    return group


def get_own_revision_group_or_404(row_id: int, user) -> RevisionGroup:
    """A group of an open revision of the user's provider's program; 404 for anyone else's
    and for a revision already published or withdrawn."""
    provider = own_provider_or_404(user)
    row = db.session.scalars(
        select(RevisionGroup).join(RevisionGroup.revision).join(ProgramRevision.program)
        .where(RevisionGroup.id == row_id, Program.provider_id == provider.id,
               ProgramRevision.status.in_(OPEN_REVISION))
    ).first()
    if row is None:
        raise NotFound()
    return row


def get_program_or_404(program_id: int) -> Program:
    """Any program (the coordinator's view)."""
    program = db.session.scalars(
        select(Program).where(Program.id == program_id)
        .options(*_program_page_loads(), selectinload(Program.provider))
    ).first()
    if program is None:
        raise NotFound()
    return program


def provider_programs(provider: Provider, status: str | None = None) -> list[Program]:
    """The provider's programs, newest changes first, with their groups loaded."""
    stmt = (select(Program).where(Program.provider_id == provider.id)
            .options(selectinload(Program.groups), selectinload(Program.open_revision))
            .order_by(Program.updated_at.desc(), Program.id.desc()))
    if status:
        stmt = stmt.where(Program.status == status)
    return list(db.session.scalars(stmt))


def status_counts(provider: Provider) -> dict[str, int]:
    """How many of the provider's programs are in each status (every status present)."""
    rows = db.session.execute(
        select(Program.status, func.count()).where(Program.provider_id == provider.id)
        .group_by(Program.status)).all()
    counts = {str(s): 0 for s in ProgramStatus}
    counts.update({status: n for status, n in rows})
    return counts


def status_count_summary(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    """[(status, Russian label, count)] in the order of the moderation's steps."""
    return [(str(s), PROGRAM_STATUS_LABELS[s], counts.get(str(s), 0)) for s in ProgramStatus]


def known_districts() -> list[str]:
    """Districts already used by programs and providers, for the form's suggestions."""
    names = set(db.session.scalars(select(Program.district).distinct()))
    names |= set(db.session.scalars(
        select(Provider.district).where(Provider.district.is_not(None)).distinct()))
    return sorted(n for n in names if n)


def current_period() -> FinancingPeriod | None:
    """The period in force on the municipality's today."""
    return periods.current_period(municipality.local_today())


# --- Presentation helpers (pure) --------------------------------------------------------

def schedule_text(sessions) -> str:
    """«пн, ср 15:00–16:30; сб 10:00–11:30»: days with the same hours share one entry."""
    by_time: dict[tuple[time, time], list[int]] = {}
    for s in sorted(sessions, key=lambda s: (s.weekday, s.starts_at)):
        by_time.setdefault((s.starts_at, s.ends_at), []).append(s.weekday)
    parts = sorted(by_time.items(), key=lambda item: (min(item[1]), item[0][0]))
    return "; ".join(
        f"{', '.join(WEEKDAY_SHORT[d] for d in days)} "
        f"{start:%H:%M}–{end:%H:%M}" for (start, end), days in parts)




# --- Validation ----------------------------------------------------------------------------

def program_problems(data: ProgramData) -> dict[str, str]:
    """Russian messages for the fields of `data` that break the rules (empty if none)."""
    problems: dict[str, str] = {}
    if not data.title.strip():
        problems["title"] = "Укажите название программы"
    elif len(data.title.strip()) > TITLE_MAX:
        problems["title"] = too_long(TITLE_MAX)
    if data.direction not in {str(d) for d in Direction}:
        problems["direction"] = "Выберите направленность"
    if not data.description.strip():
        problems["description"] = "Опишите программу: чему научится ребёнок"
    elif len(data.description.strip()) > DESCRIPTION_MAX:
        problems["description"] = too_long(DESCRIPTION_MAX)
    if data.age_from is None or not MIN_AGE <= data.age_from <= MAX_AGE:
        problems["age_from"] = "Возраст от 5 до 17 лет"
    if data.age_to is None or not MIN_AGE <= data.age_to <= MAX_AGE:
        problems["age_to"] = "Возраст от 5 до 17 лет"
    elif data.age_from is not None and "age_from" not in problems \
            and data.age_from > data.age_to:
        problems["age_to"] = "Возраст «по» не может быть меньше возраста «с»"
    if data.months is None or not 1 <= data.months <= MAX_MONTHS:
        problems["months"] = "Продолжительность от 1 до 36 месяцев"
    if data.hours_per_week is None or not 1 <= data.hours_per_week <= MAX_HOURS_PER_WEEK:
        problems["hours_per_week"] = "От 1 до 20 часов в неделю"
    if data.funding not in {str(f) for f in Funding}:
        problems["funding"] = "Выберите, как оплачивается программа"
    for name, message, limit in (("district", "Укажите район", DISTRICT_MAX),
                                 ("address", "Укажите адрес занятий", ADDRESS_MAX),
                                 ("teacher", "Укажите педагога", TEACHER_MAX)):
        value = getattr(data, name).strip()
        if not value:
            problems[name] = message
        elif len(value) > limit:
            problems[name] = too_long(limit)
    return problems


def submission_problem(program: Program | ProgramRevision) -> str | None:
    """Why the program (or a revision of it) cannot go to moderation yet (None when it can).
    A revision's groups must also keep room for the seats their live groups have taken."""
    if program.document_id is None:
        return "Приложите документ программы (учебно-тематический план в PDF)"
    if not program.groups:
        return "Добавьте хотя бы одну группу с расписанием и ценой"
    if program.funding == Funding.MUNICIPAL:
        priced = [g.name for g in program.groups if g.price_per_month != 0]
        if priced:
            return ("Программа бесплатная (муниципальное задание), а у групп указана цена: "
                    f"{', '.join(priced)}. Укажите цену 0 ₽")
    else:
        free = [g.name for g in program.groups if g.price_per_month == 0]
        if free:
            return ("Программа оплачивается сертификатом, а у групп цена 0 ₽: "
                    f"{', '.join(free)}. Укажите цену в месяц")
    for group in program.groups:
        if group.capacity < group.seats_taken:
            return (f"В группе «{group.name}» уже занято мест: {group.seats_taken}, а в "
                    f"изменениях их {group.capacity}. Мест не может быть меньше")
    return None
