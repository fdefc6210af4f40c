"""The close-month benchmark (`make bench`, after the enrolment's): on a fresh PostgreSQL
database `pfdo_bench_close`, how long `billing.close.close_month` (in process, the function
`flask close-month` calls) takes to settle one month of 100 000 contract-months, next to a
plain `INSERT … SELECT … FROM generate_series` of as many rows into a scratch copy of
`ledger_transfer` (same columns, indexes, foreign keys and trigger) — the yardstick: the least
any close can cost to write its transfers (and, for comparison, into a copy without the foreign
keys and trigger). Then proof that nothing was lost or moved twice, and a second run
that must find nothing to do. Writes the figures into bench/RESULTS.md (the «Monthly close»
section) and drops the database, also on failure.

Data (bench/close_month_data.py, set-based SQL): 100 providers × 1 000 contracts, each a
one-month contract whose certificate share (1 200 ₽) was reserved into its escrow; each
provider's report marks every month delivered except 1 % (with a comment), and its invoice is
submitted. The close approves every invoice as the system and pays it in batches, each batch
its own transaction.

Environment: BENCH_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres, the
server to create the database on), BENCH_PROVIDERS (100), BENCH_PER_PROVIDER (1 000),
BENCH_BATCH (the close's batch; default the close's own), BENCH_PROFILE=1 (print a cProfile
of the close's pfdo functions)."""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import close_month_data as data  # noqa: E402
from benchlib import admin_sql, fresh_database, migrated_app, write_block  # noqa: E402
from sqlalchemy import event, func, select, text  # noqa: E402

from pfdo import clock  # noqa: E402
from pfdo.billing import close, invoices  # noqa: E402
from pfdo.billing.models import Invoice, InvoiceStatus  # noqa: E402
from pfdo.db import db  # noqa: E402
from pfdo.demo import DEMO_MUNICIPALITY  # noqa: E402
from pfdo.enrollments.models import ContractMonth, MonthStatus  # noqa: E402
from pfdo.ledger import checks  # noqa: E402
from pfdo.ledger import services as ledger  # noqa: E402
from pfdo.ledger.models import Transfer, TransferKind  # noqa: E402
from pfdo.municipality import services as municipality  # noqa: E402
from pfdo.periods import services as periods  # noqa: E402

DATABASE = "pfdo_bench_close"
PROVIDERS = int(os.environ.get("BENCH_PROVIDERS", "100"))
PER_PROVIDER = int(os.environ.get("BENCH_PER_PROVIDER", "1000"))
BATCH = int(os.environ.get("BENCH_BATCH", str(invoices.BATCH)))
#: as `flask close-month` on PostgreSQL: two invoices settled at once
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
TARGET_RATIO, TARGET_SECONDS = 4.0, 20.0
SECTION = "# Monthly close benchmark"
METHOD = """`bench/close_month.py` (run by `make bench` after the enrolment's) times the monthly
close (docs/domain.md §9) on PostgreSQL: `make bench`, or alone
`.venv/bin/python bench/close_month.py` (BENCH_PROFILE=1 adds a cProfile of the close;
BENCH_PROVIDERS / BENCH_PER_PROVIDER / BENCH_BATCH change the size and the batch,
BENCH_WORKERS the invoices settled at once — 2 by default, as `flask close-month` on
PostgreSQL).

**Method.** A fresh database `pfdo_bench_close` is migrated and filled by
`bench/close_month_data.py` with set-based `INSERT … SELECT … FROM generate_series` statements
consistent with what the services write: the period 2026, 100 providers (a staff member, 10
programs of one 100-seat group each, the payable account) and 1 000 one-month contracts (March
2026) at each — 100 000 contract-months — each with its parent, child, financing certificate
(grant, account, TOPUP from the fund), accepted request, the month RESERVED (certificate share
1 200 ₽ of 2 500 ₽) and the RESERVE transfer into the contract's escrow; each provider's
service report marks every month delivered but 1 % (not delivered, with a comment) and its
invoice is SUBMITTED with the issued totals. Then, in one process: the yardstick — one `INSERT
INTO … SELECT … FROM generate_series(1, 100000)` of transfer-shaped rows naming the generated
escrow and payable accounts into a scratch `CREATE TABLE … (LIKE ledger_transfer INCLUDING
ALL)` that also has `ledger_transfer`'s foreign keys and append-only trigger, so that every
row is checked as the close's rows are (the figure the ratio is taken against); the same into
a copy without them, for comparison with the earlier rounds, which used that one (each
committed); then `close.close_month` **in process** (the function `flask close-month` calls:
approves every invoice as the system and settles it in batches, each its own transaction, two
invoices at once on two connections, the
parents of the months not delivered told and e-mailed), with SQLAlchemy's
`before_cursor_execute` counting the statements. After it: 99 000 months paid and 1 000
released, exactly one PAYMENT or RELEASE transfer each, every invoice paid,
`check_invariants()` empty; then a second `close_month` must move nothing, and the checks run
again. The database is dropped at the end.

**Machine.** 2 CPU cores shared with PostgreSQL (the tuning rounds below say how loaded the
machine was); the ratio close / INSERT…SELECT (both measured in the same run) is the figure to
watch.

## Figures
"""
BEGIN, END = "<!-- close figures: begin -->", "<!-- close figures: end -->"

