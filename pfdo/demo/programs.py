"""Demo programs and groups as plain dicts (shared with `bench/generate.py`), and the demo
providers' programs with schedules and search terms."""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from sqlalchemy import insert

from pfdo.db import db
from pfdo.demo.data import (
    GENERAL,
    LEVELS,
    PRICE_FACTORS,
    TOPICS,
)
from pfdo.periods.models import Direction
from pfdo.programs import search, vocabulary
from pfdo.programs.cost import monthly_norm
from pfdo.programs.models import (
    Funding,
    Program,
    ProgramTerm,
)
from pfdo.providers.models import (
    LegalForm,
)

# --- programs and groups, as plain dicts (shared with bench/generate.py) ----------------------

def school_year_start(today: date) -> date:
    """1 September of the school year families are choosing for: the coming one in spring
    and summer, the running one in autumn and winter."""
    return date(today.year if today.month >= 3 else today.year - 1, 9, 1)


def program_text(rng: random.Random, direction: Direction,
                 taken: set[str]) -> tuple[str, str, int, int]:
    """(title, description, age_from, age_to) of a new program; `taken` avoids repeating a
    title within one provider."""
    for _ in range(20):
        topic = rng.choice(TOPICS[direction])
        suffix, level_sentence = rng.choice(LEVELS)
        age_from, age_to = topic.ages
        if "{ages}" in suffix and age_to - age_from >= 4:  # a narrower band of the topic
            age_from = rng.randint(age_from, age_to - 2)
            age_to = min(age_to, age_from + rng.choice((2, 3)))
        ages = f"{age_from}–{age_to} лет"
        title = topic.title + suffix.replace("{ages}", ages)
        if title not in taken:
            break
    taken.add(title)
    sentences = [topic.sentence, level_sentence.replace("{ages}", ages)]
    sentences += rng.sample(GENERAL[direction], rng.randint(0, 2))
    return title, " ".join(sentences), age_from, age_to


def group_price(rng: random.Random, funding: str, normative: int) -> int:
    """0 for a free program; near the normative cost (some lower, some with a co-pay),
    rounded to 50 ₽, for a certified one."""
    if funding == Funding.MUNICIPAL:
        return 0
    return max(50_00, round(normative * rng.choice(PRICE_FACTORS) / 50_00) * 50_00)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def group_dates(rng: random.Random, months: int, today: date) -> tuple[date, date]:
    """(starts_on, ends_on): mostly the school year; shorter programs start in September or
    January; a few groups have been running since the previous September (if still running)."""
    start = school_year_start(today)
    school_end = date(start.year + 1, 5, 31)
    if months >= 9:
        previous = date(start.year - 1, 9, 1)
        if rng.random() < 0.08 and date(start.year, 5, 31) > today:
            return previous, date(start.year, 5, 31)
        return start, school_end
    if months <= 5 and rng.random() < 0.5:
        jan = date(start.year + 1, 1, 1)
        return jan, _add_months(jan, months) - timedelta(days=1)
    return start, min(_add_months(start, months) - timedelta(days=1), school_end)


def sessions_for(rng: random.Random, hours_per_week: int,
                 weekend: bool) -> list[tuple[int, time, time]]:
    """1–3 weekly classes of (weekday, start, end) adding up to the hours a week (academic
    hours of 45 minutes, 10 minutes' break between two in a row); afternoons, or weekend
    mornings for some groups."""
    counts = [n for n in (1, 2, 3) if hours_per_week % n == 0 and hours_per_week // n <= 3]
    count = rng.choice(counts or [min(3, hours_per_week)])
    per_class = max(1, hours_per_week // count)
    minutes = per_class * 45 + (per_class - 1) * 10
    if weekend:
        days = [5] if count == 1 else rng.choice(([5, 6], [1, 5], [3, 5])) if count == 2 \
            else [1, 3, 5]
        days = days[:count]
    else:
        days = {1: [rng.randint(0, 4)], 2: rng.choice(([0, 2], [1, 3], [2, 4], [0, 3])),
                3: [0, 2, 4]}[count]
    start_minutes = rng.choice((14 * 60, 14 * 60 + 30, 15 * 60, 15 * 60 + 30, 16 * 60,
                                16 * 60 + 30, 17 * 60, 18 * 60))
    result = []
    for day in days:
        begin = 10 * 60 if day >= 5 else start_minutes
        end = begin + minutes
        result.append((day, time(begin // 60, begin % 60), time(end // 60, end % 60)))
    return result


def program_shape(rng: random.Random, form: LegalForm) -> dict:
    """Months, hours a week and funding of a program of a provider of this legal form."""
    months = rng.choice((9,) * 14 + (8, 6, 4, 3))
    hours = rng.choice((2, 2, 2, 3, 4, 4, 6))
    ownership = form.ownership
    free_share = {"municipal": 0.5, "state": 0.6}.get(ownership, 0.0)
    funding = Funding.MUNICIPAL if rng.random() < free_share else Funding.CERTIFIED
    return {"months": months, "hours_per_week": hours, "funding": str(funding)}


def groups_for(rng: random.Random, program: dict, hour_cost: int, today: date,
               count: int) -> list[tuple[dict, list[tuple[int, time, time]]]]:
    """`count` groups of the program as (group columns, sessions)."""
    normative = monthly_norm(hour_cost, program["hours_per_week"])
    result = []
    for n in range(count):
        name = rng.choice(("Группа 1", "Основная группа")) if count == 1 else f"Группа {n + 1}"
        weekend = rng.random() < 0.15
        if weekend:
            name = "Группа выходного дня" if count == 1 else f"{name} (выходного дня)"
        starts_on, ends_on = group_dates(rng, program["months"], today)
        result.append(({
            "name": name, "capacity": rng.randint(8, 25), "seats_taken": 0,
            "starts_on": starts_on, "ends_on": ends_on,
            "is_open": rng.random() > 0.06 and ends_on > today,
            "price_per_month": group_price(rng, program["funding"], normative),
        }, sessions_for(rng, program["hours_per_week"], weekend)))
    return result


def index_terms(programs: list[Program | object], provider_names: dict[int, str]) -> None:
    """Insert the search terms of freshly inserted programs in bulk (no delete first)."""
    rows = [{"program_id": p.id, "term": term, "weight": weight}
            for p in programs
            for term, weight in search.terms_for(p, provider_names[p.provider_id]).items()]
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(ProgramTerm), rows[start:start + 5000])
    vocabulary.changed()
