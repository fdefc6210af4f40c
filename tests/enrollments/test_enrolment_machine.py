"""Stateful, property-based: random requests, provider answers, withdrawals, offer accepts
(with the terms the family read, stale ones, or none; some paying in full), declines,
terminations by the family or the provider, waitlist joins and leaves, a group disbanded, the
daily jobs with the clock moved past the deadlines, and a change of period (the clock moved
into the next one, the old period closed and the financing certificates topped up, as
`flask periods close` and `flask periods open` do) — on SQLite, through the real services
(docs/domain.md §8, §10).

After every step: the ledger's invariants hold; every contract's escrow holds exactly the
certificate's share of its reserved months, which is what was reserved minus what was paid
and released under its ref; an escrow account exists exactly for the contracts with a
reserve, never for an offer; every group's seats are its active contracts plus the
seat-holding offers, within its capacity; no balance is negative. A refused action changes
nothing at all. Each example starts from a freshly wiped database."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from pfdo import clock
from pfdo.certificates import jobs as period_jobs
from pfdo.children.models import Child
from pfdo.db import db
from pfdo.enrollments import contracts, jobs, offers, requests, rollover, terms, waitlist
from pfdo.enrollments.models import (
    Contract,
    ContractMonth,
    ContractStatus,
    EnrollmentRequest,
    MonthStatus,
    RequestStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from pfdo.errors import DomainError
from pfdo.ledger import checks
from pfdo.ledger import services as ledger
from pfdo.ledger.models import AccountKind, LedgerAccount, Transfer, TransferKind
from pfdo.municipality import services as municipality
from pfdo.periods.models import FinancingPeriod
from pfdo.programs.models import Group
from tests import factories
from tests.conftest import _wipe as wipe_database
from tests.factories.accounts import user_row

START = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)
NEXT_PERIOD_DAY = datetime(2027, 1, 11, 10, 0, tzinfo=UTC)
NOMINAL = 1_000_000  # 10 000 ₽: less than a year of a 1 200 ₽ normative, so caps bite
STALE = "0" * 16
CHILDREN = 4
GROUPS = 4
_app = None
#: what the machine did over the run (printed; the test checks it did the main things)
SEEN: Counter = Counter()


def world(app) -> dict:
    """Two financing periods (2026 with 3 places, 2027), a provider with three programs —
    two certified (technical: a normative of 1 200 ₽ a month) and one free — and four groups
    of 1–2 seats; three parents with four children holding record certificates, the first
    one converted already, the last one holding the drawing group's only seat."""
    factories.municipality(app)
    coordinator = factories.user(app, "coordinator")
    costs = {"technical": 15_000}
    factories.period(app, nominal=NOMINAL, quota=3, hour_costs=costs)
    factories.period(app, starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31),
                     nominal=NOMINAL + 200_000, quota=10, hour_costs=costs)
    staff = factories.user(app, "provider_staff")
    provider = factories.provider(app, staff=staff)
    robots = factories.program(app, provider)
    drawing = factories.program(app, provider, title="Инженерная графика")
    chess = factories.program(app, provider, title="Шахматы", funding="municipal")
    groups = [
        factories.group(app, robots, name="Роботы-1", capacity=2, price=250_000,
                        starts_on=date(2026, 2, 1), ends_on=date(2027, 5, 31)),
        factories.group(app, robots, name="Роботы-2", capacity=1, price=90_000,
                        starts_on=date(2026, 3, 1), ends_on=date(2026, 12, 31)),
        factories.group(app, drawing, name="Графика", capacity=1, price=150_000,
                        starts_on=date(2026, 4, 1), ends_on=date(2027, 5, 31)),
        factories.group(app, chess, name="Шахматы", capacity=2, price=0,
                        starts_on=date(2026, 1, 1), ends_on=date(2027, 5, 31)),
    ]
    parents = [factories.user(app, "parent") for _ in range(3)]
    owners = [parents[0], parents[0], parents[1], parents[2]]
    children, certificates = [], []
    for n, parent in enumerate(owners):
        child = factories.child(app, parent, first_name=f"Анна{'а' * n}",
                                birth_date=date(2016, 5, 10 + n))
        children.append(child.id)
        certificates.append(factories.certificate(app, parent, child,
                                                  coordinator=coordinator))
    factories.financing(app, certificates[0])
    # the drawing group's one seat is taken from the start: families can queue for it
    factories.contract(app, owners[3], children[3], groups[2], staff=staff)
    return {"staff": staff.id, "children": children, "groups": [g.id for g in groups],
            "parents": {c: p.id for c, p in zip(children, owners, strict=True)}}


