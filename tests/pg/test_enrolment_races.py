"""Enrolment races on PostgreSQL, real concurrent connections (docs/domain.md §8 point 4): the
last seat, a certificate's last money and the last financing places, each fought for by many
families accepting their offers at the same moment. Exactly the possible number win; every
loser is refused with the reason a family can act on and nothing of theirs changed."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from pfdo.accounts.services import PersonName
from pfdo.certificates.balance import balance
from pfdo.certificates.models import Certificate, FinancingGrant
from pfdo.db import db
from pfdo.enrollments import offers, terms
from pfdo.enrollments.models import Contract, ContractMonth, ContractStatus
from pfdo.ledger import checks
from pfdo.ledger import services as ledger
from pfdo.ledger.models import AccountKind, LedgerAccount, Transfer, TransferKind
from pfdo.periods.models import FinancingPeriod
from pfdo.programs.groups import GroupFull
from pfdo.programs.models import Group
from tests import factories
from tests.concurrency import race
from tests.factories.accounts import user_row

pytestmark = pytest.mark.pg

HOUR_COST = 15_000  # a normative of 1 200,00 ₽ a month for a technical program


LETTERS = "абвгдежзиклмнопрстуфхцчшэюя"


def family(app, coordinator, n: int):
    """A parent with a child (born in 2015, a week apart) holding a record certificate."""
    parent = factories.user(app, "parent")
    suffix = LETTERS[n // len(LETTERS)] + LETTERS[n % len(LETTERS)]
    child = factories.child(app, parent, name=PersonName("Орлова", f"Анна-{suffix}", "Ивановна"),
                            birth_date=date(2015, 1, 1) + timedelta(days=7 * n))
    certificate = factories.certificate(app, parent, child, coordinator=coordinator)
    return parent, child, certificate


def setting(app, *, quota: int = 100):
    factories.municipality(app)
    coordinator = factories.user(app, "coordinator")
    factories.period(app, coordinator, quota=quota, hour_costs={"technical": HOUR_COST})
    staff = factories.user(app, "provider_staff")
    provider = factories.provider(app, staff=staff)
    return coordinator, staff, provider


def group_of(app, provider, *, capacity: int, title: str = "Робототехника"):
    program = factories.program(app, provider, title=title)
    return factories.group(app, program, capacity=capacity, starts_on=date(2026, 2, 1),
                           ends_on=date(2026, 12, 31), price=250_000)


def accepting(app, offer_ids, *, with_terms: bool):
    """`before` and `work` for race(): each thread loads its offer (and, with_terms, the
    fingerprint of the terms the family read before the race) and accepts it; a win is the
    contract's id."""
    def before(n: int):
        contract = db.session.get(Contract, offer_ids[n])
        fingerprint = terms.fingerprint(offers.quote(contract, today=factories.today())[1]) \
            if with_terms else None
        return contract, fingerprint

    def work(argument):
        contract, fingerprint = argument
        return offers.accept(contract, actor=user_row(contract.parent_id),
                             today=factories.today(), fingerprint=fingerprint).id
    return before, work


def losers_unchanged(offer_ids, winners: set[int]) -> None:
    """The offers that lost are still offers: no months, no escrow, no money moved."""
    losers = [i for i in offer_ids if i not in winners]
    rows = db.session.scalars(select(Contract).where(Contract.id.in_(losers))).all()
    assert {c.status for c in rows} == {ContractStatus.OFFERED}
    assert all(c.accepted_at is None for c in rows)
    assert db.session.scalar(select(func.count()).select_from(ContractMonth).where(
        ContractMonth.contract_id.in_(losers))) == 0
    refs = [f"contract:{i}" for i in losers]
    assert db.session.scalar(select(func.count()).select_from(Transfer).where(
        Transfer.ref.in_(refs))) == 0
    assert db.session.scalar(select(func.count()).select_from(LedgerAccount).where(
        LedgerAccount.code.in_([f"escrow:{i}" for i in losers]))) == 0


