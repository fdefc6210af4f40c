"""`close_month` with several workers on PostgreSQL: the invoices of three providers settled
by three threads at once, one child enrolled at all three with the month not delivered at
each (so every worker releases into the same certificate account) — every contract-month
paid or released exactly once, every invoice paid, the ledger's invariants kept; and
`flask close-month` (two workers by default on PostgreSQL) killed mid-run and run again."""

from __future__ import annotations

import signal
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from pfdo import clock
from pfdo.accounts.models import User
from pfdo.billing import close, reports
from pfdo.billing.models import Invoice, InvoiceStatus
from pfdo.db import db
from pfdo.enrollments.models import ContractMonth, MonthStatus
from pfdo.ledger import checks
from pfdo.ledger.models import Transfer, TransferKind
from pfdo.providers.models import Provider
from tests import factories
from tests.enrollments.conftest import HOUR_COST
from tests.pg.test_close_month_races import MARCH, TODAY, _flask

pytestmark = pytest.mark.pg

PROVIDERS, FAMILIES = 3, 4


@pytest.fixture
def three_invoices(app, frozen_clock):
    """Three providers' reports submitted for March; the shared child's month not delivered
    at any of them. Returns the shared child's contract ids."""
    factories.municipality(app)
    coordinator = factories.user(app, "coordinator")
    factories.period(app, hour_costs={"technical": HOUR_COST})
    shared_parent = factories.user(app, "parent")
    shared = factories.child(app, shared_parent, birth_date=date(2014, 6, 1))
    factories.certificate(app, shared_parent, shared, coordinator=coordinator)
    staffs, shared_contracts = [], set()
    for p in range(PROVIDERS):
        staff = factories.user(app, "provider_staff")
        provider = factories.provider(app, staff=staff)
        group = factories.group(app, factories.program(app, provider),
                                starts_on=date(2026, 2, 1), ends_on=date(2026, 12, 31),
                                price=250_000, capacity=20)
        for n in range(FAMILIES):
            parent = factories.user(app, "parent")
            child = factories.child(app, parent, birth_date=date(2015, 1 + n, 3 + p))
            factories.certificate(app, parent, child, coordinator=coordinator)
            factories.contract(app, parent, child, group, staff=staff)
        shared_contracts.add(factories.contract(app, shared_parent, shared, group,
                                                staff=staff).id)
        staffs.append((staff.id, provider.id))
    clock.set_frozen(datetime(2026, 4, 2, 3, 0, tzinfo=UTC))
    with app.app_context():
        for staff_id, provider_id in staffs:
            report = reports.load(reports.open_report(db.session.get(Provider, provider_id),
                                                      MARCH, today=TODAY).id)
            marks = [reports.Mark(line.id, line.contract_id not in shared_contracts,
                                  "" if line.contract_id not in shared_contracts
                                  else "Ребёнок болел весь месяц")
                     for line in report.lines]
            reports.submit(report, marks, actor=db.session.get(User, staff_id), today=TODAY)
    return shared_contracts


def _settled_once(app, shared_contracts) -> None:
    with app.app_context():
        db.session.expire_all()
        moves = db.session.execute(
            select(Transfer.kind, Transfer.key, func.count())
            .where(Transfer.kind.in_((TransferKind.PAYMENT, TransferKind.RELEASE)))
            .group_by(Transfer.kind, Transfer.key)).all()
        assert all(n == 1 for _, _, n in moves)
        released = {int(key.split(":")[1]) for kind, key, _ in moves
                    if kind == TransferKind.RELEASE}
        # a month the certificate paid nothing of (its balance spent) releases nothing
        assert released <= shared_contracts and len(released) >= 2
        assert sum(kind == TransferKind.PAYMENT for kind, _, _ in moves) == PROVIDERS * FAMILIES
        statuses = dict(db.session.execute(
            select(ContractMonth.contract_id, ContractMonth.status)
            .where(ContractMonth.month == MARCH)).all())
        assert all(status == (MonthStatus.RELEASED if cid in shared_contracts
                              else MonthStatus.PAID) for cid, status in statuses.items())
        assert set(db.session.scalars(select(Invoice.status))) == {InvoiceStatus.PAID}
        assert checks.check_invariants() == []


def test_three_workers_settle_three_invoices_once(app, three_invoices):
    with app.app_context():
        report = close.close_month(MARCH, today=TODAY, batch=2, workers=3)
    assert report.invoices == PROVIDERS and report.approved_now == PROVIDERS
    assert report.settled.paid == PROVIDERS * FAMILIES
    assert report.settled.released == PROVIDERS
    _settled_once(app, three_invoices)
    with app.app_context():
        again = close.close_month(MARCH, today=TODAY, workers=3)
    assert not again.moved_anything and again.already_paid == PROVIDERS


def test_the_command_killed_with_two_workers_resumes_and_settles_once(app, three_invoices):
    killed = _flask("close-month", "2026-03", "--batch", "2", fault="close-month.batch:4")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    rerun = _flask("close-month", "2026-03", "--batch", "2")
    assert rerun.returncode == 0, rerun.stderr
    again = _flask("close-month", "2026-03")
    assert again.returncode == 0 and "Nothing to do" in again.stdout
    assert _flask("ledger-check").returncode == 0
    _settled_once(app, three_invoices)
