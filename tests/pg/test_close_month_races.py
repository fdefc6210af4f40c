"""The monthly close on PostgreSQL (docs/domain.md §9): two `close_month` runs at once, the
coordinator's approval racing the close, and `flask close-month` killed (SIGKILL) after an
approval, after a batch, and inside a batch before its commit, then run again. Every time each
contract-month is paid (or released) exactly once, each provider's payable equals its invoice
total, and the ledger's invariants hold.

The world: three providers with five contracts each running in March 2026 (one month per
provider not delivered), every report submitted; a batch of 4 is smaller than an invoice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.accounts.services import PersonName
from pfdo.billing import close, invoices, reports
from pfdo.billing.models import Invoice, InvoiceStatus
from pfdo.db import db
from pfdo.enrollments.models import ContractMonth, MonthStatus
from pfdo.errors import DomainError
from pfdo.ledger import checks
from pfdo.ledger import services as ledger
from pfdo.ledger.models import Transfer, TransferKind
from pfdo.providers.models import Provider
from tests import factories
from tests.concurrency import race
from tests.conftest import PG_URL

pytestmark = pytest.mark.pg

MARCH = date(2026, 3, 1)
TODAY = date(2026, 4, 10)
PROVIDERS, CONTRACTS, BATCH = 3, 5, 4
LETTERS = "абвгдежзик"
ROOT = Path(__file__).resolve().parents[2]


def world(app) -> dict:
    """Three providers × five contracts from 15.03.2026, every March report submitted with
    the provider's last contract not delivered; the clock on 10.04.2026."""
    clock.set_frozen(datetime(2026, 3, 15, 10, 0, tzinfo=UTC))
    factories.municipality(app)
    coordinator = factories.user(app, "coordinator")
    factories.period(app, coordinator, quota=100, hour_costs={"technical": 15_000})
    staffs = []
    for p in range(PROVIDERS):
        staff = factories.user(app, "provider_staff")
        provider = factories.provider(app, staff=staff, short_name=f"ЦДТ № {p + 1}")
        program = factories.program(app, provider)
        group = factories.group(app, program, capacity=CONTRACTS, price=250_000,
                                starts_on=date(2026, 2, 1), ends_on=date(2026, 12, 31))
        for n in range(CONTRACTS):
            parent = factories.user(app, "parent")
            child = factories.child(
                app, parent,
                name=PersonName("Орлова", "Анна-" + LETTERS[p] + LETTERS[n], "Ивановна"),
                birth_date=date(2015, 1, 1) + timedelta(days=7 * (p * CONTRACTS + n)))
            factories.certificate(app, parent, child, coordinator=coordinator)
            factories.contract(app, parent, child, group, staff=staff)
        staffs.append((provider.id, staff.id))
    clock.set_frozen(datetime(2026, 4, 2, 7, 0, tzinfo=UTC))
    for provider_id, staff_id in staffs:
        with app.app_context():
            report = reports.open_report(db.session.get(Provider, provider_id), MARCH,
                                         today=date(2026, 4, 2))
            report = reports.load(report.id)
            last = report.lines[-1].id
            marks = [reports.Mark(line.id, line.id != last,
                                  "Педагог болел" if line.id == last else "")
                     for line in report.lines]
            reports.submit(report, marks, actor=db.session.get(User, staff_id),
                           today=date(2026, 4, 2))
    clock.set_frozen(datetime(2026, 4, 10, 7, 0, tzinfo=UTC))
    return {"coordinator": coordinator.id}


def settled() -> Counter:
    """March's contract-months by status."""
    return Counter(db.session.scalars(select(ContractMonth.status)
                                      .where(ContractMonth.month == MARCH)))


def assert_closed_exactly_once() -> None:
    """Every March month settled, each by exactly one transfer of its key; each payable
    equals its invoice's total; the invoices paid; the ledger healthy."""
    assert settled() == {MonthStatus.PAID: PROVIDERS * (CONTRACTS - 1),
                         MonthStatus.RELEASED: PROVIDERS}
    keys = Counter(db.session.scalars(select(Transfer.key).where(
        Transfer.kind.in_((TransferKind.PAYMENT, TransferKind.RELEASE)),
        Transfer.key.like("%:2026-03"))))
    expected = set()
    for month in db.session.scalars(select(ContractMonth).where(ContractMonth.month == MARCH)):
        kind = "pay" if month.status == MonthStatus.PAID else "release"
        expected.add(f"{kind}:{month.contract_id}:2026-03")
        assert month.certificate_share > 0
    assert keys == Counter(expected), keys
    for invoice in db.session.scalars(select(Invoice).where(Invoice.month == MARCH)):
        assert invoice.status == InvoiceStatus.PAID, invoice.number
        payable = ledger.find_account(f"payable:{invoice.provider_id}")
        assert ledger.balance(payable) == invoice.certificate_total > 0
        assert (invoice.delivered_count, invoice.undelivered_count) == (CONTRACTS - 1, 1)
    assert checks.check_invariants() == []


# --- races in one process, real concurrent connections ---

