"""A regional-size catalogue for the benchmark: about 500 approved providers, 10 000 programs
and 25 000 groups with their weekly sessions and search terms.

Writes into the database of DATABASE_URL (PostgreSQL or SQLite) after `flask db upgrade`, in
bulk, deterministically (same seed, same data). Reuses the vocabularies of pfdo.demo.data and
the row builders of pfdo.demo.
No files are stored: the programs have no document (the navigator does not read it).

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/pfdo_bench \\
        .venv/bin/python bench/generate.py [--programs 10000] [--groups 25000] [--seed 2026]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from faker import Faker  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from pfdo import create_app  # noqa: E402
from pfdo.db import db  # noqa: E402
from pfdo.demo.data import DISTRICTS, HOUR_COSTS, PROVIDERS, STREETS  # noqa: E402
from pfdo.demo.programs import groups_for, program_shape, program_text  # noqa: E402
from pfdo.demo.providers import inn10, inn12, ogrn, ogrnip, quoted_name  # noqa: E402
from pfdo.periods.models import Direction  # noqa: E402
from pfdo.programs import search  # noqa: E402
from pfdo.programs.models import Group, GroupSession, Program, ProgramTerm  # noqa: E402
from pfdo.providers.models import LegalForm, Provider  # noqa: E402

#: the settlements of a region: the demo villages and more
REGION_DISTRICTS = DISTRICTS + [
    "г. Биробиджан", "пос. Смидович", "с. Амурзет", "г. Облучье", "с. Птичник", "с. Валдгейм",
    "пос. Николаевка", "пос. Теплоозёрск", "с. Октябрьское", "пос. Приамурский",
    "с. Надеждинское", "пос. Бира", "с. Красный Восток", "пос. Известковый", "с. Волочаевка",
    "пос. Хинганск", "с. Пузино", "с. Головино", "пос. Лондоко", "с. Екатерино-Никольское",
    "с. Нижнеленинское", "с. Пашково", "с. Раздольное"]
BATCH = 5000
#: one "today" for the data, so a re-run gives the same rows
TODAY = date(2026, 3, 15)

def _insert(model, rows: list[dict], returning: bool = False) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        if returning:
            result = db.session.execute(
                insert(model).returning(model.id, sort_by_parameter_order=True), chunk)
            ids += list(result.scalars())
        else:
            db.session.execute(insert(model), chunk)
    return ids

def generate(programs: int, groups: int, providers: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    fake = Faker("ru_RU")
    fake.seed_instance(seed)
    now = datetime.combine(TODAY, datetime.min.time(), UTC)
    used: set[str] = set()
    templates = PROVIDERS[1:]
    provider_rows, provider_meta = [], []
    for n in range(providers):
        if n % 5 == 4:  # every fifth one is an individual entrepreneur
            form, directions = LegalForm.IP, (rng.choice(tuple(Direction)),)
            person = f"{fake.last_name_female()} {fake.first_name_female()} " \
                     f"{fake.middle_name_female()}"
            short, full = f"ИП {person}", f"Индивидуальный предприниматель {person}"
            inn, ogrn_ = inn12(rng, used), ogrnip(rng, used)
        else:
            spec = templates[n % len(templates)]
            form, directions = spec.form, spec.directions
            short = f"{form.label} {quoted_name(spec.name + f' № {n + 1}')}"
            full = f"{form.title} {quoted_name(spec.name + f' № {n + 1}')}"
            inn, ogrn_ = inn10(rng, used), ogrn(rng, used)
        district = rng.choice(REGION_DISTRICTS)
        address = f"{district}, {rng.choice(STREETS)}, д. {rng.randint(1, 80)}"
        provider_rows.append({
            "full_name": full, "short_name": short[:150], "legal_form": str(form), "inn": inn,
            "ogrn": ogrn_, "address": address, "district": district,
            "contact_name": "Иванова Мария Петровна", "phone": "+74266320000",
            "email": f"bench{n + 1}@example.ru", "website": None,
            "licence_number": None if form is LegalForm.IP else f"Л035-01{n:05d}",
            "licence_date": None, "description": "", "status": "approved",
            "rejection_reason": None, "submitted_at": now - timedelta(days=300),
            "approved_at": now - timedelta(days=290), "created_at": now - timedelta(days=300)})
        provider_meta.append((form, directions, short[:150], district, address))
    provider_ids = _insert(Provider, provider_rows, returning=True)

    program_rows, program_meta = [], []
    taken: dict[int, set[str]] = {}
    for _ in range(programs):
        index = rng.randrange(providers)
        form, directions, short, district, address = provider_meta[index]
        direction = rng.choice(directions)
        title, description, age_from, age_to = program_text(
            rng, direction, taken.setdefault(index, set()))
        shape = program_shape(rng, form)
        status = "published" if rng.random() < 0.95 else "submitted"
        program_rows.append({
            "provider_id": provider_ids[index], "title": title, "direction": str(direction),
            "description": description, "age_from": age_from, "age_to": age_to, **shape,
            "district": district, "address": address, "teacher": fake.name(),
            "document_id": None, "status": status, "remarks": None,
            "submitted_at": now - timedelta(days=200),
            "published_at": now - timedelta(days=199) if status == "published" else None,
            "rating_total": 0, "rating_count": 0, "created_at": now - timedelta(days=210),
            "updated_at": now - timedelta(days=199)})
        program_meta.append(short)
    program_ids = _insert(Program, program_rows, returning=True)

    # groups: two per program, the rest spread at random, to reach the total exactly
    counts = [min(2, groups // programs or 1)] * programs
    for _ in range(max(0, groups - sum(counts))):
        counts[rng.randrange(programs)] += 1
    group_rows, session_lists = [], []
    for program_id, row, count in zip(program_ids, program_rows, counts, strict=True):
        for columns, sessions in groups_for(rng, row, HOUR_COSTS[Direction(row["direction"])],
                                            TODAY, count):
            columns["program_id"] = program_id
            columns["created_at"] = now - timedelta(days=199)
            columns["seats_taken"] = rng.randint(0, columns["capacity"])  # a busy region
            group_rows.append(columns)
            session_lists.append(sessions)
    group_ids = _insert(Group, group_rows, returning=True)
    session_rows = [{"group_id": group_id, "weekday": day, "starts_at": begin, "ends_at": end}
                    for group_id, sessions in zip(group_ids, session_lists, strict=True)
                    for day, begin, end in sessions]
    _insert(GroupSession, session_rows)

    term_rows = []
    for program_id, row, provider_name in zip(program_ids, program_rows, program_meta,
                                              strict=True):
        program = SimpleNamespace(**row)
        for term, weight in search.terms_for(program, provider_name).items():
            term_rows.append({"program_id": program_id, "term": term, "weight": weight})
    _insert(ProgramTerm, term_rows)
    return {"providers": len(provider_ids), "programs": len(program_ids),
            "groups": len(group_ids), "sessions": len(session_rows), "terms": len(term_rows)}

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--programs", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=25_000)
    parser.add_argument("--providers", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    app = create_app()
    started = time.perf_counter()
    with app.app_context():
        if db.session.scalar(text("SELECT count(*) FROM program")):
            print("The database already has programs: generate into an empty one.",
                  file=sys.stderr)
            return 1
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("SET synchronous_commit TO OFF"))
        counts = generate(args.programs, args.groups, args.providers, args.seed)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
    took = time.perf_counter() - started
    print(", ".join(f"{v} {k}" for k, v in counts.items()) + f" in {took:.1f} s")
    return 0

if __name__ == "__main__":
    sys.exit(main())
