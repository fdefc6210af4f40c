"""The period jobs and their commands: open tops up once, close returns balances once, expire
closes an 18-year-old's certificate and hands the freed place to the queue."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from pfdo import clock
from pfdo.certificates import jobs
from pfdo.certificates.models import Certificate, FinancingGrant, QueueEntry
from pfdo.db import db
from pfdo.errors import DomainError
from pfdo.ledger import services as ledger
from pfdo.ledger.models import Transfer
from pfdo.periods.models import FinancingPeriod
from tests import factories

NOMINAL = factories.NOMINAL
#: 17 456,00 ₽ for June–December 2025 (7 of 12 months)
JUNE_GRANT = NOMINAL * 7 // 12


def on(day: date) -> None:
    """Move the clock to noon of `day` in Asia/Vladivostok (the demo municipality)."""
    clock.set_frozen(datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC))


def run(app, job, *args, **kwargs):
    with app.app_context():
        return job(*args, today=factories.today(), **kwargs)


def close(app, period):
    with app.app_context():
        return jobs.close_period(db.session.get(FinancingPeriod, period.id),
                                 today=factories.today())


def balance_of(code: str) -> int:
    account = ledger.find_account(code)
    return ledger.balance(account) if account else 0


@pytest.fixture
def year_2025(app, make, frozen_clock):
    """A financing certificate granted in June 2025; periods 2025 and 2026 exist."""
    make.municipality()
    on(date(2025, 6, 1))
    p2025 = factories.period(app, title="2025 год", starts_on=date(2025, 1, 1),
                             ends_on=date(2025, 12, 31))
    p2026 = factories.period(app, title="2026 год")
    certificate = factories.certificate(app, make.user("parent"))
    factories.financing(app, certificate)
    return p2025, p2026, certificate


def test_close_returns_unspent_balances_to_the_fund_once(app, year_2025):
    p2025, _, certificate = year_2025
    on(date(2026, 1, 10))

    first = close(app, p2025)
    second = close(app, p2025)

    assert (first.done, first.amount) == (1, JUNE_GRANT)
    assert (second.done, second.skipped, second.amount) == (0, 1, 0)
    with app.app_context():
        assert balance_of(f"certificate:{certificate.id}") == 0
        assert balance_of(f"fund:{p2025.id}") == 0  # the top-up came back
        assert db.session.scalar(select(func.count()).select_from(Transfer).where(
            Transfer.kind == "return")) == 1
        assert db.session.get(FinancingPeriod, p2025.id).closed_at is not None


def test_a_period_that_has_not_ended_cannot_be_closed(app, year_2025):
    p2025, _, _ = year_2025
    with pytest.raises(DomainError, match="ещё не закончился"):
        close(app, p2025)


def test_open_tops_continuing_certificates_up_once(app, year_2025):
    p2025, p2026, certificate = year_2025
    on(date(2026, 1, 10))
    close(app, p2025)

    first = run(app, jobs.open_period)
    second = run(app, jobs.open_period)

    assert (first.done, first.amount, first.problems) == (1, NOMINAL, [])
    assert (second.done, second.skipped, second.amount) == (0, 1, 0)
    with app.app_context():
        assert balance_of(f"certificate:{certificate.id}") == NOMINAL
        grant = db.session.scalars(select(FinancingGrant).where(
            FinancingGrant.period_id == p2026.id)).one()
        assert (grant.source, grant.months, grant.amount) == ("period_open", 12, NOMINAL)
        assert db.session.get(FinancingPeriod, p2026.id).quota_used == 1


def test_the_certificates_money_carries_its_ref(app, year_2025):
    """Top-ups on a grant, at the period's open, and returns at its close name the
    certificate, so billing can find a certificate's money by query."""
    p2025, _, certificate = year_2025
    on(date(2026, 1, 10))
    close(app, p2025)
    run(app, jobs.open_period)
    with app.app_context():
        refs = db.session.execute(select(Transfer.kind, Transfer.ref).order_by(Transfer.id))
        assert refs.all() == [("topup", f"certificate:{certificate.id}"),
                              ("return", f"certificate:{certificate.id}"),
                              ("topup", f"certificate:{certificate.id}")]


