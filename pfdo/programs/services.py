"""Programs and groups: the provider's programs, their groups and schedules, the normative
cost, moderation (draft → submitted → published or returned) and re-moderation after a change
of what a family pays for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import selectinload

from pfdo import clock, links
from pfdo.accounts.models import User
from pfdo.audit import services as audit
from pfdo.db import db, unit_of_work
from pfdo.errors import DomainError, NotFound
from pfdo.money import format_rub
from pfdo.municipality import services as municipality
from pfdo.notifications.services import notify
from pfdo.periods import services as periods
from pfdo.periods.models import DIRECTION_LABELS, Direction, FinancingPeriod
from pfdo.programs import search
from pfdo.programs.models import (
    PROGRAM_STATUS_LABELS,
    PROGRAM_TRANSITIONS,
    WEEKDAY_SHORT,
    WEEKS_PER_MONTH,
    Funding,
    Group,
    GroupSession,
    Program,
    ProgramEvent,
    ProgramStatus,
)
from pfdo.providers.access import own_provider_or_404
from pfdo.providers.models import Provider, ProviderStaff
from pfdo.storage import Upload, store

MIN_AGE, MAX_AGE = 5, 17
MAX_MONTHS = 36
MAX_HOURS_PER_WEEK = 20
MAX_CAPACITY = 200
MAX_SESSIONS = 5

#: program fields whose change sends a published program back to moderation, with the
#: Russian names used in the history and the audit log
REMODERATION_FIELDS = {
    "direction": "направленность",
    "age_from": "возраст с",
    "age_to": "возраст по",
    "hours_per_week": "часов в неделю",
    "funding": "финансирование",
}
#: the other editable fields (a published program stays published)
PLAIN_FIELDS = {
    "title": "название",
    "description": "описание",
    "months": "продолжительность",
    "district": "район",
    "address": "адрес",
    "teacher": "педагог",
}
REMODERATION_WARNING = "изменение отправит программу на повторную модерацию"


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
        .options(selectinload(Program.groups).selectinload(Group.sessions),
                 selectinload(Program.events).selectinload(ProgramEvent.actor))
    ).first()
    if program is None:
        raise NotFound()
    return program


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


def get_program_or_404(program_id: int) -> Program:
    """Any program (the coordinator's view)."""
    program = db.session.scalars(
        select(Program).where(Program.id == program_id)
        .options(selectinload(Program.groups).selectinload(Group.sessions),
                 selectinload(Program.events).selectinload(ProgramEvent.actor),
                 selectinload(Program.provider))
    ).first()
    if program is None:
        raise NotFound()
    return program


def provider_programs(provider: Provider, status: str | None = None) -> list[Program]:
    """The provider's programs, newest changes first, with their groups loaded."""
    stmt = (select(Program).where(Program.provider_id == provider.id)
            .options(selectinload(Program.groups))
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


def known_districts() -> list[str]:
    """Districts already used by programs and providers, for the form's suggestions."""
    names = set(db.session.scalars(select(Program.district).distinct()))
    names |= set(db.session.scalars(
        select(Provider.district).where(Provider.district.is_not(None)).distinct()))
    return sorted(n for n in names if n)


def today() -> date:
    return clock.today(municipality.timezone())


def current_period() -> FinancingPeriod | None:
    return periods.current_period(today())


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


def days_waiting(submitted_at: datetime | None, on: date) -> int:
    """Whole days between the submission (in the municipality's time zone) and `on`."""
    if submitted_at is None:
        return 0
    if submitted_at.tzinfo is None:  # SQLite gives back UTC wall time without the zone
        submitted_at = submitted_at.replace(tzinfo=UTC)
    submitted_on = submitted_at.astimezone(ZoneInfo(municipality.timezone())).date()
    return max((on - submitted_on).days, 0)


# --- The normative cost -------------------------------------------------------------------

@dataclass(frozen=True)
class NormativeCost:
    """The program's normative cost per month and how it was computed, or why it could not be."""

    #: kopecks a month, or None
    amount: int | None
    hour_cost: int | None = None
    hours_per_month: int | None = None
    period: FinancingPeriod | None = None
    problem: str | None = None

    @property
    def explanation(self) -> str:
        """«150,00 ₽ за человеко-час × 8 ч в месяц = 1 200,00 ₽ в месяц», or the problem."""
        if self.amount is None:
            return self.problem or ""
        return (f"{format_rub(self.hour_cost)} за человеко-час × {self.hours_per_month} ч "
                f"в месяц = {format_rub(self.amount)} в месяц")


def normative_cost(program: Program, period: FinancingPeriod | None) -> int | None:
    """Kopecks a month: the period's person-hour cost for the program's direction × hours per
    week × WEEKS_PER_MONTH. None without a period or without a cost for the direction."""
    if period is None:
        return None
    hour_cost = period.hour_cost(program.direction)
    if hour_cost is None:
        return None
    return hour_cost * program.hours_per_week * WEEKS_PER_MONTH


def explain_normative_cost(program: Program, period: FinancingPeriod | None) -> NormativeCost:
    """The normative cost with its computation, or the reason it cannot be computed."""
    if period is None:
        return NormativeCost(None, problem="Нормативную стоимость не рассчитать: нет текущего "
                                           "периода финансирования")
    hour_cost = period.hour_cost(program.direction)
    if hour_cost is None:
        label = DIRECTION_LABELS[Direction(program.direction)]
        return NormativeCost(None, period=period, problem=(
            f"Нормативную стоимость не рассчитать: в периоде «{period.title}» не задана "
            f"стоимость человеко-часа для направленности «{label}»"))
    return NormativeCost(normative_cost(program, period), hour_cost=hour_cost,
                         hours_per_month=program.hours_per_week * WEEKS_PER_MONTH,
                         period=period)


def price_above_norm(group: Group, cost: NormativeCost) -> int:
    """How much a certified group's monthly price exceeds the normative cost (0 if not)."""
    if cost.amount is None or group.program.funding != Funding.CERTIFIED:
        return 0
    return max(group.price_per_month - cost.amount, 0)


# --- Validation ----------------------------------------------------------------------------

def program_problems(data: ProgramData) -> dict[str, str]:
    """Russian messages for the fields of `data` that break the rules (empty if none)."""
    problems: dict[str, str] = {}
    if not data.title.strip():
        problems["title"] = "Укажите название программы"
    elif len(data.title.strip()) > 200:
        problems["title"] = "Не длиннее 200 знаков"
    if data.direction not in {str(d) for d in Direction}:
        problems["direction"] = "Выберите направленность"
    if not data.description.strip():
        problems["description"] = "Опишите программу: чему научится ребёнок"
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
    for name, message, limit in (("district", "Укажите район", 100),
                                 ("address", "Укажите адрес занятий", 300),
                                 ("teacher", "Укажите педагога", 200)):
        value = getattr(data, name).strip()
        if not value:
            problems[name] = message
        elif len(value) > limit:
            problems[name] = f"Не длиннее {limit} знаков"
    return problems


def group_problems(program: Program, data: GroupData, group: Group | None = None
                   ) -> dict[str, str]:
    """Russian messages for the fields of `data` that break the rules (empty if none).
    `schedule` collects the problems of the schedule rows."""
    problems: dict[str, str] = {}
    if not data.name.strip():
        problems["name"] = "Укажите название группы, например «Группа 1»"
    elif len(data.name.strip()) > 100:
        problems["name"] = "Не длиннее 100 знаков"
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
    schedule = _schedule_problem(data.sessions)
    if schedule:
        problems["schedule"] = schedule
    return problems


def _schedule_problem(sessions: list[SessionData]) -> str | None:
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


def submission_problem(program: Program) -> str | None:
    """Why the program cannot go to moderation yet (None when it can)."""
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
    return None


# --- The state machine -------------------------------------------------------------------

#: action -> (statuses it may start from, status it leads to, audit action)
ACTIONS = {
    "submitted": ({ProgramStatus.DRAFT, ProgramStatus.RETURNED}, ProgramStatus.SUBMITTED,
                  "program.submitted"),
    "published": ({ProgramStatus.SUBMITTED}, ProgramStatus.PUBLISHED, "program.published"),
    "returned": ({ProgramStatus.SUBMITTED}, ProgramStatus.RETURNED, "program.returned"),
    "changed_to_moderation": ({ProgramStatus.PUBLISHED}, ProgramStatus.SUBMITTED,
                              "program.remoderation"),
}
assert all(to in PROGRAM_TRANSITIONS[s] for starts, to, _ in ACTIONS.values() for s in starts)

_REFUSALS = {
    "submitted": "Отправить на модерацию можно черновик или возвращённую программу",
    "published": "Опубликовать можно только программу, которая на модерации",
    "returned": "Вернуть на доработку можно только программу, которая на модерации",
    "changed_to_moderation": "Снова на модерацию после изменения уходит только "
                             "опубликованная программа",
}


def transition(program: Program, action: str, *, actor: User | None,
               comment: str | None = None, details: dict | None = None) -> None:
    """Move the program by `action` (a key of ACTIONS), checked against PROGRAM_TRANSITIONS,
    with its history event, audit record and search terms. Flushes; the caller's unit of work
    commits.

    Refuses (DomainError) an action that is not allowed from the program's current status,
    including when another user changed the status a moment earlier (the guarded UPDATE
    below matches no row then)."""
    starts, to, audit_action = ACTIONS[action]
    current = ProgramStatus(program.status)
    if current not in starts or to not in PROGRAM_TRANSITIONS[current]:
        raise DomainError(f"{_REFUSALS[action]}; сейчас она — "
                          f"{PROGRAM_STATUS_LABELS[current]}")
    now = clock.now()
    values: dict = {"status": to, "updated_at": now}
    if to == ProgramStatus.SUBMITTED:
        values["submitted_at"] = now
    if to == ProgramStatus.PUBLISHED:
        values["published_at"] = now
    if action == "returned":
        values["remarks"] = comment
    # Two coordinators (or a coordinator and the provider) may act at once: only the first
    # UPDATE finds the status it expects.
    moved = db.session.execute(
        update(Program).where(Program.id == program.id, Program.status == current)
        .values(**values).execution_options(synchronize_session="fetch")).rowcount
    if moved != 1:
        raise DomainError("Статус программы только что изменился. Обновите страницу")
    db.session.add(ProgramEvent(program_id=program.id, action=action, status=to,
                                actor_id=actor.id if actor else None, comment=comment))
    audit.record(actor, audit_action, program,
                 {"from": PROGRAM_STATUS_LABELS[current], "to": PROGRAM_STATUS_LABELS[to],
                  **({"reason": comment} if action == "returned" else {}), **(details or {})})
    search.index_program(program)


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


def publish_program(program: Program, *, actor: User) -> Program:
    """Publish a program that is on moderation; tell the provider's staff.

    Refuses: another status (a draft, a returned or a published one), a provider that is not
    in the registry, and what submission refuses (the provider may have edited it since)."""
    with unit_of_work():
        if program.status == ProgramStatus.SUBMITTED:
            if not program.provider.is_approved:
                raise DomainError("Поставщик не включён в реестр: его программу нельзя "
                                  "опубликовать")
            problem = submission_problem(program)
            if problem:
                raise DomainError(f"Программу нельзя опубликовать. {problem}")
        transition(program, "published", actor=actor)
        _tell_staff(program, f"Программа «{program.title}» опубликована в навигаторе.",
                    subject="Программа опубликована", template="emails/program_published.txt")
    return program


def return_program(program: Program, remarks: str, *, actor: User) -> Program:
    """Return a program on moderation to the provider with remarks; tell its staff.

    Refuses: empty remarks (field `remarks`), another status than «на модерации»."""
    remarks = (remarks or "").strip()
    if not remarks:
        raise DomainError("Напишите замечания: что поставщику исправить", field="remarks")
    with unit_of_work():
        transition(program, "returned", actor=actor, comment=remarks)
        _tell_staff(program, f"Программа «{program.title}» возвращена на доработку: {remarks}",
                    subject="Программа возвращена на доработку",
                    template="emails/program_returned.txt", remarks=remarks)
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


# --- Programs ------------------------------------------------------------------------------

def _apply(program: Program, data: ProgramData) -> list[str]:
    """Set the program's fields from `data`; the names of the fields that changed."""
    changed = []
    for name in (*REMODERATION_FIELDS, *PLAIN_FIELDS):
        value = getattr(data, name)
        if isinstance(value, str):
            value = value.strip()
        if getattr(program, name) != value:
            setattr(program, name, value)
            changed.append(name)
    return changed


def _labels(names) -> list[str]:
    labels = {**REMODERATION_FIELDS, **PLAIN_FIELDS, "document": "документ программы"}
    return [labels[n] for n in names]


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
        _apply(program, data)
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
                   actor: User) -> bool:
    """Save the provider's changes (and a new document, replacing the old one).

    A published program whose direction, ages, hours or funding changed goes back to
    moderation; other changes keep its status. Returns True when it went back to moderation.
    Refuses: invalid fields (InvalidInput)."""
    problems = program_problems(data)
    if problems:
        raise InvalidInput(problems)
    with unit_of_work():
        changed = _apply(program, data)
        if document is not None:
            program.document_id = store(document, actor=actor).id
            changed.append("document")
        if not changed:
            return False
        program.updated_at = clock.now()
        labels = _labels(changed)
        remoderate = (program.status == ProgramStatus.PUBLISHED
                      and any(name in REMODERATION_FIELDS for name in changed))
        if remoderate:
            transition(program, "changed_to_moderation", actor=actor,
                       comment=f"Изменены: {', '.join(labels)}", details={"changed": labels})
        else:
            if program.status != ProgramStatus.DRAFT:
                db.session.add(ProgramEvent(program_id=program.id, action="updated",
                                            status=program.status, actor_id=actor.id,
                                            comment=f"Изменены: {', '.join(labels)}"))
            search.index_program(program)
        audit.record(actor, "program.updated", program, {"changed": labels})
    return remoderate


# --- Groups -------------------------------------------------------------------------------

def _sessions(data: GroupData) -> list[GroupSession]:
    return [GroupSession(weekday=s.weekday, starts_at=s.starts_at, ends_at=s.ends_at)
            for s in data.sessions]


def create_group(program: Program, data: GroupData, *, actor: User) -> tuple[Group, bool]:
    """A new group of the program. A new group of a published program sends the program back
    to moderation (the coordinator checks its price). Returns (group, sent_to_moderation).

    Refuses: invalid fields (InvalidInput) — capacity outside 1–200, dates, a price other than
    0 ₽ for a free program or 0 ₽ for a certified one, an empty, duplicated or overlapping
    schedule."""
    problems = group_problems(program, data)
    if problems:
        raise InvalidInput(problems)
    with unit_of_work():
        group = Group(program=program, name=data.name.strip(), capacity=data.capacity,
                      starts_on=data.starts_on, ends_on=data.ends_on,
                      price_per_month=data.price_per_month, is_open=True,
                      sessions=_sessions(data))
        db.session.add(group)
        db.session.flush()
        audit.record(actor, "group.created", group)
        remoderate = program.status == ProgramStatus.PUBLISHED
        if remoderate:
            transition(program, "changed_to_moderation", actor=actor,
                       comment=f"Добавлена группа «{group.name}»")
        program.updated_at = clock.now()
    return group, remoderate


def update_group(group: Group, data: GroupData, *, actor: User) -> bool:
    """Save a group's changes. A new price of a group of a published program sends the
    program back to moderation; capacity, dates, schedule and name do not. Returns True when
    the program went back to moderation.

    Refuses: what create_group refuses, and a capacity below the seats already taken."""
    program = group.program
    problems = group_problems(program, data, group)
    if problems:
        raise InvalidInput(problems)
    with unit_of_work():
        changed = []
        for name in ("name", "capacity", "starts_on", "ends_on", "price_per_month"):
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
            return False
        labels = [{"name": "название", "capacity": "мест", "starts_on": "начало",
                   "ends_on": "окончание", "price_per_month": "цена",
                   "schedule": "расписание"}[n] for n in changed]
        audit.record(actor, "group.updated", group, {"changed": labels})
        remoderate = (program.status == ProgramStatus.PUBLISHED
                      and "price_per_month" in changed)
        if remoderate:
            transition(program, "changed_to_moderation", actor=actor,
                       comment=f"Изменена цена группы «{group.name}»: "
                               f"{format_rub(group.price_per_month)} в месяц")
        program.updated_at = clock.now()
    return remoderate


def toggle_group(group: Group, *, actor: User) -> Group:
    """Open a closed group for enrolment requests or close an open one. Refuses nothing:
    families already enrolled stay; closing only stops new requests."""
    with unit_of_work():
        group.is_open = not group.is_open
        audit.record(actor, "group.opened" if group.is_open else "group.closed", group)
    return group


# --- The coordinator's queue ----------------------------------------------------------------

#: the filter's value for "every status"
ALL = "all"


@dataclass(frozen=True)
class ModerationFilter:
    status: str = ProgramStatus.SUBMITTED
    direction: str = ""
    query: str = ""


def moderation_queue(flt: ModerationFilter, *, page: int = 1, per_page: int = 30):
    """Programs for the coordinator: on moderation by default, oldest submission first;
    by direction and by words of the title or the provider's name."""
    stmt = (select(Program).join(Provider, Program.provider_id == Provider.id)
            .options(selectinload(Program.provider), selectinload(Program.groups)))
    if flt.status and flt.status != ALL:
        stmt = stmt.where(Program.status == flt.status)
    if flt.direction:
        stmt = stmt.where(Program.direction == flt.direction)
    text = flt.query.strip().lower()
    if text:
        stmt = stmt.where(or_(
            func.lower(Program.title).contains(text, autoescape=True),
            func.lower(Provider.short_name).contains(text, autoescape=True),
            func.lower(Provider.full_name).contains(text, autoescape=True)))
    if flt.status == ProgramStatus.SUBMITTED:
        stmt = stmt.order_by(Program.submitted_at.asc(), Program.id)
    else:
        stmt = stmt.order_by(Program.updated_at.desc(), Program.id.desc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def status_count_summary(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    """[(status, Russian label, count)] in the order of the moderation's steps."""
    return [(str(s), PROGRAM_STATUS_LABELS[s], counts.get(str(s), 0)) for s in ProgramStatus]