def test_two_closes_at_once_pay_every_month_exactly_once(app):
    world(app)

    outcomes = race(app, 2, lambda _: close.close_month(MARCH, today=TODAY, batch=BATCH))

    assert outcomes.errors == []
    assert sum(o.approved_now for o in outcomes) == PROVIDERS
    assert sum(o.settled.paid for o in outcomes) == PROVIDERS * (CONTRACTS - 1)
    assert sum(o.settled.released for o in outcomes) == PROVIDERS
    with app.app_context():
        paid_total = db.session.scalar(select(func.sum(Invoice.certificate_total)))
        assert sum(o.settled.paid_amount for o in outcomes) == paid_total
        assert_closed_exactly_once()


def test_the_coordinators_approval_racing_the_close_pays_once(app):
    made = world(app)

    def before(n: int):
        if n == 0:
            invoice = db.session.scalars(select(Invoice).order_by(Invoice.id)).first()
            return invoice, db.session.get(User, made["coordinator"])
        return None

    def work(argument):
        if argument is None:
            return close.close_month(MARCH, today=TODAY, batch=BATCH)
        invoice, coordinator = argument
        return invoices.approve(invoice, actor=coordinator)

    outcomes = race(app, 2, work, before=before)

    approval, closing = outcomes
    assert not isinstance(closing, BaseException), closing
    if isinstance(approval, DomainError):  # the close approved it first
        assert "уже одобрен" in str(approval)
        assert closing.approved_now == PROVIDERS
    else:
        assert not isinstance(approval, BaseException), approval
        assert approval.paid == CONTRACTS - 1 and approval.released == 1
        assert closing.approved_now == PROVIDERS - 1
    with app.app_context():
        assert_closed_exactly_once()
        first = db.session.scalars(select(Invoice).order_by(Invoice.id)).first()
        by_system = first.approved_by_id is None
        assert by_system == isinstance(approval, DomainError)


# --- `flask close-month` in a subprocess, killed and run again ---

def flask(*args: str, fault: str | None = None) -> subprocess.CompletedProcess:
    """Run `flask <args>` against the test database (the data is committed: a subprocess
    sees it), the clock real: March 2026 is long over."""
    env = {**os.environ, "DATABASE_URL": PG_URL, "FLASK_APP": "app", "PFDO_ENV": "development",
           "MAIL_BACKEND": "log"}
    env.pop("PFDO_FAULT", None)
    if fault:
        env["PFDO_FAULT"] = fault
    return subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env,  # noqa: S603
                          capture_output=True, text=True, timeout=120, check=False)


def transfers_of_march() -> int:
    return db.session.scalar(select(func.count()).select_from(Transfer).where(
        Transfer.key.like("%:2026-03")))


@pytest.mark.parametrize(("fault", "paid_at_kill", "released_at_kill"), [
    # the first invoice approved and committed, nothing paid
    ("close-month.approved:1", 0, 0),
    # the first batch committed: the first invoice's 4 delivered months
    ("close-month.batch:1", BATCH, 0),
    # the first invoice (4 paid + 1 released) and the first batch of the second
    ("close-month.batch:3", 2 * BATCH, 1),
    # killed inside the second batch before its commit: only the first batch is there
    ("close-month.settle:2", BATCH, 0),
])
def test_close_month_killed_then_run_again_pays_every_month_once(app, fault, paid_at_kill,
                                                                 released_at_kill):
    assert datetime.now(UTC).date() > date(2026, 4, 1), "the machine's clock is before April"
    world(app)

    killed = flask("close-month", "2026-03", "--batch", str(BATCH), fault=fault)

    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stdout,
                                                  killed.stderr)
    with app.app_context():
        months = settled()
        assert (months[MonthStatus.PAID], months[MonthStatus.RELEASED]) == (paid_at_kill,
                                                                           released_at_kill)
        assert months[MonthStatus.RESERVED] > 0
        # nothing half-done: every transfer of March belongs to a month marked settled
        assert transfers_of_march() == paid_at_kill + released_at_kill
        approved = db.session.scalar(select(func.count()).select_from(Invoice).where(
            Invoice.status.in_((InvoiceStatus.APPROVED, InvoiceStatus.PAID))))
        assert approved >= 1
        assert checks.check_invariants() == []

    rerun = flask("close-month", "2026-03", "--batch", str(BATCH))

    assert rerun.returncode == 0, (rerun.stdout, rerun.stderr)
    out = rerun.stdout
    assert "Closing март 2026 (2026-03): 3 invoice(s)." in out
    assert f"paid: {PROVIDERS * (CONTRACTS - 1) - paid_at_kill} contract-months" in out
    assert f"released (not delivered): {PROVIDERS - released_at_kill} contract-month" in out
    with app.app_context():
        assert_closed_exactly_once()
    again = flask("close-month", "2026-03", "--batch", str(BATCH))
    assert again.returncode == 0 and "Nothing to do" in again.stdout, again.stdout
    checked = flask("ledger-check")
    assert checked.returncode == 0, (checked.stdout, checked.stderr)
    assert checked.stdout.startswith("Ledger OK:")