def test_fifty_families_accepting_for_the_last_seat_one_gets_it(app, frozen_clock):
    coordinator, staff, provider = setting(app)
    group = group_of(app, provider, capacity=1)
    offer_ids = []
    for n in range(50):
        parent, child, _ = family(app, coordinator, n)
        offer_ids.append(factories.offer(app, parent, child, group, staff=staff).id)
    before, work = accepting(app, offer_ids, with_terms=True)

    outcomes = race(app, 50, work, before=before, timeout=180)

    kinds = Counter(type(o).__name__ for o in outcomes)
    assert kinds == {"int": 1, "GroupFull": 49}, outcomes
    assert all("не осталось свободных мест" in str(o) for o in outcomes
               if isinstance(o, GroupFull))
    with app.app_context():
        winner = next(o for o in outcomes if isinstance(o, int))
        assert db.session.get(Group, group.id).seats_taken == 1
        active = db.session.scalars(select(Contract).where(
            Contract.status == ContractStatus.ACTIVE)).all()
        assert [c.id for c in active] == [winner]
        assert len(active[0].months) == 10
        losers_unchanged(offer_ids, {winner})
        # only the winner converted: one financing place used
        assert db.session.scalar(select(func.count()).select_from(FinancingGrant)) == 1
        assert checks.check_invariants() == []


def test_twenty_accepts_racing_for_one_certificates_money_never_overspend(app, frozen_clock):
    coordinator, staff, provider = setting(app)
    parent, child, certificate = family(app, coordinator, 0)
    certificate_id = certificate.id
    factories.financing(app, certificate)
    offer_ids = []
    for n in range(20):
        group = group_of(app, provider, capacity=5, title=f"Робототехника {n + 1}")
        offer_ids.append(factories.offer(app, parent, child, group, staff=staff).id)
    with app.app_context():
        certificate = db.session.get(Certificate, certificate_id)
        credited = balance(certificate, today=factories.today()).available
        share = offers.quote(db.session.get(Contract, offer_ids[0]),
                             today=factories.today())[1].reserved_now
        # each offer's current-period share would take most of the balance
        assert credited // 2 < share <= credited
    before, work = accepting(app, offer_ids, with_terms=True)

    outcomes = race(app, 20, work, before=before, timeout=120)

    kinds = Counter(type(o).__name__ for o in outcomes)
    assert kinds == {"int": 1, "TermsChanged": 19}, outcomes
    with app.app_context():
        certificate = db.session.get(Certificate, certificate_id)
        money = balance(certificate, today=factories.today())
        assert money.available >= 0
        assert money.reserved == share
        assert money.available + money.reserved == credited
        reserves = db.session.scalar(select(func.coalesce(func.sum(Transfer.amount), 0)).where(
            Transfer.kind == TransferKind.RESERVE))
        assert reserves == share <= credited
        winner = next(o for o in outcomes if isinstance(o, int))
        losers_unchanged(offer_ids, {winner})
        seats = db.session.scalars(select(Group.seats_taken).order_by(Group.id)).all()
        assert sorted(seats) == [0] * 19 + [1]
        assert ledger.balances_by_code([f"escrow:{winner}"]) == {f"escrow:{winner}": share}
        assert db.session.scalar(select(func.count()).select_from(LedgerAccount).where(
            LedgerAccount.kind == AccountKind.ESCROW)) == 1
        assert checks.check_invariants() == []


PLACES = 5


def test_twenty_record_certificates_accepting_for_five_places_five_convert(app,
                                                                          frozen_clock):
    coordinator, staff, provider = setting(app, quota=PLACES)
    group = group_of(app, provider, capacity=25)
    offer_ids = []
    for n in range(20):
        parent, child, _ = family(app, coordinator, n)
        offer_ids.append(factories.offer(app, parent, child, group, staff=staff).id)
    # the terms each family read said the certificate pays; accepting without pay_in_full
    before, work = accepting(app, offer_ids, with_terms=False)

    outcomes = race(app, 20, work, before=before, timeout=120)

    kinds = Counter(type(o).__name__ for o in outcomes)
    assert kinds == {"int": PLACES, "QuotaGone": 20 - PLACES}, outcomes
    assert all(o.field == "pay_in_full" for o in outcomes if isinstance(o, offers.QuotaGone))
    with app.app_context():
        assert db.session.scalar(select(FinancingPeriod.quota_used)) == PLACES
        assert db.session.scalar(select(func.count()).select_from(FinancingGrant)) == PLACES
        winners = {o for o in outcomes if isinstance(o, int)}
        active = db.session.scalars(select(Contract).where(
            Contract.status == ContractStatus.ACTIVE)).all()
        assert {c.id for c in active} == winners
        assert all(not c.pay_in_full and c.certificate.is_financing for c in active)
        assert db.session.get(Group, group.id).seats_taken == PLACES
        losers_unchanged(offer_ids, winners)
        losing = db.session.scalars(select(Contract).where(Contract.id.not_in(winners))).all()
        assert all(not c.certificate.is_financing for c in losing)
        assert checks.check_invariants() == []