def test_open_refuses_while_the_last_period_is_not_closed(app, year_2025):
    on(date(2026, 1, 10))
    with pytest.raises(DomainError, match="Сначала закройте период «2025 год»"):
        run(app, jobs.open_period)


@pytest.fixture
def turning_eighteen(app, make, frozen_clock):
    """15.03.2026, a period with one financing place: a child who turns 18 on 20.03.2026 has
    it; another family waits in the queue."""
    make.municipality()
    period = factories.period(app, quota=1)
    parent = make.user("parent")
    older = factories.certificate(app, parent, last_name="Старшая",
                                  birth_date=date(2008, 3, 20), document_type="passport",
                                  document_series="99 01", document_number="123456")
    grant = factories.financing(app, older)
    younger = factories.certificate(app, parent, last_name="Младшая")
    factories.queue(app, younger)
    return period, older, younger, grant


def test_expire_closes_an_18_year_olds_certificate_and_serves_the_queue(app, turning_eighteen):
    period, older, younger, grant = turning_eighteen
    on(date(2026, 3, 19))
    assert run(app, jobs.expire_certificates).done == 0  # not yet 18
    on(date(2026, 3, 20))

    report = run(app, jobs.expire_certificates)

    assert (report.done, report.amount, report.skipped) == (1, grant.amount, 1)
    with app.app_context():
        closed = db.session.get(Certificate, older.id)
        assert (closed.status, closed.status_reason) == ("closed", "Ребёнку исполнилось 18 лет")
        assert balance_of(f"certificate:{older.id}") == 0
        served = db.session.get(Certificate, younger.id)
        assert served.kind == "financing"
        new_grant = db.session.scalars(select(FinancingGrant).where(
            FinancingGrant.certificate_id == younger.id)).one()
        assert (new_grant.source, new_grant.months) == ("queue", 10)
        assert balance_of(f"certificate:{younger.id}") == new_grant.amount
        assert db.session.scalars(select(QueueEntry)).one().status == "granted"
        assert db.session.get(FinancingPeriod, period.id).quota_used == 1
        # the fund gave the two grants and got the first one back
        assert balance_of(f"fund:{period.id}") == -new_grant.amount

    again = run(app, jobs.expire_certificates)
    assert (again.done, again.amount, again.skipped) == (0, 0, 0)


# --- The commands ----------------------------------------------------------------------------

def test_the_commands_report_what_they_did(app, year_2025):
    p2025, _, _ = year_2025
    runner = app.test_cli_runner()
    on(date(2026, 1, 10))

    refused = runner.invoke(args=["periods", "open"])
    closed = runner.invoke(args=["periods", "close"])
    nothing = runner.invoke(args=["periods", "close"])
    opened = runner.invoke(args=["periods", "open"])
    expired = runner.invoke(args=["certificates", "expire"])

    assert refused.exit_code == 1 and "Сначала закройте период" in refused.output
    assert closed.exit_code == 0, closed.output
    assert closed.output.startswith(f"Closed period #{p2025.id} (01.01.2025-31.12.2025): "
                                    "returned 10\u00a0182,66\u00a0₽ from 1 certificate(s)")
    assert nothing.output.strip() == "No ended period left to close."
    assert opened.exit_code == 0, opened.output
    assert opened.output.startswith("Opened the period on 10.01.2026: topped up 1 "
                                    "certificate(s) with 17\u00a0456,00\u00a0₽; 0 already")
    assert expired.exit_code == 0
    assert expired.output.startswith("Expired 0 certificate(s) on 10.01.2026")


def test_closing_a_period_that_is_running_exits_non_zero(app, year_2025):
    _, p2026, _ = year_2025
    result = app.test_cli_runner().invoke(args=["periods", "close", "--period",
                                                str(p2026.id)])
    assert result.exit_code == 1
    assert "ещё не закончился" in result.output
    missing = app.test_cli_runner().invoke(args=["periods", "close", "--period", "999"])
    assert missing.exit_code == 1 and "No period with id 999" in missing.output