SCRATCH = r"""INSERT INTO bench_transfer (key, debit_account_id, credit_account_id, amount, kind,
    reason, ref, actor_id, created_at)
    SELECT 'pay:' || (1000000 + g) || '\:2026-03', 2000000 + g, 3000000 + (g - 1) / :per + 1,
           120000, 'payment',
           'Оплата по договору Д-' || (1000000 + g) || ': «Робототехника ' || g || '», март 2026',
           'invoice:' || (1000000 + (g - 1) / 1000 + 1), NULL, now()
    FROM generate_series(1, :n) g"""



def make_app():
    return migrated_app(DATABASE)


def generate(app) -> dict:
    with app.app_context():
        municipality.save(DEMO_MUNICIPALITY, actor=None)
        n = PROVIDERS * PER_PROVIDER
        period = periods.save_period(periods.PeriodData(
            title="2026 год", starts_on=datetime(2026, 1, 1).date(),
            ends_on=datetime(2026, 12, 31).date(), nominal=1_745_600, quota=n + 100,
            budget=1_745_600 * (n + 100), free_program_limit=3, provider_answer_days=5,
            hour_costs={"technical": 15_000}), actor=None, today=data.TODAY)
        fund = ledger.find_account(periods.fund_code(period))
        db.session.commit()
        started = time.perf_counter()
        counts = data.generate(period_id=period.id, fund_id=fund.id, providers=PROVIDERS,
                               per_provider=PER_PROVIDER)
        db.session.commit()
        counts["seconds"] = time.perf_counter() - started
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        return counts


#: what makes the scratch table a ledger_transfer: the rows name real accounts (the escrows
#: and payables of the generated data), so every row's foreign keys are checked as the
#: close's are, and the append-only trigger is there
AS_LEDGER = [
    "ALTER TABLE bench_transfer ADD FOREIGN KEY (debit_account_id) REFERENCES ledger_account (id), "
    "ADD FOREIGN KEY (credit_account_id) REFERENCES ledger_account (id), "
    "ADD FOREIGN KEY (actor_id) REFERENCES user_account (id)",
    "CREATE TRIGGER bench_transfer_append_only BEFORE DELETE OR UPDATE ON bench_transfer "
    "FOR EACH ROW EXECUTE FUNCTION pfdo_refuse_change()",
]


def baseline(app, n: int) -> dict[str, float]:
    """INSERT … SELECT of n transfer rows, committed, in seconds: "bare" into a copy of
    ledger_transfer with its columns, checks and indexes; "ledger" into one that also has its
    foreign keys and trigger, as the close writes them."""
    result = {}
    with app.app_context():
        for name, extra in (("bare", []), ("ledger", AS_LEDGER)):
            db.session.execute(text("CREATE TABLE bench_transfer (LIKE ledger_transfer "
                                    "INCLUDING ALL)"))
            for statement in extra:
                db.session.execute(text(statement))
            db.session.commit()
            started = time.perf_counter()
            db.session.execute(text(SCRATCH), {"n": n, "per": PER_PROVIDER})
            db.session.commit()
            result[name] = time.perf_counter() - started
            db.session.execute(text("DROP TABLE bench_transfer"))
            db.session.commit()
    return result


def timed_close(app, *, profile: bool = False) -> dict:
    statements = []

    def count(*_args):
        statements.append(1)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        profiler = cProfile.Profile() if profile else None
        try:
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            report = close.close_month(data.MONTH, today=data.TODAY, batch=BATCH,
                                       workers=WORKERS)
            if profiler:
                profiler.disable()
            seconds = time.perf_counter() - started
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        db.session.remove()
    result = {"seconds": seconds, "statements": len(statements), "report": report}
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(r"pfdo/", 25)
        result["profile"] = re.sub(r"\S*/(pfdo/|site-packages/)", r"\1", out.getvalue())
    return result