class EnrolmentMachine(RuleBasedStateMachine):
    @initialize()
    def fresh_world(self):
        clock.set_frozen(START)
        wipe_database(_app)
        self.w = world(_app)
        self.in_next_period = False
        self.disbanded = False
        self.steps = 0
        #: how many pending requests, offers, active contracts, waiting entries and full
        #: groups there are (counted after every step): the rules fire only when they can
        self.counts: Counter = Counter()

    # --- helpers ---

    def today(self) -> date:
        return municipality.local_today()

    def snapshot(self) -> tuple:
        """Everything an action could change: statuses, months, seats, money."""
        return (
            tuple(db.session.execute(select(EnrollmentRequest.id, EnrollmentRequest.status)
                                     .order_by(EnrollmentRequest.id))),
            tuple(db.session.execute(select(Contract.id, Contract.status, Contract.pay_in_full)
                                     .order_by(Contract.id))),
            tuple(db.session.execute(select(ContractMonth.id, ContractMonth.status)
                                     .order_by(ContractMonth.id))),
            tuple(db.session.execute(select(WaitlistEntry.id, WaitlistEntry.status)
                                     .order_by(WaitlistEntry.id))),
            tuple(db.session.execute(select(Group.id, Group.seats_taken).order_by(Group.id))),
            tuple(db.session.execute(select(LedgerAccount.code, LedgerAccount.debits_posted,
                                            LedgerAccount.credits_posted)
                                     .order_by(LedgerAccount.id))),
            db.session.scalar(select(func.count()).select_from(Transfer)),
            tuple(db.session.execute(select(FinancingPeriod.id, FinancingPeriod.quota_used))),
        )

    def attempt(self, name: str, call) -> object | None:
        """Run a service call; a refusal (DomainError) must leave the database untouched."""
        before = self.snapshot()
        try:
            result = call()
        except DomainError as refused:
            db.session.rollback()
            assert str(refused).strip()
            assert self.snapshot() == before, f"{name} was refused but changed something"
            SEEN[f"{name}: refused"] += 1
            return refused
        SEEN[name] += 1
        return result

    def pick(self, data, model, *where):
        ids = db.session.scalars(select(model.id).where(*where).order_by(model.id)).all()
        return db.session.get(model, data.draw(st.sampled_from(ids))) if ids else None

    def parent_of(self, child_id: int):
        return user_row(self.w["parents"][child_id])

    # --- rules ---

    @precondition(lambda self: self.counts["pending"] < 2)
    @rule(child=st.integers(0, CHILDREN - 1), group=st.integers(0, GROUPS - 1))
    def request(self, child, group):
        with _app.app_context():
            kid = db.session.get(Child, self.w["children"][child])
            self.attempt("request", lambda: requests.submit(
                self.parent_of(kid.id), kid, db.session.get(Group, self.w["groups"][group]),
                today=self.today(), confirm_schedule=True))

    @precondition(lambda self: self.counts["pending"])
    @rule(data=st.data(), answer=st.sampled_from(["accept", "accept", "accept", "reject",
                                                  "withdraw"]))
    def answer_request(self, data, answer):
        """The provider accepts or rejects a pending request, or the family withdraws it."""
        with _app.app_context():
            request = self.pick(data, EnrollmentRequest,
                                EnrollmentRequest.status == RequestStatus.PENDING)
            staff = user_row(self.w["staff"])
            if answer == "accept":
                self.attempt("provider accepts", lambda: requests.accept(
                    request, actor=staff, today=self.today()))
            elif answer == "reject":
                self.attempt("provider rejects", lambda: requests.reject(
                    request, actor=staff, reason="Группа набрана"))
            else:
                self.attempt("withdraw", lambda: requests.withdraw(
                    request, actor=user_row(request.parent_id)))

    @precondition(lambda self: self.counts["offered"])
    @rule(data=st.data(), terms_read=st.sampled_from(["live", "live", "stale", "none",
                                                      "decline"]),
          pay_in_full=st.booleans())
    def answer_offer(self, data, terms_read, pay_in_full):
        """The family accepts an offer (with the terms it read, stale ones or none) or
        declines it."""
        with _app.app_context():
            offer = self.pick(data, Contract, Contract.status == ContractStatus.OFFERED)
            today = self.today()
            if terms_read == "decline":
                self.attempt("decline", lambda: offers.decline(
                    offer, actor=user_row(offer.parent_id), today=today))
                return
            fingerprint = {"live": lambda: terms.fingerprint(offers.quote(offer, today=today)[1]),
                           "stale": lambda: STALE, "none": lambda: None}[terms_read]()
            outcome = self.attempt("accept", lambda: offers.accept(
                offer, actor=user_row(offer.parent_id), today=today, fingerprint=fingerprint,
                pay_in_full=pay_in_full))
            if terms_read == "stale":
                assert isinstance(outcome, DomainError), "stale terms were accepted"
            if isinstance(outcome, Contract):
                assert outcome.status == ContractStatus.ACTIVE and outcome.months
                if outcome.pay_in_full:
                    assert pay_in_full
                    assert all(m.certificate_share == 0 for m in outcome.months)

    @precondition(lambda self: self.counts["active"])
    @rule(data=st.data(), by=st.sampled_from(["parent", "provider"]))
    def terminate(self, data, by):
        with _app.app_context():
            contract = self.pick(data, Contract, Contract.status == ContractStatus.ACTIVE)
            if contract is None:
                return
            actor = user_row(contract.parent_id if by == "parent" else self.w["staff"])
            self.attempt("terminate", lambda: contracts.terminate(
                contract, actor=actor, by=by, reason="Не подошло расписание",
                today=self.today()))

    @precondition(lambda self: self.counts["full"])
    @rule(data=st.data(), child=st.integers(0, CHILDREN - 1))
    def join_waitlist(self, data, child):
        """A family queues for a full group (mostly refused when the child holds the program
        already or is queued: nothing may change then either)."""
        with _app.app_context():
            kid = db.session.get(Child, self.w["children"][child])
            group = self.pick(data, Group, Group.seats_taken >= Group.capacity)
            self.attempt("join waitlist", lambda: waitlist.join(
                self.parent_of(kid.id), kid, group, today=self.today()))

    @precondition(lambda self: self.counts["waiting"])
    @rule(data=st.data())
    def leave_waitlist(self, data):
        with _app.app_context():
            entry = self.pick(data, WaitlistEntry, WaitlistEntry.status == WaitlistStatus.WAITING)
            if entry is not None:
                self.attempt("leave waitlist", lambda: waitlist.leave(
                    entry, actor=user_row(entry.parent_id)))

    @precondition(lambda self: not self.disbanded and self.steps >= 15)
    @rule(group=st.integers(0, GROUPS - 1))
    def provider_disbands(self, group):
        """The provider disbands a group late in the run: its contracts end, its offers,
        requests and queue close."""
        self.disbanded = True
        with _app.app_context():
            self.attempt("disband", lambda: contracts.disband(
                db.session.get(Group, self.w["groups"][group]), actor=user_row(self.w["staff"]),
                reason="Педагог уволился", today=self.today()))

    @rule(days=st.integers(1, 4))
    def days_pass(self, days):
        """The clock moves on and the daily jobs run (past deadlines expire)."""
        clock.advance(timedelta(days=days))
        with _app.app_context():
            jobs.remind(self.today())
            report = jobs.expire(self.today())
            if report.requests or report.offers:
                SEEN["expired"] += 1

    @precondition(lambda self: not self.in_next_period and self.steps >= 12)
    @rule()
    def next_period_begins(self):
        clock.set_frozen(NEXT_PERIOD_DAY)
        self.in_next_period = True
        with _app.app_context():
            today = self.today()
            jobs.expire(today)
            old = db.session.scalars(select(FinancingPeriod).order_by(
                FinancingPeriod.starts_on)).first()
            period_jobs.close_period(old, today=today)
            report = rollover.open_period(today=today)
            assert report.problems == []
            SEEN["next period"] += 1
            if report.rolled_over:
                SEEN["rolled over"] += 1
            # the roll-over left no continuing contract's month of the new period planned
            new = db.session.scalars(select(FinancingPeriod).order_by(
                FinancingPeriod.starts_on.desc())).first()
            assert rollover.continuing_certificates(new) == []

    # --- after every step ---

    @invariant()
    def money_seats_and_months_agree(self):
        if not hasattr(self, "w"):
            return
        with _app.app_context():
            assert checks.check_invariants() == []
            moved: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            for ref, kind, amount in db.session.execute(
                    select(Transfer.ref, Transfer.kind, func.sum(Transfer.amount))
                    .where(Transfer.ref.like("contract:%")).group_by(Transfer.ref, Transfer.kind)):
                moved[ref][kind] = int(amount)
            escrows = {a.code: a for a in db.session.scalars(select(LedgerAccount).where(
                LedgerAccount.kind == AccountKind.ESCROW))}
            held = ledger.balances(escrows.values())
            with_reserve = set()
            for contract in db.session.scalars(select(Contract)):
                reserved = sum(m.certificate_share for m in contract.months
                               if m.status == MonthStatus.RESERVED)
                money = moved.get(contract.ledger_ref, {})
                if contract.status in (ContractStatus.OFFERED, ContractStatus.DECLINED,
                                       ContractStatus.LAPSED):
                    assert not contract.months, f"{contract.number} has months but no contract"
                    assert contract.escrow_code not in escrows and not money
                    continue
                assert contract.months
                if contract.status == ContractStatus.ACTIVE:
                    assert contract.ends_on is None
                if money.get(TransferKind.RESERVE):
                    with_reserve.add(contract.escrow_code)
                    balance = held[escrows[contract.escrow_code].id]
                    assert balance == reserved == money[TransferKind.RESERVE] \
                        - money.get(TransferKind.PAYMENT, 0) - money.get(TransferKind.RELEASE, 0)
                else:
                    assert reserved == 0 and contract.escrow_code not in escrows
            assert set(escrows) == with_reserve
            seats = dict(db.session.execute(
                select(Contract.group_id, func.count()).where(
                    (Contract.status == ContractStatus.ACTIVE)
                    | ((Contract.status == ContractStatus.OFFERED) & Contract.holds_seat))
                .group_by(Contract.group_id)).all())
            for group in db.session.scalars(select(Group)):
                assert group.seats_taken == seats.get(group.id, 0), group.name
                assert 0 <= group.seats_taken <= group.capacity
            certificates = db.session.scalars(select(LedgerAccount).where(
                LedgerAccount.kind.in_((AccountKind.CERTIFICATE, AccountKind.ESCROW))))
            assert all(b >= 0 for b in ledger.balances(certificates).values())
            self.count()

    def count(self) -> None:
        self.steps += 1
        statuses = lambda model: dict(db.session.execute(  # noqa: E731
            select(model.status, func.count()).group_by(model.status)).all())
        requests_, contracts_ = statuses(EnrollmentRequest), statuses(Contract)
        full = db.session.scalar(select(func.count()).select_from(Group).where(
            Group.seats_taken >= Group.capacity))
        self.counts = Counter(
            pending=requests_.get(RequestStatus.PENDING, 0),
            offered=contracts_.get(ContractStatus.OFFERED, 0),
            active=contracts_.get(ContractStatus.ACTIVE, 0),
            waiting=statuses(WaitlistEntry).get(WaitlistStatus.WAITING, 0), full=full)

    def teardown(self):
        with _app.app_context():
            db.session.remove()
        clock.set_frozen(None)


