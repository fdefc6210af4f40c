"""The daily enrolment jobs through the CLI (`flask enrolments remind|expire`): a reminder the
working day before a deadline, sent once; unanswered requests and offers not accepted in time
closed, a seat held by a waitlist offer passed to the next in line; a second run changes
nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from pfdo import clock
from pfdo.children.models import Child
from pfdo.db import db
from pfdo.enrollments import contracts, waitlist
from pfdo.enrollments.models import Contract, EnrollmentRequest, WaitlistEntry
from pfdo.notifications.models import Notice
from pfdo.programs.models import Group
from tests import factories
from tests.factories.accounts import user_row


def _on(day: date) -> None:
    """Early on `day` in UTC: the same date in the municipality's zone."""
    clock.set_frozen(datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC))


def _run(app, command: str) -> str:
    result = app.test_cli_runner().invoke(args=["enrolments", command])
    assert result.exit_code == 0, result.output
    return result.output


def _count(app, user, words: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Notice).where(
            Notice.user_id == user.id, Notice.text.contains(words)))


def test_the_provider_is_reminded_the_working_day_before_once(app, world):
    made = factories.enrolment_request(app, world.parent, world.child, world.group)
    assert made.answer_due_on == date(2026, 3, 20)  # a Friday
    _on(date(2026, 3, 18))
    _run(app, "remind")
    assert _count(app, world.staff, "Срок ответа на заявку") == 0
    _on(date(2026, 3, 19))
    assert "Reminded: 1 request(s)" in _run(app, "remind")
    assert "Reminded: 0 request(s)" in _run(app, "remind")
    _on(date(2026, 3, 20))
    _run(app, "remind")
    assert _count(app, world.staff, "Срок ответа на заявку") == 1


def test_an_unanswered_request_expires_once_and_the_family_is_told(app, world):
    made = factories.enrolment_request(app, world.parent, world.child, world.group)
    _on(date(2026, 3, 20))
    _run(app, "expire")
    with app.app_context():
        assert db.session.get(EnrollmentRequest, made.id).status == "pending"
    _on(date(2026, 3, 21))
    assert "Expired: 1 request(s)" in _run(app, "expire")
    assert "Expired: 0 request(s)" in _run(app, "expire")
    with app.app_context():
        assert db.session.get(EnrollmentRequest, made.id).status == "expired"
    assert _count(app, world.parent, "Поставщик не ответил") == 1


def _family(app, world, last_name: str, first_name: str):
    parent = factories.user(app, "parent")
    kid = factories.child(app, parent, last_name=last_name, first_name=first_name, sex="male")
    factories.certificate(app, parent, kid, coordinator=world.coordinator)
    return parent, kid


def _queue(app, parent, kid, group_id: int) -> int:
    with app.app_context():
        return waitlist.join(user_row(parent), db.session.get(Child, kid.id),
                             db.session.get(Group, group_id), today=factories.today()).id


def test_a_lapsed_waitlist_offer_passes_its_seat_to_the_next_in_line(app, world):
    small = factories.group(app, world.program, name="Малая", capacity=1,
                            starts_on=date(2026, 2, 1), ends_on=date(2026, 12, 31))
    signed = factories.contract(app, world.parent, world.child, small)
    second_parent, second = _family(app, world, "Петров", "Пётр")
    third_parent, third = _family(app, world, "Сидоров", "Семён")
    second_entry = _queue(app, second_parent, second, small.id)
    third_entry = _queue(app, third_parent, third, small.id)
    with app.app_context():
        contracts.terminate(db.session.get(Contract, signed.id), actor=user_row(world.parent),
                            by="parent", reason="Переезжаем", today=factories.today())
        held = db.session.scalars(select(Contract).where(Contract.child_id == second.id)).one()
        assert held.holds_seat and held.accept_by == date(2026, 3, 20)
        held_id = held.id
    _on(date(2026, 3, 23))
    assert "1 offer(s) not accepted" in _run(app, "expire")
    assert "0 offer(s) not accepted" in _run(app, "expire")
    with app.app_context():
        assert db.session.get(Contract, held_id).status == "lapsed"
        assert db.session.get(WaitlistEntry, second_entry).status == "lapsed"
        assert db.session.get(WaitlistEntry, third_entry).status == "offered"
        next_offer = db.session.scalars(select(Contract).where(
            Contract.child_id == third.id)).one()
        assert next_offer.status == "offered" and next_offer.holds_seat
        assert next_offer.first_month == date(2026, 4, 1)
        assert db.session.get(Group, small.id).seats_taken == 1
    assert _count(app, second_parent, "Срок оферты") == 1
    assert _count(app, third_parent, "Освободилось место") == 1


def test_a_family_is_reminded_of_an_offer_the_day_before_it_lapses(app, world):
    offer = factories.offer(app, world.parent, world.child, world.group)
    assert offer.accept_by == date(2026, 3, 20)
    _on(date(2026, 3, 19))
    _run(app, "remind")
    _run(app, "remind")
    assert _count(app, world.parent, "действует до 20.03.2026") == 1


def test_a_closed_certificate_ends_its_contract_at_the_end_of_the_month_once(app, world):
    from pfdo.certificates.models import Certificate
    from pfdo.ledger import checks
    from pfdo.ledger import services as ledger

    signed = factories.contract(app, world.parent, world.child, world.group)
    with app.app_context():  # the child turned 18 (certificates expire closes it)
        certificate = db.session.get(Certificate, world.certificate.id)
        certificate.status, certificate.status_reason = "closed", "Ребёнку исполнилось 18 лет"
        db.session.commit()
    output = _run(app, "expire")
    assert "ended 1 contract(s) of closed certificates" in output
    assert "ended 0 contract(s)" in _run(app, "expire")
    with app.app_context():
        contract = db.session.get(Contract, signed.id)
        assert (contract.status, contract.terminated_by) == ("terminated", "certificate")
        assert contract.ends_on == date(2026, 3, 31)
        assert contract.termination_reason == "Сертификат закрыт: ребёнку исполнилось 18 лет"
        assert [m.status for m in contract.months][:2] == ["reserved", "released"]
        kept = sum(m.certificate_share for m in contract.months if m.status == "reserved")
        assert ledger.balances_by_code([contract.escrow_code])[contract.escrow_code] == kept
        assert db.session.get(Group, world.group.id).seats_taken == 0
        assert checks.check_invariants() == []
    assert _count(app, world.parent, "расторгнут (сертификат закрыт)") == 1
