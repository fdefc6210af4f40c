"""The hotline and dashboard benchmark (`make bench`): on a fresh PostgreSQL database
`pfdo_bench_hotline` with 200 000 certificates and as many contracts (bench/close_month_data.py,
one contract per child), the operator's search — the htmx results fragment, each kind of query
— and the coordinator's dashboard, each served alone by the app in process (Flask's test
client, one request at a time), next to the hello-world route `/healthz` in the same run.
Writes p50 / p95, the ratio to hello-world, the process CPU per request and the SQL statements
per request into bench/RESULTS.md, and drops the database, also on failure.

Environment: BENCH_PG_URL (the server, as for the other benchmarks), BENCH_PROVIDERS (200: ×
1 000 certificates each), BENCH_REQUESTS (300 per kind), BENCH_KEEP=1 (keep the database, to
look at the plans)."""

from __future__ import annotations

import os
import re
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import close_month_data as data  # noqa: E402
from benchlib import admin_sql, fresh_database, migrated_app, write_block  # noqa: E402
from sqlalchemy import event, select, text  # noqa: E402

from pfdo import clock  # noqa: E402
from pfdo.accounts.models import Role, User  # noqa: E402
from pfdo.accounts.passwords import hash_password  # noqa: E402
from pfdo.certificates.models import Certificate  # noqa: E402
from pfdo.certificates.numbers import luhn_valid  # noqa: E402
from pfdo.children.models import Child  # noqa: E402
from pfdo.children.validation import snils_check_number, snils_problem  # noqa: E402
from pfdo.db import db, unit_of_work  # noqa: E402
from pfdo.demo import DEMO_MUNICIPALITY  # noqa: E402
from pfdo.ledger import services as ledger  # noqa: E402
from pfdo.municipality import services as municipality  # noqa: E402
from pfdo.periods import services as periods  # noqa: E402