def test_enrolment_keeps_money_seats_and_months_consistent_after_every_step(app):
    global _app
    _app = app
    run_state_machine_as_test(EnrolmentMachine, settings=settings(
        max_examples=30, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    print(dict(sorted(SEEN.items())))
    for done in ("request", "provider accepts", "accept", "terminate", "join waitlist",
                 "expired", "next period"):
        assert SEEN[done], f"the machine never did {done!r}: {dict(SEEN)}"


def test_the_provider_refuses_a_request_with_its_reason(app, world):
    """Found by the machine: the refusal's guarded UPDATE set the status before the reason,
    so the CHECK «a rejected request has a reason» refused every refusal (an IntegrityError)."""
    made = factories.enrolment_request(app, world.parent, world.child, world.group)
    with app.app_context():
        request = db.session.get(EnrollmentRequest, made.id)
        requests.reject(request, actor=user_row(world.staff), reason="Группа набрана")
    with app.app_context():
        request = db.session.get(EnrollmentRequest, made.id)
        assert (request.status, request.reason) == ("rejected", "Группа набрана")
        assert request.answered_by_id == world.staff.id
        long = "я" * 501
        with pytest.raises(DomainError, match="Не длиннее 500"):
            requests.reject(request, actor=user_row(world.staff), reason=long)
