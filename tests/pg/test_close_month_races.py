"""The monthly close on PostgreSQL with real concurrency and real crashes (docs/domain.md §9):
two closes at once, an approval racing a close, and `flask close-month` killed with SIGKILL at
several points and run again — every contract-month is paid exactly once and the ledger check
stays green."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.billing import close, invoices, reports
from pfdo.billing.models import Invoice, InvoiceStatus
from pfdo.db import db
from pfdo.enrollments.models import ContractMonth, MonthStatus
from pfdo.ledger import checks
from pfdo.ledger import services as ledger
from pfdo.ledger.models import Transfer, TransferKind
from pfdo.providers.models import Provider
from tests import factories
from tests.concurrency import race
from tests.conftest import PG_URL
from tests.enrollments.conftest import HOUR_COST

pytestmark = pytest.mark.pg

MARCH = date(2026, 3, 1)
TODAY = date(2026, 4, 2)
ROOT = Path(__file__).resolve().parents[2]
FAMILIES = 7


@pytest.fixture
def submitted(app, frozen_clock):
    """One provider, FAMILIES contracts in one group running in March, the report submitted
    with one month not delivered. Returns (invoice id, {contract id: March share})."""
    factories.municipality(app)
    coordinator = factories.user(app, "coordinator")
    factories.period(app, hour_costs={"technical": HOUR_COST})
    staff = factories.user(app, "provider_staff")
    provider = factories.provider(app, staff=staff)
    group = factories.group(app, factories.program(app, provider), starts_on=date(2026, 2, 1),
                            ends_on=date(2026, 12, 31), price=250_000, capacity=20)
    ids = []
    for n in range(FAMILIES):
        parent = factories.user(app, "parent")
        child = factories.child(app, parent, birth_date=date(2015, 1 + n, 3))
        factories.certificate(app, parent, child, coordinator=coordinator)
        ids.append(factories.contract(app, parent, child, group, staff=staff).id)
    clock.set_frozen(datetime(2026, 4, 2, 3, 0, tzinfo=UTC))
    with app.app_context():
        found = db.session.get(Provider, provider.id)
        report = reports.load(reports.open_report(found, MARCH, today=TODAY).id)
        marks = [reports.Mark(line.id, line.contract_id != ids[-1],
                              "" if line.contract_id != ids[-1] else "Группа не занималась")
                 for line in report.lines]
        invoice = reports.submit(report, marks, actor=db.session.get(User, staff.id),
                                 today=TODAY)
        shares = {m.contract_id: m.certificate_share for m in db.session.scalars(
            select(ContractMonth).where(ContractMonth.month == MARCH))}
        return invoice.id, shares, coordinator.id


def _paid_once(shares: dict[int, int], invoice_id: int) -> None:
    db.session.expire_all()
    pays = db.session.execute(
        select(Transfer.key, func.count()).where(Transfer.kind == TransferKind.PAYMENT)
        .group_by(Transfer.key)).all()
    assert all(n == 1 for _, n in pays)
    delivered = sorted(cid for cid in shares if cid != max(shares))
    assert sorted(pays_key_contract(k) for k, _ in pays) == delivered
    statuses = dict(db.session.execute(
        select(ContractMonth.contract_id, ContractMonth.status)
        .where(ContractMonth.month == MARCH)).all())
    assert {cid: s for cid, s in statuses.items()} == {
        cid: (MonthStatus.RELEASED if cid == max(shares) else MonthStatus.PAID)
        for cid in shares}
    invoice = db.session.get(Invoice, invoice_id)
    assert invoice.status == InvoiceStatus.PAID
    payable = ledger.find_account(f"payable:{invoice.provider_id}")
    assert ledger.balance(payable) == invoice.certificate_total == sum(
        shares[cid] for cid in delivered)
    assert checks.check_invariants() == []


def pays_key_contract(key: str) -> int:
    return int(key.split(":")[1])


def test_two_closes_at_once_pay_every_month_once(app, submitted):
    invoice_id, shares, _ = submitted
    outcomes = race(app, 2, lambda batch: close.close_month(MARCH, today=TODAY, batch=batch),
                    before=lambda n: 2 + n)
    assert not outcomes.errors
    assert sum(o.settled.paid for o in outcomes) == FAMILIES - 1
    assert sum(o.settled.released for o in outcomes) == 1
    assert sum(o.approved_now for o in outcomes) == 1
    with app.app_context():
        _paid_once(shares, invoice_id)


def test_an_approval_racing_a_close_pays_once(app, submitted):
    invoice_id, shares, coordinator_id = submitted

    def work(n):
        if n == 0:
            return invoices.approve(invoices.get(invoice_id),
                                    actor=db.session.get(User, coordinator_id))
        return close.close_month(MARCH, today=TODAY, batch=2)

    outcomes = race(app, 2, work)
    # The approval may find the invoice approved by the close already: a refusal, nothing more.
    assert all(not isinstance(o, BaseException) or "уже одобрен" in str(o) for o in outcomes)
    with app.app_context():
        _paid_once(shares, invoice_id)


def _flask(*args: str, fault: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": PG_URL, "PUBLIC_BASE_URL": "http://pfdo.test",
           "FLASK_APP": "app"}
    env.pop("PFDO_FAULT", None)
    if fault:
        env["PFDO_FAULT"] = fault
    return subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("fault, some_paid", [
    # in the first batch, which also approves: nothing approved, nothing paid
    ("close-month.settle:1", False),
    ("close-month.batch:1", True),
    ("close-month.batch:3", True),
    # inside a batch, after its transfers and before its commit: the batch leaves nothing
    ("close-month.settle:2", True),
])
def test_killed_close_month_resumes_and_pays_every_month_once(app, submitted, fault, some_paid):
    invoice_id, shares, _ = submitted
    killed = _flask("close-month", "2026-03", "--batch", "2", fault=fault)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    with app.app_context():
        db.session.expire_all()
        settled = db.session.scalar(select(func.count()).select_from(ContractMonth).where(
            ContractMonth.month == MARCH, ContractMonth.status != MonthStatus.RESERVED))
        assert (0 < settled < FAMILIES) if some_paid else settled == 0
        assert checks.check_invariants() == []
        db.session.remove()
    rerun = _flask("close-month", "2026-03", "--batch", "2")
    assert rerun.returncode == 0, rerun.stderr
    assert "paid:" in rerun.stdout
    again = _flask("close-month", "2026-03")
    assert again.returncode == 0 and "Nothing to do" in again.stdout
    check = _flask("ledger-check")
    assert check.returncode == 0, check.stdout + check.stderr
    with app.app_context():
        _paid_once(shares, invoice_id)