DATABASE = "pfdo_bench_hotline"
PROVIDERS = int(os.environ.get("BENCH_PROVIDERS", "200"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
PASSWORD = "bench-password-2026"  # noqa: S105 - a throwaway database's account
TARGET_RATIO, TARGET_DASHBOARD_MS = 0.10, 100.0
SECTION = "# Hotline search and dashboard benchmark"
BEGIN, END = "<!-- hotline figures: begin -->", "<!-- hotline figures: end -->"
METHOD = """`bench/hotline.py` (run by `make bench`): a fresh PostgreSQL database filled by
`bench/close_month_data.py` — 200 providers × 1 000 contracts, so 200 000 children, parents
(each with a phone), certificates and active contracts with their months and ledger accounts —
then, in one process with Flask's test client (one request at a time, so each is served
alone), 300 requests of each kind: `/healthz` (hello-world), the operator's search as the htmx
results fragment (`/hotline?q=…` with `HX-Request`) by certificate number, by СНИЛС, by the
parent's phone and by surname + date of birth (numbers and СНИЛС drawn from the data, valid by
their check digits), and the coordinator's dashboard (`/coordinator`). Wall time per request
(p50, p95), process CPU per request (`time.process_time`, the app's share; PostgreSQL's is
apart), and the SQL statements per request counted by SQLAlchemy. The ratio is hello-world's
p50 over the page's p50 (1.0 = as cheap as hello-world). Each search also writes its
access-log record (one INSERT and a commit), which the count includes."""

LOGIN_FORM = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def generate(app) -> dict:
    with app.app_context():
        municipality.save(DEMO_MUNICIPALITY, actor=None)
        n = PROVIDERS * 1000
        period = periods.save_period(periods.PeriodData(
            title="2026 год", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31),
            nominal=1_745_600, quota=n + 100, budget=1_745_600 * (n + 100),
            free_program_limit=3, provider_answer_days=5, hour_costs={"technical": 15_000}),
            actor=None, today=data.TODAY)
        fund = ledger.find_account(periods.fund_code(period))
        db.session.commit()
        started = time.perf_counter()
        counts = data.generate(period_id=period.id, fund_id=fund.id, providers=PROVIDERS,
                               per_provider=1000)
        db.session.commit()
        counts["seconds"] = time.perf_counter() - started
        with unit_of_work():
            for role, email in ((Role.HOTLINE, "operator@bench.example.ru"),
                                (Role.COORDINATOR, "coordinator@bench.example.ru")):
                db.session.add(User(email=email, role=role, last_name="Лебедева",
                                    first_name="Ольга", middle_name="Сергеевна",
                                    password_hash=hash_password(PASSWORD)))
        db.session.commit()
    # as autovacuum leaves a table in service: statistics and the visibility map current
    admin_sql("VACUUM ANALYZE", database=DATABASE)
    return counts


def queries(app) -> dict[str, list[str]]:
    """Real queries of each kind, from the data: numbers and СНИЛС that pass their checks."""
    with app.app_context():
        numbers = [n for n in db.session.scalars(select(Certificate.number).limit(5000))
                   if luhn_valid(n)][:50]
        snils = _valid_snils(50)
        phones = list(db.session.scalars(select(User.phone).where(User.role == "parent")
                                         .limit(50)))
        births = list(db.session.scalars(select(Child.birth_date).distinct().limit(50)))
    return {
        "number": numbers,
        "snils": snils,
        "phone": [f"8 {p[2:5]} {p[5:8]}-{p[8:10]}-{p[10:]}" for p in phones],
        "name": [f"Орлова {d:%d.%m.%Y}" for d in births],
    }


def _valid_snils(count: int) -> list[str]:
    """The generated СНИЛС are serial numbers without a valid check number: give `count`
    children real-shaped ones (in the range a real СНИЛС is checked in)."""
    chosen = []
    ids = db.session.scalars(select(Child.id).order_by(Child.id).limit(count)).all()
    for offset, child_id in enumerate(ids):
        body = f"{150_000_000 + offset * 7919:09d}"
        value = body + f"{snils_check_number(body):02d}"
        assert snils_problem(value) is None
        db.session.execute(text("UPDATE child SET snils = :s WHERE id = :id"),
                           {"s": value, "id": child_id})
        chosen.append(value)
    db.session.commit()
    return chosen


def log_in(client, email: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = LOGIN_FORM.search(page).group(1)
    response = client.post("/login", data={"csrf_token": token, "login": email,
                                           "password": PASSWORD})
    assert response.status_code == 302, response.status_code


def measure(app, client, paths: list[str], *, headers=None, expect: str | None = None) -> dict:
    statements = []

    def count(conn, cursor, statement, *_args):
        statements.append(1)
        if os.environ.get("BENCH_SHOW_SQL") and len(walls) == 1:
            print("   ", " ".join(statement.split())[:150])

    walls, cpus = [], []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    try:
        for i in range(REQUESTS):
            path = paths[i % len(paths)]
            wall, cpu = time.perf_counter(), time.process_time()
            response = client.get(path, headers=headers or {})
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            assert response.status_code == 200, (path, response.status_code)
            if expect and i < len(paths):
                body = response.get_data(as_text=True)
                assert expect in body, (path, body[:300])
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", count)
    walls.sort()
    return {"p50": statistics.median(walls) * 1000,
            "p95": walls[int(len(walls) * 0.95) - 1] * 1000,
            "cpu": statistics.mean(cpus) * 1000,
            "statements": len(statements) / REQUESTS}


def explain(app, kind: str, value: str) -> str:
    """The plan of the search's own query (the first node that reads a table)."""
    from pfdo.hotline import lookup
    with app.app_context():
        query = lookup.parse(value)
        captured = []

        def grab(conn, cursor, statement, params, context, many):
            if "FROM certificate" in statement and not captured:
                captured.append((statement, params))

        event.listen(db.engine, "before_cursor_execute", grab)
        try:
            lookup.search(query)
        finally:
            event.remove(db.engine, "before_cursor_execute", grab)
        statement, params = captured[0]
        cursor = db.session.connection().connection.cursor()
        cursor.execute("EXPLAIN " + statement, params)
        plan = [row[0] for row in cursor.fetchall()]
        return next((line.strip() for line in plan if "Scan" in line), plan[0].strip())


def main() -> int:
    fresh_database(DATABASE)
    clock.set_frozen(datetime(2026, 4, 2, 1, 0, tzinfo=UTC))
    app = None
    try:
        app = migrated_app(DATABASE)
        counts = generate(app)
        print(f"{counts['contract_months']} certificates and contracts in "
              f"{counts['seconds']:.1f} s")
        samples = queries(app)
        operator, coordinator = app.test_client(), app.test_client()
        log_in(operator, "operator@bench.example.ru")
        log_in(coordinator, "coordinator@bench.example.ru")
        results = {"hello": measure(app, operator, ["/healthz"])}
        for kind, values in samples.items():
            paths = ["/hotline?q=" + v.replace(" ", "+") for v in values]
            results[kind] = measure(app, operator, paths, headers={"HX-Request": "true"},
                                    expect="Найден")
        results["dashboard"] = measure(app, coordinator, ["/coordinator"],
                                       expect="Что ждёт решения")
        plans = {kind: explain(app, kind, values[0]) for kind, values in samples.items()}
        for name, r in results.items():
            print(f"{name:10s} p50 {r['p50']:7.2f} ms  p95 {r['p95']:7.2f} ms  "
                  f"cpu {r['cpu']:6.2f} ms  {r['statements']:.1f} statements")
        write_results(counts, results, plans)
        return 0
    finally:
        clock.set_frozen(None)
        if app is not None:
            with app.app_context():
                db.engine.dispose()
        if os.environ.get("BENCH_KEEP") != "1":
            admin_sql(f"DROP DATABASE IF EXISTS {DATABASE}")


LABELS = {"hello": "`/healthz` (hello-world)", "number": "search by certificate number",
          "snils": "search by СНИЛС", "phone": "search by parent's phone",
          "name": "search by surname + date of birth", "dashboard": "coordinator's dashboard"}


def write_results(counts: dict, results: dict, plans: dict) -> None:
    hello = results["hello"]["p50"]
    lines = [BEGIN, f"Run {datetime.now():%d.%m.%Y %H:%M}: {counts['contract_months']} "
             f"certificates, children, parents and active contracts; {REQUESTS} requests of "
             "each kind, one at a time.", "",
             "| request | p50, ms | p95, ms | ratio to hello-world | CPU per request, ms | "
             "SQL statements | the search's plan |", "|---|---:|---:|---:|---:|---:|---|"]
    for name, r in results.items():
        ratio = hello / r["p50"] if r["p50"] else 0
        lines.append(f"| {LABELS[name]} | {r['p50']:.2f} | {r['p95']:.2f} | {ratio:.2f} | "
                     f"{r['cpu']:.2f} | {r['statements']:.1f} | {plans.get(name, '')} |")
    worst = min(hello / results[k]["p50"] for k in ("number", "snils", "phone", "name"))
    dash = results["dashboard"]["p50"]
    lines += ["", f"Search fragment ≥ {TARGET_RATIO:.2f} × hello-world: "
              f"{'reached' if worst >= TARGET_RATIO else 'NOT reached'} (the slowest kind "
              f"{worst:.2f}×); dashboard ≤ {TARGET_DASHBOARD_MS:.0f} ms served alone: "
              f"{'reached' if dash <= TARGET_DASHBOARD_MS else 'NOT reached'} "
              f"(p50 {dash:.1f} ms).", END]
    write_block(BEGIN, END, "\n".join(lines), section=SECTION, method=METHOD)


if __name__ == "__main__":
    sys.exit(main())
