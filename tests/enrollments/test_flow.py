"""The enrolment path end to end through the services: request, offer, acceptance with the
reserve (and the conversion to a financing certificate), termination with the release."""

from __future__ import annotations

from datetime import date

import pytest

from pfdo.certificates.balance import balance
from pfdo.certificates.models import Certificate
from pfdo.db import db
from pfdo.enrollments import contracts, offers, requests
from pfdo.enrollments.models import Contract, EnrollmentRequest
from pfdo.errors import DomainError
from pfdo.ledger import checks
from pfdo.ledger import services as ledger
from pfdo.programs.cost import monthly_norm
from pfdo.programs.models import Group
from tests import factories
from tests.enrollments.conftest import HOUR_COST
from tests.factories.accounts import user_row

NORM = monthly_norm(HOUR_COST, 2)


def test_a_request_waits_five_working_days_for_the_provider(app, world):
    made = factories.enrolment_request(app, world.parent, world.child, world.group)
    assert made.status == "pending"
    # 15.03.2026 is a Sunday: Monday 16th … Friday 20th
    assert made.answer_due_on == date(2026, 3, 20)


def test_accepting_the_offer_converts_reserves_and_takes_the_seat(app, world):
    signed = factories.contract(app, world.parent, world.child, world.group)
    with app.app_context():
        contract = db.session.get(Contract, signed.id)
        assert contract.status == "active"
        assert db.session.get(Group, world.group.id).seats_taken == 1
        certificate = db.session.get(Certificate, world.certificate.id)
        assert certificate.is_financing
        months = contract.months
        assert [m.month for m in months][0] == date(2026, 3, 1)
        assert len(months) == 10
        assert all(m.certificate_share == NORM and m.family_share == 250_000 - NORM
                   for m in months)
        assert ledger.balances_by_code([contract.escrow_code])[contract.escrow_code] == 10 * NORM
        money = balance(certificate, today=factories.today())
        assert money.reserved == 10 * NORM
        assert money.available == 1_745_600 * 10 // 12 - 10 * NORM
        assert checks.check_invariants() == []


def test_terminating_releases_the_later_months_and_frees_the_seat(app, world):
    signed = factories.contract(app, world.parent, world.child, world.group)
    with app.app_context():
        contract = db.session.get(Contract, signed.id)
        contracts.terminate(contract, actor=user_row(world.parent), by="parent",
                            reason="Переезжаем", today=factories.today())
        assert contract.status == "terminated"
        assert contract.ends_on == date(2026, 3, 31)
        statuses = [m.status for m in contract.months]
        assert statuses == ["reserved"] + ["released"] * 9
        assert ledger.balances_by_code([contract.escrow_code])[contract.escrow_code] == NORM
        assert db.session.get(Group, world.group.id).seats_taken == 0


def test_a_second_request_for_the_program_is_refused_and_nothing_saved(app, world):
    factories.enrolment_request(app, world.parent, world.child, world.group)
    with pytest.raises(DomainError, match="уже отправлена"):
        factories.enrolment_request(app, world.parent, world.child, world.group)
    with app.app_context():
        assert db.session.query(EnrollmentRequest).count() == 1


def test_the_last_seat_goes_to_the_first_acceptance(app, world):
    small = factories.group(app, world.program, name="Малая", capacity=1,
                            starts_on=date(2026, 2, 1), ends_on=date(2026, 12, 31))
    other_parent = factories.user(app, "parent")
    other = factories.child(app, other_parent, first_name="Пётр", sex="male")
    factories.certificate(app, other_parent, other, coordinator=world.coordinator)
    first = factories.offer(app, world.parent, world.child, small)
    second = factories.offer(app, other_parent, other, small)
    with app.app_context():
        offers.accept(db.session.get(Contract, first.id), actor=user_row(world.parent),
                      today=factories.today(), fingerprint=None)
    with app.app_context(), pytest.raises(DomainError, match="не осталось свободных мест"):
        offers.accept(db.session.get(Contract, second.id), actor=user_row(other_parent),
                      today=factories.today(), fingerprint=None)
    with app.app_context():
        assert db.session.get(Contract, second.id).status == "offered"
        assert db.session.get(Group, small.id).seats_taken == 1


def test_age_outside_the_range_on_the_start_date_is_refused(app, world):
    young = factories.group(app, world.program, name="Ранняя", starts_on=date(2026, 4, 1),
                            ends_on=date(2026, 12, 31))
    kid = factories.child(app, world.parent, first_name="Мария", birth_date=date(2020, 1, 1))
    factories.certificate(app, world.parent, kid, coordinator=world.coordinator)
    with app.app_context():
        check = requests.eligibility(db.session.get(type(kid), kid.id),
                                     db.session.get(Group, young.id), today=factories.today())
        assert any("для детей 7–12 лет" in r for r in check.refusals)


def test_the_ledger_check_sees_the_contracts(app, world):
    from pfdo.enrollments import checks as contract_checks
    signed = factories.contract(app, world.parent, world.child, world.group)
    with app.app_context():
        assert checks.check_invariants() == []
        assert contract_checks.seat_problems() == []
        month = db.session.get(Contract, signed.id).months[-1]
        month.status = "released"  # as if released without the money moving back
        db.session.commit()
        assert any(f"contract {signed.id}" in b for b in checks.check_invariants())