def verify(app, n: int) -> list[str]:
    """Every month paid (or released) exactly once, every invoice paid, the ledger healthy."""
    problems = []
    undelivered = n // data.UNDELIVERED_EVERY
    with app.app_context():
        by_status = dict(db.session.execute(
            select(ContractMonth.status, func.count()).group_by(ContractMonth.status)).all())
        if by_status != {MonthStatus.PAID: n - undelivered, MonthStatus.RELEASED: undelivered}:
            problems.append(f"months by status {by_status}")
        by_kind = dict(db.session.execute(
            select(Transfer.kind, func.count()).where(
                Transfer.kind.in_([TransferKind.PAYMENT, TransferKind.RELEASE]))
            .group_by(Transfer.kind)).all())
        if by_kind != {TransferKind.PAYMENT: n - undelivered,
                       TransferKind.RELEASE: undelivered}:
            problems.append(f"transfers by kind {by_kind}")
        unpaid = db.session.scalar(select(func.count()).select_from(Invoice).where(
            Invoice.status != InvoiceStatus.PAID))
        if unpaid:
            problems.append(f"{unpaid} invoices not paid")
        problems += checks.check_invariants()
    return problems


def _thousands(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")


def write_results(counts: dict, base: dict[str, float], first: dict, second: dict,
                  problems: list[str]) -> None:
    n = counts["contract_months"]
    ratio = first["seconds"] / base["ledger"]
    bare_ratio = first["seconds"] / base["bare"]
    def verdict(ok: bool) -> str:
        return "reached" if ok else "NOT reached"
    settled = first["report"].settled
    lines = [
        BEGIN,
        f"Run {datetime.now().strftime('%d.%m.%Y %H:%M')}: {n} contract-months of "
        f"{counts['providers']} providers generated in {counts['seconds']:.1f} s; close batch "
        f"{BATCH}, {WORKERS} worker{'s' if WORKERS != 1 else ''} (invoices settled at once).",
        "",
        "| what | seconds | rows per second | SQL statements |",
        "|---|---:|---:|---:|",
        f"| `INSERT … SELECT` of {n} transfer rows into a copy of `ledger_transfer` with "
        f"its foreign keys and trigger (the yardstick) | {base['ledger']:.2f} | "
        f"{_thousands(n / base['ledger'])} | 1 |",
        f"| the same into a copy without the foreign keys and trigger | {base['bare']:.2f} | "
        f"{_thousands(n / base['bare'])} | 1 |",
        f"| `close_month`, first run ({settled.paid} paid, {settled.released} released) | "
        f"{first['seconds']:.2f} | {_thousands(n / first['seconds'])} | "
        f"{first['statements']} |",
        f"| `close_month`, second run (nothing to do) | {second['seconds']:.2f} | — | "
        f"{second['statements']} |",
        "",
        f"Ratio close / INSERT…SELECT: **{ratio:.1f}×** (target ≤ {TARGET_RATIO:.0f}×: "
        f"{verdict(ratio <= TARGET_RATIO)}; {bare_ratio:.1f}× the copy without foreign keys; "
        f"≤ {TARGET_SECONDS:.0f} s: "
        f"{verdict(first['seconds'] <= TARGET_SECONDS)}). Second run moved "
        f"anything: {'YES' if second['report'].moved_anything else 'no'}. Every month paid "
        f"once, every invoice paid, `check_invariants()` empty: "
        f"{'yes' if not problems else 'NO — ' + '; '.join(problems)}.",
        END,
    ]
    write_block(BEGIN, END, "\n".join(lines), section=SECTION, method=METHOD)


def main() -> int:
    fresh_database(DATABASE)
    clock.set_frozen(data.NOW.replace(day=2, hour=1, tzinfo=UTC))
    app = None
    try:
        app = make_app()
        counts = generate(app)
        n = counts["contract_months"]
        print(f"{n} contract-months generated in {counts['seconds']:.1f} s")
        base = baseline(app, n)
        print(f"INSERT…SELECT of {n} rows: {base['ledger']:.2f} s with the foreign keys, "
              f"{base['bare']:.2f} s without")
        first = timed_close(app, profile=PROFILE)
        print(f"close: {first['seconds']:.2f} s, {first['statements']} statements, "
              f"ratio {first['seconds'] / base['ledger']:.1f}× "
              f"({first['seconds'] / base['bare']:.1f}× without the foreign keys)")
        if PROFILE:
            print(first["profile"])
        problems = verify(app, n)
        print("verified" if not problems else f"PROBLEMS: {problems}")
        second = timed_close(app)
        print(f"second close: {second['seconds']:.2f} s, {second['statements']} statements, "
              f"moved anything: {second['report'].moved_anything}")
        if second["report"].moved_anything:
            problems.append("the second run moved something")
        problems += verify(app, n)
        write_results(counts, base, first, second, problems)
        return 0 if not problems else 1
    finally:
        clock.set_frozen(None)
        if app is not None:
            with app.app_context():
                db.engine.dispose()
        admin_sql(f"DROP DATABASE IF EXISTS {DATABASE}")


if __name__ == "__main__":
    sys.exit(main())
