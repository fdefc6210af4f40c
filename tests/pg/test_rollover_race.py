"""The roll-over on PostgreSQL, real concurrent connections (docs/domain.md §5): two
`flask periods open` at once top each certificate up once and reserve each continuing
contract's months once; an acceptance racing the opening never spends the new balance
before the continuing contract has reserved its months."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from pfdo import clock
from pfdo.accounts.services import PersonName
from pfdo.audit.models import AuditEvent
from pfdo.certificates import jobs as period_jobs
from pfdo.certificates.models import FinancingGrant
from pfdo.db import db
from pfdo.enrollments import offers, rollover
from pfdo.enrollments.models import Contract, ContractMonth, MonthStatus
from pfdo.ledger import checks
from pfdo.ledger import services as ledger
from pfdo.ledger.models import Transfer, TransferKind
from pfdo.notifications.models import Notice
from pfdo.periods.models import FinancingPeriod
from tests import factories
from tests.concurrency import race
from tests.factories.accounts import user_row

pytestmark = pytest.mark.pg

HOUR_COST = 15_000  # a normative of 1 200,00 ₽ a month for a technical program
NORMATIVE = 120_000
FAMILIES = 6


def on(day: date) -> None:
    clock.set_frozen(datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC))


def autumn_contracts(app, families: int):
    """October 2026: `families` children with financing certificates, each in a group running
    September 2026 – May 2027; then 1 January 2027 with the 2027 period created and 2026
    closed. Returns (the 2027 period, the contract ids, the parents, the staff, a provider)."""
    factories.municipality(app)
    on(date(2026, 10, 5))
    coordinator = factories.user(app, "coordinator")
    p2026 = factories.period(app, hour_costs={"technical": HOUR_COST})
    staff = factories.user(app, "provider_staff")
    provider = factories.provider(app, staff=staff)
    group = factories.group(app, factories.program(app, provider), capacity=50, price=250_000)
    contract_ids, parents = [], []
    for n in range(families):
        parent = factories.user(app, "parent")
        child = factories.child(app, parent, name=PersonName("Орлова", f"Анна{'а' * n}",
                                                             "Ивановна"))
        certificate = factories.certificate(app, parent, child, coordinator=coordinator)
        factories.financing(app, certificate)
        contract_ids.append(factories.contract(app, parent, child, group, staff=staff).id)
        parents.append((parent, child))
    on(date(2027, 1, 1))
    p2027 = factories.period(app, starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31),
                             hour_costs={"technical": HOUR_COST})
    with app.app_context():
        period_jobs.close_period(db.session.get(FinancingPeriod, p2026.id),
                                 today=factories.today())
    return p2027, contract_ids, parents, staff, provider


def test_two_openings_at_once_reserve_each_contract_once(app, frozen_clock):
    p2027, contract_ids, _, _, _ = autumn_contracts(app, FAMILIES)

    outcomes = race(app, 2, lambda _: rollover.open_period(today=factories.today()))

    assert not outcomes.errors, outcomes
    assert sum(r.done for r in outcomes) == FAMILIES
    assert sum(r.rolled_over for r in outcomes) == FAMILIES
    assert sum(r.reserved for r in outcomes) == FAMILIES * 5 * NORMATIVE
    with app.app_context():
        assert db.session.scalar(select(FinancingPeriod.quota_used).where(
            FinancingPeriod.id == p2027.id)) == FAMILIES
        assert db.session.scalar(select(func.count()).select_from(FinancingGrant).where(
            FinancingGrant.period_id == p2027.id)) == FAMILIES
        reserves = db.session.scalars(select(Transfer).where(
            Transfer.kind == TransferKind.RESERVE, Transfer.key.like(f"reserve:%:{p2027.id}"))
            ).all()
        assert sorted(t.ref for t in reserves) == sorted(f"contract:{i}" for i in contract_ids)
        assert {t.amount for t in reserves} == {5 * NORMATIVE}
        for contract_id in contract_ids:
            months = db.session.scalars(select(ContractMonth).where(
                ContractMonth.contract_id == contract_id,
                ContractMonth.month >= date(2027, 1, 1))).all()
            assert [(m.status, m.certificate_share) for m in months] \
                == [(MonthStatus.RESERVED, NORMATIVE)] * 5
        assert checks.check_invariants() == []


def test_an_acceptance_racing_the_opening_cannot_take_the_continuing_contracts_money(
        app, frozen_clock):
    """The child's second program is offered in January; the family accepts while the
    period opens. Whichever goes first, January–May of the first contract are reserved in
    full, and the second contract gets only what is left (or nothing, before the top-up)."""
    p2027, contract_ids, parents, staff, provider = autumn_contracts(app, 1)
    parent, child = parents[0]
    second = factories.group(app, factories.program(app, provider, title="Инженерная графика"),
                             capacity=5, price=2_000_000, weekdays=(2, 4))
    offer = factories.offer(app, parent, child, second, staff=staff)

    def work(n: int):
        if n == 0:
            return rollover.open_period(today=factories.today())
        contract = db.session.get(Contract, offer.id)
        return offers.accept(contract, actor=user_row(parent), today=factories.today(),
                             fingerprint=None).id

    outcomes = race(app, 2, work)

    assert not outcomes.errors, outcomes
    with app.app_context():
        first = db.session.scalars(select(ContractMonth).where(
            ContractMonth.contract_id == contract_ids[0],
            ContractMonth.month >= date(2027, 1, 1))).all()
        assert [(m.status, m.certificate_share) for m in first] \
            == [(MonthStatus.RESERVED, NORMATIVE)] * 5
        certificate = db.session.get(Contract, contract_ids[0]).certificate
        taken = sum(m.certificate_share for m in db.session.get(Contract, offer.id).months)
        assert ledger.balance(ledger.find_account(certificate.account_code)) \
            == factories.NOMINAL - 5 * NORMATIVE - taken
        assert checks.check_invariants() == []


def test_two_reruns_after_a_crash_complete_the_reserves_once(app, frozen_clock):
    """The certificates were topped up by an opening that did not reserve (as if it had
    crashed before its callback): two openings at once then reserve each contract once, and
    each family is told once."""
    p2027, contract_ids, _, _, _ = autumn_contracts(app, FAMILIES)
    with app.app_context():
        assert period_jobs.open_period(today=factories.today()).done == FAMILIES
        told_before = db.session.scalar(select(func.count()).select_from(Notice))

    outcomes = race(app, 2, lambda _: rollover.open_period(today=factories.today()))

    assert not outcomes.errors, outcomes
    assert sum(r.done for r in outcomes) == 0
    assert sum(r.skipped for r in outcomes) == 2 * FAMILIES
    assert sum(r.rolled_over for r in outcomes) == FAMILIES
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Transfer).where(
            Transfer.key.like(f"reserve:%:{p2027.id}"))) == FAMILIES
        assert db.session.scalar(select(func.count()).select_from(Notice)) \
            == told_before + FAMILIES
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "contract.rolled_over")) == FAMILIES
        assert checks.check_invariants() == []
