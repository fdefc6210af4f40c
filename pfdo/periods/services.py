"""Financing periods: create and edit them, find the current one, the rules they imply."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select, update

from pfdo.accounts.models import User
from pfdo.audit import services as audit
from pfdo.db import db, get_or_not_found, unit_of_work
from pfdo.errors import DomainError
from pfdo.formatting import count_with_noun, plural
from pfdo.ledger import services as ledger
from pfdo.ledger.models import AccountKind
from pfdo.money import format_rub
from pfdo.periods.models import Direction, FinancingPeriod, NominalBand, PersonHourCost


@dataclass(frozen=True)
class Band:
    age_from: int
    age_to: int
    nominal: int


@dataclass(frozen=True)
class PeriodData:
    title: str
    starts_on: date | None
    ends_on: date | None
    nominal: int
    quota: int
    budget: int
    free_program_limit: int
    provider_answer_days: int
    offer_accept_days: int = 5
    #: the day of the next month a month's service report is due by (1..28)
    report_due_day: int = 5
    bands: list[Band] = field(default_factory=list)
    #: direction code -> kopecks per person-hour
    hour_costs: dict[str, int] = field(default_factory=dict)


class QuotaExhausted(DomainError):
    """No financing place is left in the period."""


#: {day: period id} on the database session: one look-up per request or job and day (an
#: enrolment reads the period four times); save_period forgets it
CURRENT_PERIOD_CACHE = "pfdo.current_period"


def current_period(today: date) -> FinancingPeriod | None:
    """The period that contains `today` (the municipality's date)."""
    cache = db.session.info.setdefault(CURRENT_PERIOD_CACHE, {})
    if today in cache:
        period = db.session.get(FinancingPeriod, cache[today])
        if period is not None and period.contains(today):
            return period
    period = db.session.scalars(
        select(FinancingPeriod).where(FinancingPeriod.starts_on <= today,
                                      FinancingPeriod.ends_on >= today)
    ).first()
    if period is not None:
        cache[today] = period.id
    return period


def all_periods() -> list[FinancingPeriod]:
    return db.session.scalars(select(FinancingPeriod).order_by(FinancingPeriod.starts_on.desc())
                              ).all()


def get_or_404(period_id: int) -> FinancingPeriod:
    return get_or_not_found(FinancingPeriod, period_id)


def _check(data: PeriodData, existing: FinancingPeriod | None, today: date) -> None:
    if not data.title.strip():
        raise DomainError("Укажите название, например «2026 год»", field="title")
    if data.starts_on is None:
        raise DomainError("Укажите дату начала", field="starts_on")
    if data.ends_on is None:
        raise DomainError("Укажите дату окончания", field="ends_on")
    if data.ends_on <= data.starts_on:
        raise DomainError("Период должен заканчиваться позже, чем начинается", field="ends_on")
    if data.nominal <= 0:
        raise DomainError("Номинал должен быть больше нуля", field="nominal")
    if data.quota < 0:
        raise DomainError("Число сертификатов ПФ не может быть отрицательным", field="quota")
    if data.free_program_limit < 0:
        raise DomainError("Лимит не может быть отрицательным", field="free_program_limit")
    if data.provider_answer_days < 1:
        raise DomainError("Срок ответа — не меньше одного дня", field="provider_answer_days")
    if not 1 <= data.offer_accept_days <= 60:
        raise DomainError("Срок принятия оферты — от 1 до 60 рабочих дней",
                          field="offer_accept_days")
    if not 1 <= data.report_due_day <= 28:
        raise DomainError("Срок отчёта — число от 1 до 28", field="report_due_day")
    for band in data.bands:
        if not (5 <= band.age_from <= band.age_to <= 17):
            raise DomainError("Возрастные группы — от 5 до 17 лет, «с» не больше «по»",
                              field="bands")
        if band.nominal <= 0:
            raise DomainError("Номинал возрастной группы должен быть больше нуля", field="bands")
    ordered = sorted(data.bands, key=lambda b: b.age_from)
    for left, right in zip(ordered, ordered[1:], strict=False):
        if right.age_from <= left.age_to:
            raise DomainError("Возрастные группы пересекаются", field="bands")
    largest = max([data.nominal, *(b.nominal for b in data.bands)])
    if largest * data.quota > data.budget:
        raise DomainError(
            f"Номинал × число сертификатов ПФ = {format_rub(largest * data.quota)} — больше "
            f"бюджета {format_rub(data.budget)}", field="budget")
    for direction, cost in data.hour_costs.items():
        if direction not in {str(d) for d in Direction} or cost <= 0:
            raise DomainError("Стоимость человеко-часа должна быть больше нуля",
                              field=f"cost_{direction}")
    overlap = select(FinancingPeriod.title).where(
        FinancingPeriod.starts_on <= data.ends_on, FinancingPeriod.ends_on >= data.starts_on)
    if existing is not None:
        overlap = overlap.where(FinancingPeriod.id != existing.id)
    clash = db.session.scalar(overlap)
    if clash:
        raise DomainError(f"Даты пересекаются с периодом «{clash}»", field="starts_on")
    if existing is not None and existing.starts_on <= today:
        old_nominals = {(b.age_from, b.age_to): b.nominal for b in existing.bands}
        if data.nominal < existing.nominal or any(
            b.nominal < old_nominals.get((b.age_from, b.age_to), 0) for b in data.bands
        ):
            raise DomainError("Период уже начался: номинал нельзя уменьшить", field="nominal")
        if data.starts_on != existing.starts_on:
            raise DomainError("Период уже начался: дату начала не изменить", field="starts_on")
        if data.quota < existing.quota_used:
            used = existing.quota_used
            granted = count_with_noun(used, "сертификат", "сертификата", "сертификатов")
            raise DomainError(f"Уже {plural(used, 'выдан', 'выдано', 'выдано')} {granted} ПФ: "
                              "квота не может быть меньше", field="quota")


def save_period(data: PeriodData, *, actor: User, today: date,
                period: FinancingPeriod | None = None) -> FinancingPeriod:
    """Create a period or change one.

    Refuses: missing or reversed dates, overlapping periods, a non-positive nominal, negative
    quota or limits, nominal × quota above the budget, overlapping age bands, and, for a period
    that has started, a lower nominal, another start date or a quota below what is granted."""
    with unit_of_work():
        _check(data, period, today)
        db.session.info.pop(CURRENT_PERIOD_CACHE, None)
        created = period is None
        if created:
            period = FinancingPeriod(quota_used=0)
            db.session.add(period)
        period.title = data.title.strip()
        period.starts_on, period.ends_on = data.starts_on, data.ends_on
        period.nominal, period.quota, period.budget = data.nominal, data.quota, data.budget
        period.free_program_limit = data.free_program_limit
        period.provider_answer_days = data.provider_answer_days
        period.offer_accept_days = data.offer_accept_days
        period.report_due_day = data.report_due_day
        period.bands = [NominalBand(age_from=b.age_from, age_to=b.age_to, nominal=b.nominal)
                        for b in sorted(data.bands, key=lambda b: b.age_from)]
        existing_costs = {c.direction: c for c in period.hour_costs}
        period.hour_costs = [
            _cost(existing_costs.get(direction), direction, cost)
            for direction, cost in sorted(data.hour_costs.items())
        ]
        db.session.flush()
        # The fund may go below zero only down to the budget: the database enforces it.
        fund = ledger.get_or_create_account(fund_code(period), AccountKind.FUND,
                                            overdraft_limit=period.budget)
        ledger.set_overdraft_limit(fund, period.budget)
        audit.record(actor, "period.created" if created else "period.updated", period,
                     {"nominal": period.nominal, "quota": period.quota, "budget": period.budget})
    return period


def _cost(existing: PersonHourCost | None, direction: str, cost: int) -> PersonHourCost:
    if existing is not None:
        existing.cost = cost
        return existing
    return PersonHourCost(direction=direction, cost=cost)


def fund_code(period: FinancingPeriod) -> str:
    return f"fund:{period.id}"


def take_quota_place(period: FinancingPeriod) -> None:
    """Take one financing place with a guarded UPDATE: under any race, never more than the
    quota (the CHECK constraint is the last line). Refuses with QuotaExhausted. Flushes only."""
    taken = db.session.execute(
        update(FinancingPeriod)
        .where(FinancingPeriod.id == period.id, FinancingPeriod.quota_used < FinancingPeriod.quota)
        .values(quota_used=FinancingPeriod.quota_used + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        raise QuotaExhausted(
            f"Сертификаты персонифицированного финансирования на {period.title} закончились: "
            f"все {period.quota} мест заняты. Сертификат учёта остаётся — с ним доступны "
            "бесплатные программы. Можно встать в очередь на освободившееся место.")
    db.session.refresh(period)


def free_quota_place(period: FinancingPeriod) -> None:
    db.session.execute(
        update(FinancingPeriod)
        .where(FinancingPeriod.id == period.id, FinancingPeriod.quota_used > 0)
        .values(quota_used=FinancingPeriod.quota_used - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(period)


def months_left(period: FinancingPeriod, day: date) -> int:
    """Whole months from `day`'s month (included) to the period's end."""
    start = max(day, period.starts_on)
    return (period.ends_on.year - start.year) * 12 + period.ends_on.month - start.month + 1


def prorated_nominal(period: FinancingPeriod, age: int, day: date) -> tuple[int, int]:
    """(amount, months): the nominal for the age × months left (current included) ÷ months."""
    months = months_left(period, day)
    return period.nominal_for_age(age) * months // period.months, months
